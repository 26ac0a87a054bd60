"""Idempotency-Key on every POST (pure ASGI middleware; the rules are in services/idempotency.py)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.config import get_settings
from accord.errors import AccordError, FieldError
from accord.principal import Principal
from accord.services import idempotency
from api.deps import principal_of
from api.middleware import read_body, replay
from api.problems import send_problem

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
            await send_problem(
                send,
                scope,
                status=400,
                title="Bad request",
                slug="bad-request",
                detail="Idempotency-Key is not a valid key",
                errors=[FieldError("Idempotency-Key", "1 to 255 printable ASCII characters, no spaces")],
            )
            return
        settings = get_settings()
        try:
            principal: Principal = principal_of(Headers(scope=scope), settings)
        except AccordError as exc:
            await send_problem(
                send, scope, status=exc.status, title=exc.title, slug=exc.slug, detail=exc.detail, errors=exc.errors
            )
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
                await send_problem(
                    send,
                    scope,
                    status=422,
                    title="Invalid input",
                    slug="idempotency-key-reused",
                    detail="this Idempotency-Key was already used with a different request",
                    errors=[FieldError("Idempotency-Key", "use a new key for a new request")],
                )
            case idempotency.InProgress():
                await send_problem(
                    send,
                    scope,
                    status=409,
                    title="Conflict",
                    slug="idempotency-key-in-use",
                    detail="a request with this Idempotency-Key is still being processed; retry shortly",
                    errors=[FieldError("Idempotency-Key", "in use by a request that has not answered yet")],
                )
            case idempotency.Claimed():
                await self.run_and_remember(scope, body, send, principal.audit_name, key)

    async def run_and_remember(self, scope: Scope, body: bytes, send: Send, principal: str, key: str) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay(body), capture)
        finally:
            status = start.get("status", 500)
            headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in start.get("headers", [])]
            async with scope["app"].state.reads.connection() as connection:
                await idempotency.remember(
                    connection, principal=principal, key=key, status=status, headers=headers, body=b"".join(chunks)
                )
        await send(start)
        await send({"type": "http.response.body", "body": b"".join(chunks)})
