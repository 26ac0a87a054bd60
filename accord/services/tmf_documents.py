"""TM Forum documents: resources Accord does not model, stored as the client sent them (one JSONB body
per resource, keyed by kind and id), and the TMF-only attributes of resources Accord does model.
Every change is audited and written to the outbox like any other."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from accord.errors import NotFound
from accord.models import TmfDocument
from accord.principal import Principal
from accord.rules.changes import changed_fields
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.services.audit import Change, record


def entity_type(kind: str) -> str:
    return f"tmf.{kind}"


async def create_document(
    session: AsyncSession, *, kind: str, body: dict[str, Any], principal: Principal
) -> TmfDocument:
    document = TmfDocument(
        kind=kind,
        id=str(uuid.uuid4()),
        body=body,
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
    )
    session.add(document)
    await session.flush()
    await record(session, principal, [Change(entity_type(kind), uuid.UUID(document.id), "created", changes=body)])
    return document


async def get_document(session: AsyncSession, *, kind: str, document_id: str) -> TmfDocument:
    document = await session.get(TmfDocument, (kind, document_id))
    if document is None:
        raise NotFound(f"no {kind} {document_id}")
    return document


async def list_documents(
    session: AsyncSession, *, kind: str, filters: Mapping[str, list[str]], offset: int, limit: int
) -> tuple[list[TmfDocument], int]:
    """A page of one kind's documents, oldest first (ties by id), and how many match in all. A filter
    matches a top-level attribute's value as text (`id` is the document's id)."""
    where = [TmfDocument.kind == kind]
    for name, values in filters.items():
        if name == "id":
            where.append(TmfDocument.id.in_(values))
        else:
            where.append(TmfDocument.body[name].astext.in_(values))
    rows = await session.scalars(
        select(TmfDocument).where(*where).order_by(TmfDocument.created_at, TmfDocument.id).offset(offset).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(TmfDocument).where(*where))
    return list(rows), total or 0


async def replace_document(
    session: AsyncSession,
    *,
    kind: str,
    document_id: str,
    body: dict[str, Any],
    principal: Principal,
    if_match: IfMatch = ANY_VERSION,
) -> TmfDocument:
    """The document's new body (the caller applied the merge patch to what it read under this lock)."""
    document = await lock_document(session, kind=kind, document_id=document_id, if_match=if_match)
    changes = changed_fields(document.body, body)
    if changes:
        document.body = body
        document.updated_by = principal.audit_name
        await session.flush()
        await record(
            session, principal, [Change(entity_type(kind), uuid.UUID(document_id), "updated", changes=changes)]
        )
    return document


async def lock_document(
    session: AsyncSession, *, kind: str, document_id: str, if_match: IfMatch = ANY_VERSION
) -> TmfDocument:
    document = await session.get(TmfDocument, (kind, document_id), with_for_update=True, populate_existing=True)
    if document is None:
        raise NotFound(f"no {kind} {document_id}")
    if_match.check(document.version, what=kind)
    return document


async def extensions(session: AsyncSession, *, kind: str, ids: list[uuid.UUID]) -> dict[str, dict[str, Any]]:
    """The TMF-only attributes kept for these Accord resources (customers, agreements), by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(TmfDocument.id, TmfDocument.body).where(
            TmfDocument.kind == kind, TmfDocument.id.in_([str(i) for i in ids])
        )
    )
    return {row.id: row.body for row in rows}


async def save_extension(
    session: AsyncSession, *, kind: str, resource_id: uuid.UUID, body: dict[str, Any], principal: Principal
) -> dict[str, dict[str, Any]]:
    """Keep (replace) the TMF-only attributes of an Accord resource. Returns what changed, for the
    caller to record in the audit entry of the Accord resource it belongs to."""
    before = (await extensions(session, kind=kind, ids=[resource_id])).get(str(resource_id)) or {}
    changes = changed_fields(before, body)
    if not changes:
        return {}
    statement = insert(TmfDocument).values(
        kind=kind,
        id=str(resource_id),
        body=body,
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
        version=1,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[TmfDocument.kind, TmfDocument.id],
        set_={
            "body": statement.excluded.body,
            "updated_by": statement.excluded.updated_by,
            "updated_at": func.now(),
            "version": TmfDocument.version + 1,
        },
    )
    await session.execute(statement)
    return changes


async def delete_document(
    session: AsyncSession, *, kind: str, document_id: str, principal: Principal, if_match: IfMatch = ANY_VERSION
) -> None:
    document = await lock_document(session, kind=kind, document_id=document_id, if_match=if_match)
    await session.delete(document)
    await session.flush()
    await record(
        session, principal, [Change(entity_type(kind), uuid.UUID(document_id), "deleted", changes=document.body)]
    )
