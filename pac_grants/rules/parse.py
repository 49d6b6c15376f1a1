"""Small strict readers for ruleset YAML: each error names the file and the key path."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


class Where:
    """A position in a ruleset file (``file: windows.0.cap``) for error messages."""

    def __init__(self, name: str, path: tuple[str, ...] = ()) -> None:
        self.name = name
        self.path = path

    def __truediv__(self, key: str) -> Where:
        return Where(self.name, (*self.path, key))

    def error(self, key: str | None, message: str) -> ValueError:
        path = ".".join(self.path + ((key,) if key else ()))
        return ValueError(f"{self.name}: {path or '(top level)'}: {message}")


def keys_of(value: object, at: Where, *, required: set[str], optional: set[str]) -> None:
    """Refuse a mapping with missing or unknown keys (docs/rules.md s1)."""
    if not isinstance(value, dict):
        raise at.error(None, "must be a mapping")
    missing = sorted(required - value.keys())
    if missing:
        raise at.error(None, f"missing key(s): {', '.join(missing)}")
    unknown = sorted(str(k) for k in value.keys() - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise at.error(None, f"unknown key(s): {', '.join(unknown)} (allowed: {allowed})")


def decimal_of(value: object, at: Where) -> Decimal:
    """An exact decimal from a YAML string, integer or float (floats by their shortest text)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise at.error(None, f"{value!r} is not a decimal number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise at.error(None, f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise at.error(None, f"{value!r} is not a finite number")
    return number


def integer_of(value: object, at: Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.error(None, f"{value!r} is not a whole number")
    return value


def optional_integer(value: object, at: Where) -> int | None:
    return None if value is None else integer_of(value, at)
