"""What the HTTP server refuses before the app reads a request: heads that are too large, too
many or too slow, and bodies that stall.

uvicorn's httptools parser has no cap on a request head, and neither of its parsers has a
timeout for a head or a body that arrives slowly: one client could hold memory and
connections for as long as it liked. app/serve.py serves through `LimitedH11Protocol` (with
h11 capping a head still arriving at `max_header_bytes`) and `RequestHeadLimit`.
"""

import asyncio
import http
import json
from typing import Any

import h11
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.api.error_body import error_body
from app.api.security import SECURITY_HEADERS
from app.settings import get_settings


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and for each body chunk.

    A head's clock starts when the connection opens, or at the first byte of the next request
    on a kept-alive connection (how long an idle one stays open is `--timeout-keep-alive`'s
    business), and keeps running however slowly bytes trickle in. A body's clock restarts at
    every byte received.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = get_settings()
        self.header_timeout = settings.header_timeout_seconds
        self.body_timeout = settings.body_timeout_seconds
        self.head_deadline: asyncio.TimerHandle | None = None
        self.body_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn waits for a first request forever: a connection that sends nothing, or half
        # a head, would be held open for good.
        self.head_deadline = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def data_received(self, data: bytes) -> None:
        if self.head_deadline is None and self.conn.their_state is h11.IDLE:
            # The first bytes of the next request on a kept-alive connection.
            self.head_deadline = self.loop.call_later(self.header_timeout, self._head_timed_out)
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_request()  # It may have started a pipelined request, body still to come.

    def connection_lost(self, exc: Exception | None) -> None:
        for deadline in (self.head_deadline, self.body_deadline):
            if deadline is not None:
                deadline.cancel()
        super().connection_lost(exc)

    def _follow_request(self) -> None:
        """Stop the head's clock once the head is in; restart the body's at every byte."""
        their_state = self.conn.their_state
        if their_state is not h11.IDLE and self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None
        # Once answered, the rest of a body is only discarded: its clock no longer restarts,
        # so trickling it cannot hold the connection.
        answered = their_state is h11.SEND_BODY and self.cycle.response_complete
        if self.body_deadline is not None and not answered:
            self.body_deadline.cancel()
            self.body_deadline = None
        if their_state is h11.SEND_BODY and self.body_deadline is None:
            self.body_deadline = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        # There is no request to answer (h11 sends no response before a head): just close.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def _body_timed_out(self) -> None:
        self.body_deadline = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
            return
        if self.flow.read_paused or self.cycle.waiting_for_100_continue:
            # The app has not asked for more yet: the client is not the one stalling.
            self._follow_request()
            return
        if not self.cycle.response_started:
            seconds = f"{self.body_timeout:g}"
            detail = f"no byte of the request body came for {seconds} s; send it again"
            self._answer(408, error_body(detail, "body_timeout", {"seconds": self.body_timeout}))
        # The app's receive() now gives `http.disconnect`, and whatever it sends is dropped.
        self.cycle.disconnected = True
        self.cycle.message_event.set()
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers 400 to every error h11 raises. h11 holds more bytes than the cap only
        # for a head still incomplete beyond it, an error it hints as 431: say so, in JSON.
        cap = self.config.h11_max_incomplete_event_size
        if cap is None or len(self.conn.trailing_data[0]) <= cap:
            super().send_400_response(msg)
            return
        self._answer(431, _head_too_large(cap))
        self.transport.close()

    def _answer(self, status: int, error: dict[str, Any]) -> None:
        """Write a JSON answer that closes the connection, like the app's own errors."""
        body = json.dumps(error).encode()
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()),
        ]
        reason = http.HTTPStatus(status).phrase.encode()
        events = (h11.Response(status_code=status, headers=headers, reason=reason), h11.Data(body))
        for event in (*events, h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")


def _head_too_large(max_bytes: int) -> dict[str, Any]:
    detail = f"the request head is larger than {max_bytes} bytes, the most accepted"
    return error_body(detail, "head_too_large", {"max_bytes": max_bytes})


class RequestHeadLimit:
    """Answer 431 to a request whose head has more than `max_count` header fields or more than
    `max_bytes` bytes.

    h11 caps only a head still incomplete, so one that arrives whole in a single read (up to
    256 KiB) passes it; and it counts no fields, each of which costs every middleware a look.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = self._refusal(scope) if scope["type"] == "http" else None
        if error is None:
            await self.app(scope, receive, send)
            return
        answer = JSONResponse(status_code=431, content=error, headers=SECURITY_HEADERS)
        await answer(scope, receive, send)

    def _refusal(self, scope: Scope) -> dict[str, Any] | None:
        count = len(scope["headers"])
        if count > self.max_count:
            detail = f"the request has {count} header fields; at most {self.max_count} are accepted"
            return error_body(detail, "too_many_headers", {"max_count": self.max_count})
        # As sent: "METHOD target HTTP/1.1\r\n", then "name: value\r\n" each.
        line = len(scope["method"]) + len(scope["raw_path"]) + len(scope["query_string"]) + 12
        size = line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if size > self.max_bytes:
            return _head_too_large(self.max_bytes)
        return None
