"""Pure ASGI middleware (no per-request task overhead): a request id on every API log line and
response, and the refusal of text PostgreSQL cannot store."""

from __future__ import annotations

import contextlib
import json
import uuid
from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.errors import FieldError
from accord.rules.text import NUL, nul_fields
from api.problems import send_problem


class RequestIdMiddleware:
    header = b"x-request-id"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(self.header)
        request_id = given.decode("latin-1")[:100] if given else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (self.header, request_id.encode("latin-1")),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


class RejectNulCharacters:
    """A NUL character (U+0000) anywhere in the path, the query or a JSON body is a 422 naming where it
    is, before any route runs (PostgreSQL text cannot hold it). A body is only parsed when its raw bytes
    hold the JSON escape of NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields = []
        if NUL in scope["path"]:
            fields.append("path")
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            fields += [name.replace(NUL, "") or "query" for name, value in pairs if NUL in name + value]
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await read_body(receive)
            if b"\\u0000" in body:
                with contextlib.suppress(ValueError):  # not JSON: the route's own parsing answers
                    fields += list(nul_fields(json.loads(body)))
            receive = replay(body)
        if fields:
            await send_problem(
                send,
                scope,
                status=422,
                title="Invalid input",
                slug="invalid-input",
                detail="text cannot contain the NUL character (U+0000)",
                errors=[FieldError(f, "contains a NUL character (U+0000)") for f in fields],
            )
            return
        await self.app(scope, receive, send)


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A receive channel that hands the app the body already read."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
