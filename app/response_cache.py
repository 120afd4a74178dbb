"""Answer a repeated read from memory while the catalog revision it was computed under is still current.

`POST /v1/compile` with the same body, or `GET /v1/metrics/finance.gmv`, gives the same bytes until a write adds
a version: every byte of those answers is a function of the request and of the stored catalog, and the
store's revision changes exactly when the catalog does. So the first answer (status 200 only) is kept,
keyed by the request's method, path, query string, content type and body, for the revision read after the
request arrived (`app.current`), and sent again to identical requests of the same revision without routing,
validation, compiling or serialising.

The cache sits in front of the app and never decides anything itself: a miss goes through the app unchanged,
and errors are never cached, so status codes, problem documents and the OpenAPI schema stay the app's.
Requests that carry credentials, or any request when reads need a token, always go through the app: a token
can be revoked without a new revision.

    app.add_middleware(ResponseCache, current=CurrentCatalog(repo), open_reads=True)
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.current import CurrentCatalog
from app.limits import BodyTooLarge

REVISION = "caliber.revision"
"""Scope key carrying the revision the cache read, so the app answers for that same revision."""

# Reads whose answer depends only on the request and the stored catalog.
CACHEABLE = (
    ("POST", re.compile(r"/v1/compile")),
    ("GET", re.compile(r"/v1/compile")),
    ("GET", re.compile(r"/v1/metrics(/[^/]+(/versions(/[^/]+)?|/diff)?)?")),
)
MAX_ENTRIES = 1024
MAX_ENTRY_BYTES = 64 * 1024
"""Larger requests or answers are not kept, so a worker's cache stays under 2 x 1024 x 64 KiB = 128 MiB."""

Key = tuple[str, str, bytes, bytes, bytes]


@dataclass(frozen=True, slots=True)
class Answer:
    start: Message
    body: bytes
    route: object
    """The route that answered first (`scope["route"]`), given to a hit so metrics label it alike."""


class ResponseCache:
    def __init__(self, app: ASGIApp, current: CurrentCatalog, open_reads: bool) -> None:
        self.app = app
        self.current = current
        self.open_reads = open_reads
        self._revision: str | None = None
        self._answers: OrderedDict[Key, Answer] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        messages, body, failure = await _read_body(receive)
        replay = _replaying(messages, failure, receive)
        if failure is not None:
            await self.app(scope, replay, send)
            return
        try:
            revision = await self.current.revisions.fresh()
        except Exception:
            # The app reads the store again and answers the failure its own way.
            await self.app(scope, replay, send)
            return
        key: Key = (
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            _content_type(scope),
            body,
        )
        answer = self._get(revision, key)
        if answer is not None:
            scope["route"] = answer.route
            await send(answer.start)
            await send({"type": "http.response.body", "body": answer.body})
            return
        scope[REVISION] = revision
        start: Message | None = None
        chunks: list[bytes] = []

        async def keeping_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, keeping_send)
        if start is not None and start["status"] == 200 and len(body) <= MAX_ENTRY_BYTES:
            self._put(revision, key, Answer(start, b"".join(chunks), scope.get("route")))

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or not self.open_reads:
            return False
        if any(name == b"authorization" for name, _ in scope.get("headers", ())):
            return False
        method, path = scope["method"], scope["path"]
        return any(method == m and pattern.fullmatch(path) for m, pattern in CACHEABLE)

    def _get(self, revision: str, key: Key) -> Answer | None:
        if revision != self._revision:
            return None
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def _put(self, revision: str, key: Key, answer: Answer) -> None:
        if len(answer.body) > MAX_ENTRY_BYTES:
            return
        if revision != self._revision:
            # Revisions only move forward: answers of an older one are never asked for again.
            self._answers.clear()
            self._revision = revision
        self._answers[key] = answer
        if len(self._answers) > MAX_ENTRIES:
            self._answers.popitem(last=False)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes, BodyTooLarge | None]:
    """The request messages up to the end of the body (or a disconnect), the body, and a size refusal."""
    messages: list[Message] = []
    while True:
        try:
            message = await receive()
        except BodyTooLarge as err:
            return messages, b"", err
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            return messages, body, None


def _replaying(messages: list[Message], failure: BodyTooLarge | None, receive: Receive) -> Receive:
    """A `receive` that gives the app what was already read, then the size refusal or the client again."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        if failure is not None:
            raise failure
        return await receive()

    return replay


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value)
    return b""
