"""`accord import PATH`: migrate a legacy telco customer base. Every row goes through the same
onboarding as a shop order, its orderRef the row's customerID, so a second run creates nothing."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from accord.clock import business_today
from accord.config import Settings
from accord.db import autocommit, create_engine
from accord.errors import AccordError
from accord.models import Order
from accord.principal import MIGRATION_CHANNEL, Principal
from accord.rules.migration import RowError, missing_columns, row_to_order
from accord.schemas.orders import OrderRequest
from accord.services import catalogue, orders
from accord.temporal import connect

log = structlog.get_logger("accord.importer")

IMPORTER = Principal(subject="accord-import", channel=MIGRATION_CHANNEL)
TERMINAL = ("completed", "failed")


@dataclass
class ImportReport:
    created: int = 0
    already_present: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, ref, reason)
    elapsed: float = 0.0

    @property
    def rows(self) -> int:
        return self.created + self.already_present + len(self.failed)

    @property
    def orders_per_second(self) -> float:
        return self.created / self.elapsed if self.elapsed else 0.0


class WrongFileShape(ValueError):
    pass


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; the header is line 1. A file without the columns the
    mapping needs is refused as a whole, before any row is imported."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = missing_columns(list(reader.fieldnames or []))
        if missing:
            raise WrongFileShape(f"{path.name} lacks the columns {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row


class Importer:
    def __init__(self, engine: AsyncEngine, client: Client, settings: Settings, *, window: int) -> None:
        self.engine, self.client, self.settings = engine, client, settings
        self.report = ImportReport()
        self.window = asyncio.Semaphore(window)
        # orderRef → (line, whether that line created the order), for orders still running; a file may
        # hold the same customerID twice.
        self.waiting: dict[str, list[tuple[int, bool]]] = {}
        self.on_row_done: Callable[[], None] = lambda: None  # moves the progress bar

    async def run(self, rows: list[tuple[int, dict[str, str]]], progress: Progress | None = None) -> ImportReport:
        started = time.monotonic()
        task = progress.add_task("importing", total=len(rows)) if progress else None
        if progress is not None and task is not None:
            self.on_row_done = lambda: progress.advance(task)
        async with autocommit(self.engine) as connection:
            prices = {code: t.monthly_price for code, t in (await catalogue.offering_terms(connection)).items()}
        today = business_today()
        submitted = asyncio.Event()
        # The watcher is in the group: were it to fail, the import stops with its error (the rows
        # waiting for it would otherwise wait for ever).
        async with asyncio.TaskGroup() as watching:
            watching.create_task(self._watch(submitted))
            async with asyncio.TaskGroup() as placing:
                for line, row in rows:
                    await self.window.acquire()
                    try:
                        request = row_to_order(row, prices, today)
                    except (RowError, ValueError) as exc:
                        self._finish(line, row.get("customerID", ""), "failed", str(exc))
                        continue
                    placing.create_task(self._place(line, request))
            submitted.set()
        self.report.elapsed = time.monotonic() - started
        return self.report

    def _finish(self, line: int, ref: str, outcome: str, reason: str | None = None) -> None:
        if outcome == "created":
            self.report.created += 1
        elif outcome == "already present":
            self.report.already_present += 1
        else:
            self.report.failed.append((line, ref, reason or "failed"))
        self.window.release()
        self.on_row_done()

    async def _place(self, line: int, request: OrderRequest) -> None:
        try:
            order, created = await orders.place_order(
                self.engine,
                self.client,
                request=request,
                principal=IMPORTER,
                task_queue=self.settings.task_queue,
            )
        except AccordError as exc:
            reasons = "; ".join(f"{e.field}: {e.detail}" for e in exc.errors) or str(exc)
            self._finish(line, request.order_ref, "failed", reasons)
            return
        except Exception as exc:  # an outage fails the row, not the import; a rerun retries it
            self._finish(line, request.order_ref, "failed", f"could not place the order: {exc!r}")
            return
        if order.state not in TERMINAL:
            self.waiting.setdefault(order.order_ref, []).append((line, created))
        elif order.state == "completed":
            self._finish(line, order.order_ref, "already present")
        else:
            self._finish(line, order.order_ref, "failed", order.failure_reason)

    async def _watch(self, submitted: asyncio.Event) -> None:
        """Poll PostgreSQL for the orders still running: one query for all of them, twice a second,
        until every row is submitted and every order has finished. A poll that fails (the database
        restarting, out of connections) is logged and tried again: the orders keep running."""
        while not (submitted.is_set() and not self.waiting):
            await asyncio.sleep(0.5)
            if not self.waiting:
                continue
            try:
                done = await self._finished(list(self.waiting))
            except (DBAPIError, OSError) as exc:
                log.warning("cannot read the orders' states yet; trying again", error=str(exc).splitlines()[0])
                await asyncio.sleep(2)
                continue
            for ref, state, reason in done:
                for line, created in self.waiting.pop(ref):
                    outcome = "failed" if state == "failed" else "created" if created else "already present"
                    self._finish(line, ref, outcome, reason)

    async def _finished(self, refs: list[str]) -> list[tuple[str, str, str | None]]:
        async with autocommit(self.engine) as connection:
            rows = await connection.execute(
                select(Order.order_ref, Order.state, Order.failure_reason).where(
                    Order.order_ref.in_(refs), Order.state.in_(TERMINAL)
                )
            )
            return [(ref, state, reason) for ref, state, reason in rows]


async def import_file(settings: Settings, path: Path, *, window: int = 200, show_progress: bool = True) -> ImportReport:
    rows = list(read_rows(path))
    engine = create_engine(settings)
    client = await connect(settings)
    try:
        importer = Importer(engine, client, settings, window=window)
        if not show_progress:
            return await importer.run(rows)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns) as progress:
            return await importer.run(rows, progress)
    finally:
        await engine.dispose()
