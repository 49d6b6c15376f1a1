"""Bearer-token authentication of the read API (issue 7; ``PAC_API_TOKEN``, docs/cli.md s6).

Without the right token a request gets 401 with ``WWW-Authenticate: Bearer`` and never
data. The token is compared with :func:`secrets.compare_digest` (constant time), and it
never appears in a response, a log or an error.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import HTTPException, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

SCHEME = HTTPBearer(
    auto_error=False, bearerFormat="opaque",
    description="The value of PAC_API_TOKEN, sent as `Authorization: Bearer <token>`.",
)
CHALLENGE = {"WWW-Authenticate": "Bearer"}
#: A token a person could guess or type is refused at start (issue 12); 32 characters of
#: ``openssl rand -hex 24`` (48) or of a password manager are out of reach.
MIN_TOKEN_LENGTH = 32


def check_token(token: SecretStr | None) -> SecretStr:
    """``token`` if it is set and long enough; else a ``ValueError`` that never shows it."""
    value = "" if token is None else token.get_secret_value().strip()
    if not value:
        raise ValueError("PAC_API_TOKEN is not set: the read API needs a bearer token")
    if len(value) < MIN_TOKEN_LENGTH:
        raise ValueError(f"PAC_API_TOKEN must have at least {MIN_TOKEN_LENGTH} characters "
                         "(e.g. `openssl rand -hex 24`)")
    assert token is not None
    return token


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=CHALLENGE)


def bearer_guard(token: SecretStr) -> Callable[[HTTPAuthorizationCredentials | None], None]:
    """A FastAPI dependency accepting only ``Authorization: Bearer <token>``."""
    expected = check_token(token).get_secret_value().encode("utf-8")

    def require_token(
        credentials: HTTPAuthorizationCredentials | None = Security(SCHEME),  # noqa: B008
    ) -> None:
        if credentials is None:
            raise unauthorized("missing bearer token")
        given = credentials.credentials.encode("utf-8")
        if not secrets.compare_digest(given, expected):
            raise unauthorized("invalid bearer token")

    return require_token
