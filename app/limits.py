"""Refuse request bodies over a size limit, as a pure ASGI middleware, before anything buffers them.

A declared `Content-Length` over the limit is refused without reading a byte. A chunked body (or one whose
length lies) is counted as it streams, and refused as soon as the count passes the limit.

    app.add_middleware(BodyLimit, max_bytes=1024 * 1024)
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import PROBLEM_JSON, problem
from catalog.issues import Location, issue


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit.

    An `HTTPException`, so FastAPI's body parsing re-raises it as is (it turns other errors into a 400) and
    the problem handlers answer 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit:,} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Reached only when the body was read outside FastAPI's handlers; once a response has started
            # there is nothing left to say to the client.
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        found = issue(
            "H003",
            f"request body is larger than {self.max_bytes:,} bytes",
            Location("body"),
            "split the bundle into several requests",
        )
        document = problem(413, "Request body too large", [found], scope.get("path", ""))
        body = document.model_dump_json().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
