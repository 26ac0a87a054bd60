"""Onboarding benchmark: one run of the whole platform (`accord run`, embedded default) in a fresh data
folder, on non-default ports, measuring

1. the Temporal ceiling: no-op workflows with one no-op activity, as many as the CSV has rows;
2. the import of the telco CSV (every row an onboarding order) into the empty database;
3. reads: GET /api/v1/customers/{id} with 32 keep-alive clients.

    .venv/bin/python bench/onboarding.py [--rows N] [--csv PATH]

Everything listens on and talks to 127.0.0.1 only; every phase is bounded in time; the platform (and
everything it started) is stopped at the end, on error and on Ctrl-C. The figures are printed and
written as JSON to bench/results/onboarding-<timestamp>.json; the platform's output goes beside it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import itertools
import json
import math
import os
import platform as host_platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

import psutil  # type: ignore[import-untyped]  # a dependency of pgserver
import psycopg
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from accord.config import Settings
from accord.db import database_url, libpq_url
from accord.importer import import_file
from accord.rules.migration import SERVICES
from accord.temporal import connect

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "telco-customer-churn.csv"
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
# Settings the benchmark must not inherit: it always measures the embedded default.
EXTERNAL_SERVERS = ("DATABASE_URL", "ACCORD_DATABASE_URL", "TEMPORAL_ADDRESS", "ACCORD_TEMPORAL_ADDRESS")

T = TypeVar("T")


# --- The no-op workflow of the Temporal ceiling (unsandboxed: it lives in a script's __main__).


@activity.defn(name="BenchNoopActivity")
async def noop_activity() -> None:
    return None


@workflow.defn(name="BenchNoopWorkflow", sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(noop_activity, start_to_close_timeout=timedelta(seconds=60))


# --- Figures


@dataclass
class CeilingFigures:
    workflows: int = 0
    completed: int = 0
    failed: int = 0
    seconds: float = 0.0
    per_second: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportFigures:
    rows: int = 0
    rows_with_services: int = 0
    created: int = 0
    already_present: int = 0
    failed: int = 0
    seconds: float = 0.0
    wall_seconds: float = 0.0
    per_second: float = 0.0
    ratio_to_ceiling: float | None = None
    failures: list[str] = field(default_factory=list)


@dataclass
class Totals:
    customers: int = 0
    agreements: int = 0
    active_subscriptions: int = 0
    monthly_recurring: str = "0"
    # Sum of MonthlyCharges over the imported rows that have not churned: what the MRC should be.
    expected_monthly_recurring: str = "0"


@dataclass
class ReadFigures:
    clients: int = 0
    warmup_seconds: float = 0.0
    seconds: float = 0.0
    customer_ids: int = 0
    requests: int = 0
    per_second: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)  # every response, warm-up included
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)


@dataclass
class Results:
    started_at: str
    csv: str
    rows_limit: int | None
    machine: dict[str, Any]
    ports: dict[str, int]
    ceiling: CeilingFigures | None = None
    import_: ImportFigures | None = None
    totals: Totals | None = None
    reads: ReadFigures | None = None
    # Per phase, the CPU each part used, in % of one core (the machine has os.cpu_count() cores).
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str | None = None


# --- The CSV


@dataclass
class Workload:
    path: Path  # the CSV the importer reads (the first --rows rows when limited)
    rows: int
    rows_with_services: int
    expected_monthly_recurring: Decimal


def prepare_csv(source: Path, limit: int | None, folder: Path) -> Workload:
    """Count the rows (and what the import should produce); write the first `limit` rows apart."""
    with source.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(itertools.islice(reader, limit))
    path = source
    if limit is not None:
        path = folder / f"{source.stem}-first-{len(rows)}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)

    def has_service(row: dict[str, str]) -> bool:
        return any((row.get(column) or "").strip() == value for column, value, _ in SERVICES)

    expected = Decimal(0)
    for row in rows:
        if has_service(row) and (row.get("Churn") or "").strip() == "No":
            expected += Decimal((row.get("MonthlyCharges") or "0").strip() or "0")
    return Workload(path, len(rows), sum(1 for row in rows if has_service(row)), expected)


# --- The platform (`accord run`) as a child process


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


class Platform:
    """`accord run` in its own session (Ctrl-C reaches only the benchmark, which then stops it)."""

    def __init__(self, env: dict[str, str], data_dir: Path, log: IO[bytes]) -> None:
        self.env, self.data_dir, self.log = env, data_dir, log
        self.process: subprocess.Popen[bytes] | None = None
        self.known: dict[int, Any] = {}  # pid → psutil.Process: everything seen running under it

    def start(self) -> None:
        accord = Path(sys.executable).parent / "accord"
        self.process = subprocess.Popen(
            [str(accord), "run"],
            env=self.env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def remember_processes(self) -> None:
        """Note every process the platform runs (its children, their children, PostgreSQL), so that
        the end can check each one is gone. Children start in sessions of their own: were the launcher
        killed, they would not die with it."""
        try:
            found = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
        except psutil.Error:
            found = []
        postmaster = self.postmaster_pid()
        if postmaster is not None:
            with contextlib.suppress(psutil.Error):
                found.append(psutil.Process(postmaster))
        for p in found:
            self.known.setdefault(p.pid, p)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system, reaped children included) used so far by each part: the
        launcher, temporal, worker, api (uvicorn and its workers), postgres (every backend), bench."""
        used: dict[str, float] = {}
        seen: set[int] = set()

        def add(part: str, processes: list[Any]) -> None:
            for p in processes:
                if p.pid in seen:
                    continue
                seen.add(p.pid)
                try:
                    t = p.cpu_times()
                except psutil.Error:
                    continue
                used[part] = used.get(part, 0.0) + t.user + t.system + t.children_user + t.children_system

        def tree(p: Any) -> list[Any]:
            try:
                return [p, *p.children(recursive=True)]
            except psutil.Error:
                return [p]

        postmaster = self.postmaster_pid()
        if postmaster is not None:
            with contextlib.suppress(psutil.Error):
                add("postgres", tree(psutil.Process(postmaster)))
        with contextlib.suppress(psutil.Error):
            launcher = psutil.Process(self.pid)
            add("launcher", [launcher])
            for child in launcher.children():
                with contextlib.suppress(psutil.Error):
                    command = " ".join(child.cmdline())
                    part = next((name for key, name in PARTS if key in command), Path(child.name()).name or "other")
                    add(part, tree(child))
        add("bench", [psutil.Process()])
        return used

    def survivors(self) -> list[Any]:
        alive = []
        for p in self.known.values():
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                pass
        return alive

    def stop(self, *, within: float = 90.0) -> list[str]:
        """SIGINT to the launcher (it stops the worker, the API, Temporal and PostgreSQL), a bounded
        wait, then SIGKILL; then every process seen under it must be gone. Returns what went wrong."""
        problems: list[str] = []
        if self.process is None:
            return problems
        self.remember_processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=within)
            except subprocess.TimeoutExpired:
                problems.append(f"`accord run` (pid {self.pid}) did not stop within {within:.0f} s: killed")
                self.process.kill()
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 15
        while self.survivors() and time.monotonic() < deadline:
            time.sleep(0.2)
        for p in self.survivors():
            problems.append(f"pid {p.pid} ({' '.join(p.cmdline())[:120]}) outlived the launcher: killed")
            try:
                p.terminate()
                p.wait(5)
            except psutil.TimeoutExpired:
                p.kill()
            except psutil.Error:
                pass
        still = [p.pid for p in self.survivors()]
        if still:
            problems.append(f"processes still running after kill: {still}")
        return problems


# What the launcher's children run, by a word of their command line.
PARTS = [
    ("worker.py", "worker"),
    ("api.serve", "api"),
    ("uvicorn", "api"),
    ("start-dev", "temporal"),
    ("temporal", "temporal"),
]


def attach_database(settings: Settings) -> str:
    """The embedded PostgreSQL's URL, read the way the product reads it (`accord.db.database_url`).
    Attaching registers this process as a user of the server; release that at once, or the launcher
    (which stops PostgreSQL only when it is the last user) would leave it running."""
    url = database_url(settings)
    import pgserver

    pgserver.get_server((settings.data_dir / "postgres").resolve(), cleanup_mode=None).cleanup()
    return url


# --- A minimal HTTP/1.1 keep-alive client (cheap: the API server shares the 2 cores with it)


class HttpConnection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode("ascii"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, headers = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP/1.x response: {status_line[:80]!r}")
        status = int(parts[1])
        length, close = 0, False
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise ValueError("chunked responses are not supported by this client")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    ValueError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
)


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def hammer(
    port: int, ids: Sequence[str], *, clients: int, warmup: float, duration: float, per_request: float = 10.0
) -> ReadFigures:
    """`clients` connections, each sending GET /api/v1/customers/<id> back to back. Requests that
    complete within the `duration` seconds after the warm-up are counted (and their latencies kept)."""
    figures = ReadFigures(clients=clients, warmup_seconds=warmup, seconds=duration, customer_ids=len(ids))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + duration

    def error(message: str) -> None:
        figures.errors += 1
        if len(figures.first_errors) < 10:
            figures.first_errors.append(message)

    async def client(n: int) -> None:
        connection = HttpConnection(HOST, port)
        checked = False
        i = n
        try:
            while (started := time.perf_counter()) < stop_at:
                customer_id = ids[i % len(ids)]
                i += clients
                try:
                    async with asyncio.timeout(per_request):
                        status, body = await connection.get(f"/api/v1/customers/{customer_id}")
                except CONNECTION_ERRORS as exc:
                    error(f"{customer_id}: {exc!r}")
                    await connection.close()
                    await asyncio.sleep(0.05)
                    continue
                done = time.perf_counter()
                statuses[status] += 1
                if status != 200:
                    error(f"{customer_id}: HTTP {status} {body[:200]!r}")
                elif not checked:  # once per connection: the body is the customer asked for
                    checked = True
                    try:
                        same = json.loads(body).get("id") == customer_id
                    except (ValueError, AttributeError):
                        same = False
                    if not same:
                        error(f"{customer_id}: not this customer's body: {body[:200]!r}")
                if measure_from <= done <= stop_at:
                    latencies.append(done - started)
        finally:
            await connection.close()

    async with asyncio.TaskGroup() as group:
        for n in range(clients):
            group.create_task(client(n))
    latencies.sort()
    figures.requests = len(latencies)
    figures.per_second = len(latencies) / duration
    figures.p50_ms = percentile(latencies, 50) * 1000
    figures.p90_ms = percentile(latencies, 90) * 1000
    figures.p99_ms = percentile(latencies, 99) * 1000
    figures.max_ms = (latencies[-1] if latencies else 0.0) * 1000
    figures.statuses = {str(k): v for k, v in sorted(statuses.items())}
    return figures


async def wait_for_health(port: int, platform: Platform, within: float) -> None:
    deadline = time.monotonic() + within
    last = "no answer yet"
    while time.monotonic() < deadline:
        if platform.exited() is not None:
            raise RuntimeError(f"`accord run` exited with {platform.exited()} before it was healthy")
        connection = HttpConnection(HOST, port)
        try:
            async with asyncio.timeout(5):
                status, body = await connection.get("/health")
            if status == 200:
                return
            last = f"HTTP {status} {body[:300]!r}"
        except CONNECTION_ERRORS as exc:
            last = repr(exc)
        finally:
            await connection.close()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the API was not healthy within {within:.0f} s (last: {last})")


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


async def run_import(settings: Settings, work: Workload, *, within: float) -> ImportFigures:
    figures = ImportFigures(rows=work.rows, rows_with_services=work.rows_with_services)
    started = time.monotonic()
    async with asyncio.timeout(within):
        report = await import_file(settings, work.path, show_progress=False)
    figures.wall_seconds = time.monotonic() - started
    figures.created, figures.already_present = report.created, report.already_present
    figures.failed, figures.seconds = len(report.failed), report.elapsed
    figures.per_second = report.orders_per_second
    figures.failures = [f"line {line} {ref}: {reason}" for line, ref, reason in sorted(report.failed)[:50]]
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


# --- Running it


def run_async(main: Callable[[], Coroutine[Any, Any, T]], *, uvloop: bool = False) -> T:
    """One event loop per phase; uvloop for the load generator when it is installed (cheaper)."""
    factory = None
    if uvloop:
        try:
            import uvloop as uv

            factory = uv.new_event_loop
        except ImportError:
            pass
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


def measured(
    results: Results,
    platform: Platform,
    name: str,
    main: Callable[[], Coroutine[Any, Any, T]],
    *,
    uvloop: bool = False,
) -> T:
    """Run one phase, noting the CPU each part used meanwhile (in % of one core)."""
    before, machine_before, started = platform.cpu_seconds(), machine_busy_seconds(), time.monotonic()
    try:
        return run_async(main, uvloop=uvloop)
    finally:
        wall, after = time.monotonic() - started, platform.cpu_seconds()
        machine = machine_busy_seconds() - machine_before
        if wall > 0:
            used = {part: seconds - before.get(part, 0.0) for part, seconds in after.items()}
            # Whatever else ran on the machine meanwhile (the machines are shared): it skews the figures.
            used["others"] = max(0.0, machine - sum(used.values()))
            results.cpu[name] = {
                part: round(seconds / wall * 100, 1)
                for part, seconds in sorted(used.items(), key=lambda kv: kv[1], reverse=True)
            }


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy, all cores (guest time is already in user time)."""
    t = psutil.cpu_times()
    return float(sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq")))


def phase(title: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {title}", flush=True)


def benchmark(args: argparse.Namespace, results: Results, stamp: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    os.chmod(data_dir, 0o755)  # the embedded PostgreSQL runs as another user when we are root
    for name in EXTERNAL_SERVERS:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "ACCORD_DATA_DIR": str(data_dir),
            "ACCORD_API_HOST": HOST,
            "ACCORD_API_PORT": str(args.api_port),
            "ACCORD_TEMPORAL_PORT": str(args.temporal_port),
            "ACCORD_TEMPORAL_UI_PORT": str(args.ui_port),
            "ACCORD_TEMPORAL_UI_URL": f"http://{HOST}:{args.ui_port}",
        }
    )
    settings = Settings()
    log_path = RESULTS / f"onboarding-{stamp}.platform.log"
    platform: Platform | None = None
    try:
        work = prepare_csv(args.csv, args.rows, data_dir)
        if work.rows == 0:
            raise SystemExit(f"{args.csv} has no data rows")
        phase(f"{work.rows} rows ({work.rows_with_services} with services); data folder {data_dir}")
        with log_path.open("wb") as log:
            platform = launcher = Platform(dict(os.environ), data_dir, log)
            phase(f"starting `accord run` (output in {log_path.relative_to(ROOT)})")
            launcher.start()
            run_async(lambda: wait_for_health(args.api_port, launcher, args.start_timeout))
            launcher.remember_processes()
            url = attach_database(settings)
            settings = settings.model_copy(update={"database_url": url})
            phase(f"platform up (pid {platform.pid}); database {url}")

            within = 60 + args.seconds_per_row * work.rows
            phase(f"Temporal ceiling: {work.rows} no-op workflows, {args.in_flight} in flight")
            results.ceiling = measured(
                results,
                launcher,
                "ceiling",
                lambda: temporal_ceiling(settings, work.rows, in_flight=args.in_flight, within=within),
            )
            phase(f"import of {work.path.name}")
            results.import_ = measured(results, launcher, "import", lambda: run_import(settings, work, within=within))
            if results.ceiling.per_second:
                results.import_.ratio_to_ceiling = results.import_.per_second / results.ceiling.per_second
            results.totals, ids = run_async(lambda: read_totals(url, work.expected_monthly_recurring))
            if not ids:
                raise RuntimeError("no customers in the database after the import: nothing to read")
            phase(f"reads: {args.clients} clients, {args.warmup:.0f} s warm-up + {args.duration:.0f} s")
            results.reads = measured(
                results,
                launcher,
                "reads",
                lambda: hammer(args.api_port, ids, clients=args.clients, warmup=args.warmup, duration=args.duration),
                uvloop=True,
            )
            if platform.exited() is not None:
                results.problems.append(f"`accord run` exited with {platform.exited()} during the benchmark")
    finally:
        ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the clean-up is bounded: let it finish
        try:
            if platform is not None:
                phase("stopping the platform")
                results.problems.extend(platform.stop())
            if args.keep_data:
                phase(f"data folder kept: {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, ignored)


def check(results: Results) -> None:
    """What a correct run must show; anything else goes to `problems`."""
    c, i, t, r = results.ceiling, results.import_, results.totals, results.reads
    if c is not None and c.failed:
        results.problems.append(f"{c.failed} no-op workflows failed: {c.errors[:3]}")
    if i is not None:
        if i.failed:
            results.problems.append(f"{i.failed} import rows failed (first: {i.failures[:3]})")
        if i.created != i.rows_with_services:
            results.problems.append(f"import created {i.created} orders, expected {i.rows_with_services}")
    if t is not None and i is not None:
        if t.customers != i.created or t.agreements != i.created:
            results.problems.append(
                f"{t.customers} customers and {t.agreements} agreements for {i.created} created orders"
            )
        if Decimal(t.monthly_recurring) != Decimal(t.expected_monthly_recurring):
            results.problems.append(
                f"monthly recurring ${t.monthly_recurring} != ${t.expected_monthly_recurring}, the sum of "
                "MonthlyCharges over the rows without churn"
            )
    if r is not None:
        if r.errors:
            results.problems.append(f"{r.errors} read errors (first: {r.first_errors[:3]})")
        if set(r.statuses) != {"200"}:
            results.problems.append(f"reads answered with statuses {r.statuses}")


def report(results: Results) -> str:
    lines = ["", "=" * 100]
    c, i, t, r = results.ceiling, results.import_, results.totals, results.reads
    if c is not None:
        lines.append(
            "Temporal ceiling (no-op workflow + 1 activity): "
            f"{c.completed:>5} workflows in {c.seconds:6.1f} s = {c.per_second:5.1f} /s"
            + (f"   ({c.failed} failed)" if c.failed else "")
        )
    if i is not None:
        ratio = f"   ratio to ceiling: {i.ratio_to_ceiling:.2f}" if i.ratio_to_ceiling is not None else ""
        lines.append(
            "Import (onboarding, empty database):            "
            f"{i.created:>5} orders    in {i.seconds:6.1f} s = {i.per_second:5.1f} /s{ratio}"
            + (f"   ({i.failed} failed)" if i.failed else "")
        )
    if t is not None:
        lines.append(
            f"Totals after import: customers {t.customers}, agreements {t.agreements}, active subscriptions "
            f"{t.active_subscriptions}, sum of monthly recurring charges ${Decimal(t.monthly_recurring):,.2f}"
            f" (expected ${Decimal(t.expected_monthly_recurring):,.2f})"
        )
    if r is not None:
        lines.append(
            f"GET /api/v1/customers/{{id}}, {r.clients} clients, {r.seconds:.0f} s:   {r.requests} requests"
            f" = {r.per_second:.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms"
            f" (p90 {r.p90_ms:.1f}, max {r.max_ms:.1f}; {r.customer_ids} ids; statuses {r.statuses})"
        )
    for name, parts in results.cpu.items():
        used = ", ".join(f"{part} {percent:.0f}" for part, percent in parts.items())
        lines.append(
            f"CPU during {name:<8} (% of one core; {os.cpu_count()} cores): {used}  (total {sum(parts.values()):.0f})"
        )
    lines.append("=" * 100)
    if results.error:
        lines.append(f"ERROR: {results.error}")
    lines.extend(f"PROBLEM: {p}" for p in results.problems)
    if not results.error and not results.problems:
        lines.append("all checks passed")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="telco churn CSV (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=None, help="use only the first N rows (quick run)")
    parser.add_argument("--api-port", type=int, default=18000)
    parser.add_argument("--temporal-port", type=int, default=17233)
    parser.add_argument("--ui-port", type=int, default=18233)
    parser.add_argument("--in-flight", type=int, default=200, help="no-op workflows in flight at once")
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients for the reads")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of reads not counted")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of reads counted")
    parser.add_argument("--start-timeout", type=float, default=120.0, help="seconds to wait for /health")
    parser.add_argument(
        "--seconds-per-row",
        type=float,
        default=0.25,
        help="time bound of the ceiling and of the import: 60 s + this per row (default: %(default)s)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")
    if not args.csv.is_file():
        parser.error(f"no CSV at {args.csv}")
    args.csv = args.csv.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    busy = [p for p in (args.api_port, args.temporal_port, args.ui_port) if not port_is_free(p)]
    if busy:
        print(f"ports already in use on {HOST}: {busy}; choose others (--api-port, ...)", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    results = Results(
        started_at=now.isoformat(timespec="seconds"),
        csv=str(args.csv),
        rows_limit=args.rows,
        machine={
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": host_platform.python_version(),
            "host": host_platform.node(),
        },
        ports={"api": args.api_port, "temporal": args.temporal_port, "temporal_ui": args.ui_port},
    )
    try:
        benchmark(args, results, stamp)
    except KeyboardInterrupt:
        results.error = "interrupted (Ctrl-C)"
    except BaseException as exc:
        results.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    check(results)
    print(report(results), flush=True)
    out = RESULTS / f"onboarding-{stamp}.json"
    document = {("import" if k == "import_" else k): v for k, v in asdict(results).items()}
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"figures written to {out.relative_to(ROOT)}")
    return 1 if results.error or results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
