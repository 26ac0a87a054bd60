"""Onboarding benchmark: one run of the whole platform (`accord run`, embedded default) in a fresh data
folder, on non-default ports, measuring

1. the Temporal ceiling: no-op workflows with one no-op activity, as many as the CSV has rows;
2. the import of the telco CSV (every row an onboarding order) into the empty database;
3. the ceiling again (the import is compared with the mean of the two);
4. reads: GET /api/v1/customers/{id} with 32 keep-alive clients.

    .venv/bin/python -m bench.onboarding [--rows N] [--csv PATH]

The figures are printed and written as JSON to bench/results/onboarding-<timestamp>.json; the
platform's output goes beside it. See bench/harness.py for what every benchmark shares."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from accord.config import Settings
from accord.db import libpq_url
from accord.temporal import connect
from bench.harness import (
    DEFAULT_CSV,
    HOST,
    ImportFigures,
    LoadFigures,
    Run,
    Workload,
    add_platform_arguments,
    benchmark_main,
    closed_loop,
    import_problems,
    json_body,
    measured,
    phase,
    prepare_csv,
    run_async,
    run_import,
    running_platform,
    settle,
)

# --- The no-op workflow of the Temporal ceiling (unsandboxed: it lives in a benchmark module).


@activity.defn(name="BenchNoopActivity")
async def noop_activity() -> None:
    return None


@workflow.defn(name="BenchNoopWorkflow", sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(noop_activity, start_to_close_timeout=timedelta(seconds=60))


@dataclass
class CeilingFigures:
    workflows: int = 0
    completed: int = 0
    failed: int = 0
    seconds: float = 0.0
    per_second: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class Totals:
    customers: int = 0
    agreements: int = 0
    active_subscriptions: int = 0
    monthly_recurring: str = "0"
    # Sum of MonthlyCharges over the imported rows that have not churned: what the MRC should be.
    expected_monthly_recurring: str = "0"


# --- The phases


async def temporal_ceiling(settings: Settings, count: int, *, in_flight: int, within: float) -> CeilingFigures:
    """`count` no-op workflows (one no-op activity each) on a task queue of their own, run by a worker
    in this process, at most `in_flight` at a time."""
    figures = CeilingFigures(workflows=count)
    client: Client = await connect(settings)
    task_queue = f"bench-noop-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[NoopWorkflow],
        activities=[noop_activity],
        max_concurrent_workflow_tasks=200,
        max_concurrent_activities=200,
    )
    window = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        try:
            await client.execute_workflow(
                NoopWorkflow.run,
                id=f"{task_queue}-{i}",
                task_queue=task_queue,
                execution_timeout=timedelta(minutes=10),
            )
            figures.completed += 1
        except Exception as exc:
            figures.failed += 1
            if len(figures.errors) < 10:
                figures.errors.append(f"workflow {i}: {exc!r}")
        finally:
            window.release()

    async with worker:
        started = time.monotonic()
        async with asyncio.timeout(within), asyncio.TaskGroup() as group:
            for i in range(count):
                await window.acquire()
                group.create_task(one(i))
        figures.seconds = time.monotonic() - started
    figures.per_second = figures.completed / figures.seconds if figures.seconds else 0.0
    return figures


async def read_totals(url: str, expected: Decimal) -> tuple[Totals, list[str]]:
    """The totals after the import, and up to 1000 customer ids to read."""
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as conn:
        cursor = await conn.execute(
            """
            SELECT (SELECT count(*) FROM customers),
                   (SELECT count(*) FROM agreements),
                   (SELECT count(*) FROM subscriptions WHERE status = 'active'),
                   (SELECT coalesce(sum(list_price + price_adjustment), 0)
                      FROM subscriptions WHERE status = 'active')
            """
        )
        row = await cursor.fetchone()
        assert row is not None
        ids = [str(r[0]) for r in await (await conn.execute("SELECT id FROM customers LIMIT %s", [1000])).fetchall()]
    totals = Totals(
        customers=row[0],
        agreements=row[1],
        active_subscriptions=row[2],
        monthly_recurring=str(row[3]),
        expected_monthly_recurring=str(expected),
    )
    return totals, ids


def is_customer(path: str, body: bytes) -> str | None:
    """The body is the customer the path names."""
    document = json_body(body)
    if not isinstance(document, dict) or document.get("id") != path.rsplit("/", 1)[-1]:
        return f"not this customer's body: {body[:200]!r}"
    return None


# --- Running it


def benchmark(args: argparse.Namespace, run: Run, log_path: Path) -> None:
    with running_platform(args, run, log_path) as up:
        settings = up.settings
        work = prepare_csv(args.csv, args.rows, up.data_dir)
        if work.rows == 0:
            raise SystemExit(f"{args.csv} has no data rows")
        phase(f"{work.rows} rows ({work.rows_with_services} with services)")
        within = 60 + args.seconds_per_row * work.rows

        def ceiling_phase(name: str) -> CeilingFigures:
            phase(f"Temporal ceiling ({name}): {work.rows} no-op workflows, {args.in_flight} in flight")
            figures = measured(
                run,
                up.platform,
                name,
                lambda: temporal_ceiling(settings, work.rows, in_flight=args.in_flight, within=within),
            )
            run.figures[name] = figures
            return figures

        # The ceiling is measured before and after the import, and the import compared with their
        # mean: the machine's speed drifts within minutes, and the ceiling moves with it.
        before = ceiling_phase("ceiling")
        phase(f"import of {work.path.name}")
        imported = measured(run, up.platform, "import", lambda: run_import(settings, work, within=within))
        run.figures["import"] = imported
        phase(f"settled after the import in {settle():.0f} s")
        after = ceiling_phase("ceiling_after")
        mean_ceiling = (before.per_second + after.per_second) / 2
        if mean_ceiling:
            imported.ratio_to_ceiling = imported.per_second / mean_ceiling
        totals, ids = run_async(lambda: read_totals(settings.database_url or "", work.expected_monthly_recurring))
        run.figures["totals"] = totals
        if not ids:
            raise RuntimeError("no customers in the database after the import: nothing to read")

        waited = settle()
        run.figures["settled_seconds"] = round(waited, 1)
        phase(f"reads ({waited:.0f} s to settle): {args.clients} clients, {args.warmup:.0f} + {args.duration:.0f} s")
        run.figures["reads"] = measured(
            run,
            up.platform,
            "reads",
            lambda: closed_loop(
                args.api_port,
                [f"/api/v1/customers/{i}" for i in ids],
                clients=args.clients,
                warmup=args.warmup,
                duration=args.duration,
                check=is_customer,
            ),
            uvloop=True,
        )
        check(run, [before, after], imported, totals, work)


def check(run: Run, ceilings: list[CeilingFigures], imported: ImportFigures, totals: Totals, work: Workload) -> None:
    """What a correct run must show; anything else goes to `problems`."""
    for ceiling in ceilings:
        if ceiling.failed:
            run.problems.append(f"{ceiling.failed} no-op workflows failed: {ceiling.errors[:3]}")
    run.problems.extend(import_problems(imported))
    if totals.customers != imported.created or totals.agreements != imported.created:
        run.problems.append(
            f"{totals.customers} customers and {totals.agreements} agreements for {imported.created} created orders"
        )
    if Decimal(totals.monthly_recurring) != work.expected_monthly_recurring:
        run.problems.append(
            f"monthly recurring ${totals.monthly_recurring} != ${work.expected_monthly_recurring}, the sum of "
            "MonthlyCharges over the rows without churn"
        )
    reads = run.figures.get("reads")
    if isinstance(reads, LoadFigures):
        run.problems.extend(reads.problems("reads"))


def cpu_per_unit(percents: dict[str, float], per_second: float) -> str:
    """A phase's CPU (% of one core per part) as milliseconds per workflow: a figure that holds when
    the phase is CPU-bound, whatever speed the shared machine has at the time."""
    ms = {part: percent * 10 / per_second for part, percent in percents.items() if percent}
    parts = ", ".join(f"{part} {value:.1f}" for part, value in ms.items())
    return f"{sum(ms.values()):.1f} ms ({parts})"


def report(run: Run) -> list[str]:
    lines = []
    c, i, t, r = (run.figures.get(k) for k in ("ceiling", "import", "totals", "reads"))
    for name, when in (("ceiling", "before"), ("ceiling_after", "after")):
        ceiling = run.figures.get(name)
        if isinstance(ceiling, CeilingFigures):
            lines.append(
                f"Temporal ceiling {when:<6} (no-op wf + 1 activity): "
                f"{ceiling.completed:>5} workflows in {ceiling.seconds:6.1f} s = {ceiling.per_second:5.1f} /s"
                + (f"   ({ceiling.failed} failed)" if ceiling.failed else "")
            )
    if isinstance(i, ImportFigures):
        ratio = f"   ratio to mean ceiling: {i.ratio_to_ceiling:.2f}" if i.ratio_to_ceiling is not None else ""
        if ratio and isinstance(c, CeilingFigures) and c.per_second:
            ratio += f" (to the first alone: {i.per_second / c.per_second:.2f})"
        lines.append(
            "Import (onboarding, empty database):            "
            f"{i.created:>5} orders    in {i.seconds:6.1f} s = {i.per_second:5.1f} /s{ratio}"
            + (f"   ({i.failed} failed)" if i.failed else "")
        )
    after = run.figures.get("ceiling_after")
    for phase_name, unit, done in (
        ("ceiling", "no-op workflow", c),
        ("ceiling_after", "no-op (after)", after),
        ("import", "order", i),
    ):
        if isinstance(done, CeilingFigures | ImportFigures) and done.per_second and phase_name in run.cpu:
            lines.append(f"CPU per {unit:<14}: {cpu_per_unit(run.cpu[phase_name], done.per_second)}")
    if isinstance(t, Totals):
        lines.append(
            f"Totals after import: customers {t.customers}, agreements {t.agreements}, active subscriptions "
            f"{t.active_subscriptions}, sum of monthly recurring charges ${Decimal(t.monthly_recurring):,.2f}"
            f" (expected ${Decimal(t.expected_monthly_recurring):,.2f})"
        )
    if isinstance(r, LoadFigures):
        lines.append(r.line("GET /api/v1/customers/{id}"))
    return lines


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="telco churn CSV (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=None, help="use only the first N rows (quick run)")
    add_platform_arguments(parser, api_port=18000)
    parser.add_argument("--in-flight", type=int, default=200, help="no-op workflows in flight at once")
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients for the reads")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of reads not counted")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of reads counted")
    parser.add_argument(
        "--seconds-per-row",
        type=float,
        default=0.25,
        help="time bound of the ceiling and of the import: 60 s + this per row (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")
    if not args.csv.is_file():
        parser.error(f"no CSV at {args.csv}")
    args.csv = args.csv.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    options = {"csv": str(args.csv), "rows": args.rows, "clients": args.clients, "host": HOST}
    return benchmark_main("onboarding", args, options, lambda run, log: benchmark(args, run, log), report)


if __name__ == "__main__":
    sys.exit(main())
