"""Ruleset documents: the YAML a variant is written in, kept beside the ruleset it gives.

A simulation changes a ruleset's data (``--vary`` sets one value), so it needs the
document, not only the parsed :class:`Ruleset`. Every document is validated by the one
ruleset validation of :mod:`pac_grants.rules.ruleset` (docs/rules.md s1); its error,
``file: windows.0.min_score: reason``, gets the line of that key in the file, so the
person who wrote the YAML finds it (``file:29: windows.0.min_score: reason``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pac_grants.rules.ruleset import (
    PACKAGED_DIR,
    Ruleset,
    RulesetError,
    packaged_ids,
    parse_ruleset,
)


class PathError(ValueError):
    """A dotted path that does not lead to a value of the ruleset."""


@dataclass(frozen=True)
class Document:
    """A ruleset's YAML: ``name`` for messages, ``text`` as written, ``data`` as parsed
    (``edited`` once a value was set: the text then only serves to find lines)."""

    name: str
    text: str
    data: Any
    edited: bool = False

    def ruleset(self) -> Ruleset:
        """The validated ruleset; :class:`RulesetError` with ``file:line:`` when it is not."""
        try:
            return parse_ruleset(self._yaml(), self.name)
        except RulesetError as exc:
            raise RulesetError(located(str(exc), self)) from None

    def _yaml(self) -> str:
        if not self.edited:
            return self.text
        return yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False)

    def with_value(self, path: str, value: object) -> Document:
        """A copy whose value at ``path`` (list items addressed by id) is ``value``."""
        data = copy.deepcopy(self.data)
        parent, key = _parent(data, path)
        parent[key] = value
        return Document(self.name, self.text, data, edited=True)

    def value_at(self, path: str) -> object:
        parent, key = _parent(self.data, path)
        return parent[key]


def parse_document(text: str, name: str) -> Document:
    """A document from YAML text; not valid YAML is a :class:`RulesetError`."""
    try:
        return Document(name, text, yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise RulesetError(f"{name}: not valid YAML: {exc}") from None


def read_document(path: str | Path) -> Document:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read the ruleset: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RulesetError(f"{path}: not a UTF-8 text file") from None
    return parse_document(text, str(path))


def packaged_document(ruleset_id: str) -> Document:
    name = packaged_ids()[ruleset_id]
    text = resources.files("pac_grants").joinpath(PACKAGED_DIR, name).read_text("utf-8")
    return parse_document(text, f"packaged ruleset {name}")


def _parent(data: Any, path: str) -> tuple[Any, Any]:
    """The container holding ``path``'s value and its key or index in it."""
    segments = path.split(".")
    if not path or not all(segments):
        raise PathError(f"{path!r} is not a dotted path like windows.standard.equal_share")
    node, walked = data, ""
    for number, segment in enumerate(segments):
        key = _key(node, segment, walked or "the ruleset")
        if number == len(segments) - 1:
            if isinstance(node[key], dict | list):
                raise PathError(f"{path} is a {type(node[key]).__name__}, not a value")
            return node, key
        node, walked = node[key], f"{walked}.{segment}" if walked else segment
    raise AssertionError("unreachable")


def _key(node: Any, segment: str, walked: str) -> Any:
    if isinstance(node, dict):
        if segment not in node:
            known = ", ".join(sorted(map(str, node)))
            raise PathError(f"{walked} has no key {segment!r} (keys: {known})")
        return segment
    if isinstance(node, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in node]
        if segment in ids:
            return ids.index(segment)
        if segment.isdigit() and int(segment) < len(node) and not any(ids):
            return int(segment)
        known = ", ".join(map(str, ids)) if any(ids) else f"0 to {len(node) - 1}"
        raise PathError(f"{walked} has no item {segment!r} (items: {known})")
    raise PathError(f"{walked} is a value, it has no {segment!r}")


def located(message: str, document: Document) -> str:
    """``name: a.0.b: reason`` -> ``name:LINE: a.0.b: reason`` (the key's line in the file)."""
    prefix = document.name + ": "
    if not message.startswith(prefix):
        return message
    path, sep, reason = message[len(prefix):].partition(": ")
    line = line_of(document.text, path.split(".")) if sep and path != "(top level)" else None
    return f"{document.name}:{line}: {path}: {reason}" if line else message


def line_of(text: str, path: list[str]) -> int | None:
    """1-based line of the deepest node of ``path`` (keys, list indexes) in the YAML text."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for segment in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if k.value == segment]
            if not found:
                break
            node, line = found[0][1], found[0][0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and segment.isdigit() \
                and int(segment) < len(node.value):
            node = node.value[int(segment)]
            line = node.start_mark.line + 1
        else:
            break
    return line
