"""ASGI middleware of the read API: HEAD answered like GET (issue 12).

Monitoring probes and link checkers send HEAD; FastAPI routes declared with ``get`` only
answer it 405. :class:`HeadAsGet` runs the GET route (authentication included) and sends
its status and headers, ``Content-Length`` too, without the body (RFC 9110 s9.3.2). The
OpenAPI description keeps listing GET only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, headers_only)
