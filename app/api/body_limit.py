"""Refuse request bodies beyond a size with 413 and a JSON `detail`, whatever the route.

FastAPI's own `max_body_size` answers a declared Content-Length beyond the limit in plain text;
this middleware answers every case in JSON, like every other error of the API.
`install_body_size_limit` adds it and documents the 413 for every operation that takes a body.
"""

from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.error_body import error_body


class _BodyTooLargeError(Exception):
    pass


class BodySizeLimitMiddleware:
    """Answer 413 to a request whose body is larger than `max_bytes`.

    A declared Content-Length beyond the limit is refused before a byte is read. Otherwise the
    bytes are counted as they arrive, so a chunked body without Content-Length is cut off as
    soon as it passes the limit, not buffered whole first.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLargeError()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # The app's answer to a body cut short (FastAPI says 400) is dropped.
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.max_bytes} bytes, the most accepted"
        body = error_body(detail, "body_too_large", {"max_bytes": self.max_bytes})
        await JSONResponse(status_code=413, content=body)(scope, receive, send)


def install_body_size_limit(app: FastAPI, max_bytes: int) -> None:
    """Refuse bodies beyond `max_bytes` with 413, and say so in the OpenAPI schema of every
    operation with a request body (whatever router it comes from, so no route repeats it)."""
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_bytes)
    too_large = {
        "description": f"The request body is larger than {max_bytes} bytes, the most accepted "
        "(`STEPWISE_MAX_BODY_BYTES`).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "detail": {"type": "string"},
                        "code": {"type": "string", "enum": ["body_too_large"]},
                        "params": {
                            "type": "object",
                            "properties": {"max_bytes": {"type": "integer"}},
                        },
                    },
                    "required": ["detail", "code", "params"],
                }
            }
        },
    }
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build_openapi()  # Built once, then FastAPI's cached copy: this is idempotent.
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    operation.setdefault("responses", {}).setdefault("413", too_large)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
