"""Idempotency-Key on POST: the first request with a key claims it; a retry with the same request gets
the first answer again; the same key with another request is refused. Keys are per caller and kept for
the configured retention (at least 24 h). The claim is one INSERT, so two concurrent first requests
cannot both run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

# A claim older than this whose request never finished (its process died) may be taken over.
ABANDONED_AFTER = timedelta(minutes=2)


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """The request, with a JSON body in canonical form (key order and whitespace do not count)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claimed:
    """This request is the first with its key: run it, then `remember` its answer."""


@dataclass(frozen=True)
class Replay:
    status: int
    headers: list[Any]
    body: bytes


@dataclass(frozen=True)
class OtherRequest:
    """The key was used for a different request."""


@dataclass(frozen=True)
class InProgress:
    """The first request with this key has not answered yet."""


Outcome = Claimed | Replay | OtherRequest | InProgress

CLAIM = """
INSERT INTO idempotency_keys AS k (principal, key, fingerprint) VALUES (%(principal)s, %(key)s, %(fingerprint)s)
ON CONFLICT (principal, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, created_at = now(), status = NULL, headers = NULL, body = NULL
    WHERE k.created_at < now() - %(retention)s
       OR (k.status IS NULL AND k.fingerprint = EXCLUDED.fingerprint AND k.created_at < now() - %(abandoned)s)
RETURNING true
"""


async def claim(
    connection: AsyncConnection[Any], *, principal: str, key: str, fingerprint: str, retention: timedelta
) -> Outcome:
    params = dict(principal=principal, key=key, fingerprint=fingerprint, retention=retention, abandoned=ABANDONED_AFTER)
    cursor = await connection.execute(CLAIM, params)
    if await cursor.fetchone() is not None:
        return Claimed()
    cursor = await connection.execute(
        "SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE principal = %s AND key = %s",
        (principal, key),
    )
    row = await cursor.fetchone()
    if row is None:  # expired and purged between the two statements: claim again
        return await claim(connection, principal=principal, key=key, fingerprint=fingerprint, retention=retention)
    stored_fingerprint, status, headers, body = row
    if stored_fingerprint != fingerprint:
        return OtherRequest()
    if status is None:
        return InProgress()
    return Replay(status=status, headers=headers, body=bytes(body))


async def remember(
    connection: AsyncConnection[Any], *, principal: str, key: str, status: int, headers: list[Any], body: bytes
) -> None:
    """Keep the answer for retries; a server error is not kept, so that a retry runs the request again."""
    if status >= 500:
        await connection.execute("DELETE FROM idempotency_keys WHERE principal = %s AND key = %s", (principal, key))
        return
    await connection.execute(
        "UPDATE idempotency_keys SET status = %s, headers = %s, body = %s WHERE principal = %s AND key = %s",
        (status, Jsonb(headers), body, principal, key),
    )


async def purge_expired(connection: AsyncConnection[Any], *, retention: timedelta) -> None:
    await connection.execute("DELETE FROM idempotency_keys WHERE created_at < now() - %s", (retention,))
