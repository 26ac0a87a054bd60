"""Idempotency-Key on every POST (pure ASGI middleware; the rules are in services/idempotency.py)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.config import get_settings
from accord.errors import AccordError, FieldError
from accord.principal import Principal
from accord.services import idempotency
from api.deps import principal_of
from api.problems import problem_document

HEADER = b"idempotency-key"
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
PURGE_EVERY = 600.0  # seconds


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.purged_at = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_key = dict(scope["headers"]).get(HEADER) if scope["type"] == "http" else None
        if raw_key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not VALID_KEY.match(key):
            await problem(
                send,
                scope,
                400,
                "Bad request",
                "bad-request",
                "Idempotency-Key is not a valid key",
                [FieldError("Idempotency-Key", "1 to 255 printable ASCII characters, no spaces")],
            )
            return
        settings = get_settings()
        try:
            principal: Principal = principal_of(Headers(scope=scope), settings)
        except AccordError as exc:
            await problem(send, scope, exc.status, exc.title, exc.slug, exc.detail, exc.errors)
            return
        body = await read_body(receive)
        retention = timedelta(hours=settings.idempotency_retention_hours)
        fingerprint = idempotency.fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        pool = scope["app"].state.reads
        async with pool.connection() as connection:
            if time.monotonic() - self.purged_at > PURGE_EVERY:
                self.purged_at = time.monotonic()
                await idempotency.purge_expired(connection, retention=retention)
            outcome = await idempotency.claim(
                connection, principal=principal.audit_name, key=key, fingerprint=fingerprint, retention=retention
            )
        match outcome:
            case idempotency.Replay(status=status, headers=headers, body=stored):
                replayed = [(bytes(n, "latin-1"), bytes(v, "latin-1")) for n, v in headers]
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [*replayed, (b"idempotent-replayed", b"true")],
                    }
                )
                await send({"type": "http.response.body", "body": stored})
            case idempotency.OtherRequest():
                await problem(
                    send,
                    scope,
                    422,
                    "Invalid input",
                    "idempotency-key-reused",
                    "this Idempotency-Key was already used with a different request",
                    [FieldError("Idempotency-Key", "use a new key for a new request")],
                )
            case idempotency.InProgress():
                await problem(
                    send,
                    scope,
                    409,
                    "Conflict",
                    "idempotency-key-in-use",
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                    [FieldError("Idempotency-Key", "in use by a request that has not answered yet")],
                )
            case idempotency.Claimed():
                await self.run_and_remember(scope, body, send, principal.audit_name, key)

    async def run_and_remember(self, scope: Scope, body: bytes, send: Send, principal: str, key: str) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        finally:
            status = start.get("status", 500)
            headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in start.get("headers", [])]
            async with scope["app"].state.reads.connection() as connection:
                await idempotency.remember(
                    connection, principal=principal, key=key, status=status, headers=headers, body=b"".join(chunks)
                )
        await send(start)
        await send({"type": "http.response.body", "body": b"".join(chunks)})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def problem(
    send: Send, scope: Scope, status: int, title: str, slug: str, detail: str, errors: list[FieldError]
) -> None:
    document: dict[str, Any] = problem_document(
        status=status, title=title, slug=slug, detail=detail, instance=scope["path"], errors=errors
    )
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/problem+json")]}
    )
    await send({"type": "http.response.body", "body": json.dumps(document).encode()})
