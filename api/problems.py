"""RFC 9457 problem+json for every error, with a field-level list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg
import sqlalchemy.exc
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope, Send

from accord.errors import AccordError, FieldError, field_name

log = structlog.get_logger("accord.api")
PROBLEM_TYPES = "https://accord.dev/problems/"


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem_document(
    *, status: int, title: str, slug: str, detail: str, instance: str, errors: Sequence[FieldError] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPES + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = [{"field": e.field, "detail": e.detail} for e in errors]
    return body


def problem(
    request: Request, *, status: int, title: str, slug: str, detail: str, errors: Sequence[FieldError] = ()
) -> ProblemResponse:
    document = problem_document(
        status=status, title=title, slug=slug, detail=detail, instance=request.url.path, errors=errors
    )
    return ProblemResponse(document, status_code=status)


async def send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    title: str,
    slug: str,
    detail: str,
    errors: Sequence[FieldError] = (),
) -> None:
    """A problem answered straight from ASGI middleware, before any route runs."""
    document = problem_document(
        status=status, title=title, slug=slug, detail=detail, instance=scope["path"], errors=errors
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", ProblemResponse.media_type.encode())],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(document).encode()})


def request_field_name(loc: tuple[int | str, ...]) -> str:
    """('body', 'items', 1, 'offeringCode') → 'items[1].offeringCode'."""
    return field_name(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(AccordError)
    async def domain_error(request: Request, exc: AccordError) -> ProblemResponse:
        return problem(request, status=exc.status, title=exc.title, slug=exc.slug, detail=exc.detail, errors=exc.errors)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [
            # A body that is not JSON at all is located at a character offset: name the body instead.
            FieldError(
                "body" if e["type"] == "json_invalid" else request_field_name(tuple(e["loc"])),
                e["msg"].removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        return problem(
            request,
            status=422,
            title="Invalid input",
            slug="invalid-input",
            detail="the request has invalid fields",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> ProblemResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem(
            request,
            status=exc.status_code,
            title=title,
            slug=title.lower().replace(" ", "-"),
            detail=str(exc.detail),
        )

    # A safety net, not the validation: input the rules let through but the database refuses is still
    # the client's (4xx), and its transaction has been rolled back. Each one logged is a rule to add.
    @app.exception_handler(sqlalchemy.exc.DataError)
    @app.exception_handler(psycopg.DataError)
    async def unstorable_value(request: Request, exc: Exception) -> ProblemResponse:
        log.warning("the database refused a value", path=request.url.path, error=str(exc).splitlines()[0])
        return problem(
            request,
            status=422,
            title="Invalid input",
            slug="invalid-input",
            detail="a value in the request cannot be stored (too long, out of range, or not valid text)",
        )

    @app.exception_handler(sqlalchemy.exc.IntegrityError)
    @app.exception_handler(psycopg.IntegrityError)
    async def integrity_conflict(request: Request, exc: Exception) -> ProblemResponse:
        log.warning("the database refused a change", path=request.url.path, error=str(exc).splitlines()[0])
        return problem(
            request,
            status=409,
            title="Conflict",
            slug="conflict",
            detail="the change conflicts with the data as it stands (a duplicate, or a reference that is gone)",
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem(
            request,
            status=500,
            title="Internal error",
            slug="internal",
            detail="an unexpected error occurred",
        )
