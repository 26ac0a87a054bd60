"""What every benchmark shares: the platform (`accord run`, embedded default) as a child process in a
fresh data folder on spare ports, a cheap keep-alive HTTP client and a closed-loop load of it, the
telco import, CPU accounting per part and the results file.

Everything listens on and talks to 127.0.0.1 only; every phase is bounded in time; the platform (and
everything it started) is stopped at the end, on error and on Ctrl-C, and each process it ran is
checked to be gone by its pid."""

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
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

import psutil  # type: ignore[import-untyped]  # a dependency of pgserver

from accord.config import Settings
from accord.db import database_url
from accord.importer import import_file
from accord.rules.migration import SERVICES

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "telco-customer-churn.csv"
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
# Settings a benchmark must not inherit: it always measures the embedded default.
EXTERNAL_SERVERS = ("DATABASE_URL", "ACCORD_DATABASE_URL", "TEMPORAL_ADDRESS", "ACCORD_TEMPORAL_ADDRESS")

T = TypeVar("T")


# --- Figures every benchmark reports


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
class LoadFigures:
    """A closed-loop load: `clients` connections, each sending its next request when the last answered."""

    clients: int = 0
    warmup_seconds: float = 0.0
    seconds: float = 0.0
    distinct_requests: int = 0
    requests: int = 0
    per_second: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)  # every response: the checking pass and the warm-up too
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def problems(self, what: str) -> list[str]:
        found = []
        if self.errors:
            found.append(f"{what}: {self.errors} errors (first: {self.first_errors[:3]})")
        if set(self.statuses) != {"200"}:
            found.append(f"{what}: answered with statuses {self.statuses}")
        return found

    def line(self, what: str) -> str:
        return (
            f"{what}, {self.clients} clients, {self.seconds:.0f} s:   {self.requests} requests"
            f" = {self.per_second:.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms"
            f" (p90 {self.p90_ms:.1f}, max {self.max_ms:.1f}; {self.distinct_requests} distinct requests;"
            f" statuses, the checking pass and warm-up included: {self.statuses})"
        )


@dataclass
class Run:
    """What a benchmark run writes to bench/results/<name>-<timestamp>.json: its own figures under
    `figures`, the CPU each part used per phase (in % of one core) and whatever went wrong."""

    name: str
    started_at: str
    machine: dict[str, Any]
    ports: dict[str, int]
    options: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    def machine_line(self) -> str:
        start, end = (self.machine.get(f"reference_seconds_{k}") for k in ("start", "end"))
        return (
            f"Machine speed: the reference work took {start} s of CPU at the start, {end} s at the end (less is faster)"
        )

    def cpu_lines(self) -> list[str]:
        lines = []
        for name, parts in self.cpu.items():
            used = ", ".join(f"{part} {percent:.0f}" for part, percent in parts.items())
            lines.append(
                f"CPU during {name:<8} (% of one core; {os.cpu_count()} cores): {used}"
                f"  (total {sum(parts.values()):.0f})"
            )
        return lines

    def verdict_lines(self) -> list[str]:
        lines = []
        if self.error:
            lines.append(f"ERROR: {self.error}")
        lines.extend(f"PROBLEM: {p}" for p in self.problems)
        if not self.error and not self.problems:
            lines.append("all checks passed")
        return lines


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


async def run_import(settings: Settings, work: Workload, *, within: float) -> ImportFigures:
    """`accord import` of the workload's CSV, as the command runs it (every row an onboarding order)."""
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


def import_problems(figures: ImportFigures) -> list[str]:
    found = []
    if figures.failed:
        found.append(f"{figures.failed} import rows failed (first: {figures.failures[:3]})")
    if figures.created != figures.rows_with_services:
        found.append(f"import created {figures.created} orders, expected {figures.rows_with_services}")
    return found


# --- The platform (`accord run`) as a child process


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


# What the launcher's children run, by a word of their command line.
PARTS = [
    ("worker.py", "worker"),
    ("api.serve", "api"),
    ("uvicorn", "api"),
    ("start-dev", "temporal"),
    ("temporal", "temporal"),
]


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


def attach_database(settings: Settings) -> str:
    """The embedded PostgreSQL's URL, read the way the product reads it (`accord.db.database_url`).
    Attaching registers this process as a user of the server; release that at once, or the launcher
    (which stops PostgreSQL only when it is the last user) would leave it running."""
    url = database_url(settings)
    import pgserver

    pgserver.get_server((settings.data_dir / "postgres").resolve(), cleanup_mode=None).cleanup()
    return url


@dataclass
class Running:
    """A started platform: its settings (with the database's URL filled in) and its processes."""

    settings: Settings
    platform: Platform
    data_dir: Path


def add_platform_arguments(parser: argparse.ArgumentParser, *, api_port: int) -> None:
    parser.add_argument("--api-port", type=int, default=api_port)
    parser.add_argument("--temporal-port", type=int, default=api_port - 767)
    parser.add_argument("--ui-port", type=int, default=api_port + 233)
    parser.add_argument("--start-timeout", type=float, default=120.0, help="seconds to wait for /health")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")


def ports(args: argparse.Namespace) -> dict[str, int]:
    return {"api": args.api_port, "temporal": args.temporal_port, "temporal_ui": args.ui_port}


@contextlib.contextmanager
def running_platform(args: argparse.Namespace, run: Run, log_path: Path) -> Iterator[Running]:
    """`accord run` with nothing configured but a fresh data folder and the ports, healthy; stopped
    (and each of its processes checked gone) when the block ends, however it ends."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"accord-{run.name}-"))
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
    platform: Platform | None = None
    try:
        with log_path.open("wb") as log:
            platform = launcher = Platform(dict(os.environ), data_dir, log)
            phase(f"starting `accord run` in {data_dir} (output in {log_path.relative_to(ROOT)})")
            launcher.start()
            run_async(lambda: wait_for_health(args.api_port, launcher, args.start_timeout))
            launcher.remember_processes()
            settings = Settings()
            settings = settings.model_copy(update={"database_url": attach_database(settings)})
            phase(f"platform up (pid {platform.pid}); database {settings.database_url}")
            yield Running(settings, launcher, data_dir)
            if platform.exited() is not None:
                run.problems.append(f"`accord run` exited with {platform.exited()} during the benchmark")
    finally:
        ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the clean-up is bounded: let it finish
        try:
            if platform is not None:
                phase("stopping the platform")
                run.problems.extend(platform.stop())
            if args.keep_data:
                phase(f"data folder kept: {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, ignored)


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


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# Checks an answer's body: None when it is the one asked for, else what is wrong with it.
BodyCheck = Callable[[str, bytes], str | None]


async def closed_loop(
    port: int,
    paths: Sequence[str],
    *,
    clients: int,
    warmup: float,
    duration: float,
    check: BodyCheck,
    per_request: float = 10.0,
) -> LoadFigures:
    """`clients` connections, each sending GET <path> back to back, taking the paths in turn. First
    every distinct path is answered once and its body checked with `check`; then the load, whose
    requests that complete within the `duration` seconds after the warm-up are counted (and their
    latencies kept). The load checks only the status: checking every body cost the load generator,
    which shares the machine's cores with the server, a third of what the server spent on a name
    search (0.9 of 2.7 ms a request)."""
    figures = LoadFigures(clients=clients, warmup_seconds=warmup, seconds=duration, distinct_requests=len(paths))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []

    def error(message: str) -> None:
        figures.errors += 1
        if len(figures.first_errors) < 10:
            figures.first_errors.append(message)

    async def answer(connection: HttpConnection, path: str) -> bytes | None:
        """The body of a 200 answer; None (an error noted) for anything else."""
        try:
            async with asyncio.timeout(per_request):
                status, body = await connection.get(path)
        except CONNECTION_ERRORS as exc:
            error(f"{path}: {exc!r}")
            await connection.close()
            await asyncio.sleep(0.05)
            return None
        statuses[status] += 1
        if status != 200:
            error(f"{path}: HTTP {status} {body[:200]!r}")
            return None
        return body

    async def checker(n: int) -> None:
        connection = HttpConnection(HOST, port)
        try:
            for path in paths[n::clients]:
                body = await answer(connection, path)
                wrong = check(path, body) if body is not None else None
                if wrong:
                    error(f"{path}: {wrong}")
        finally:
            await connection.close()

    async def client(n: int, measure_from: float, stop_at: float) -> None:
        connection = HttpConnection(HOST, port)
        i = n
        try:
            while (started := time.perf_counter()) < stop_at:
                path = paths[i % len(paths)]
                i += clients
                if await answer(connection, path) is None:
                    continue
                done = time.perf_counter()
                if measure_from <= done <= stop_at:
                    latencies.append(done - started)
        finally:
            await connection.close()

    async with asyncio.TaskGroup() as group:
        for n in range(clients):
            group.create_task(checker(n))
    measure_from = time.perf_counter() + warmup
    async with asyncio.TaskGroup() as group:
        for n in range(clients):
            group.create_task(client(n, measure_from, measure_from + duration))
    latencies.sort()
    figures.requests = len(latencies)
    figures.per_second = len(latencies) / duration
    figures.p50_ms = percentile(latencies, 50) * 1000
    figures.p90_ms = percentile(latencies, 90) * 1000
    figures.p99_ms = percentile(latencies, 99) * 1000
    figures.max_ms = (latencies[-1] if latencies else 0.0) * 1000
    figures.statuses = {str(k): v for k, v in sorted(statuses.items())}
    return figures


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


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
    run: Run,
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
            run.cpu[name] = {
                part: round(seconds / wall * 100, 1)
                for part, seconds in sorted(used.items(), key=lambda kv: kv[1], reverse=True)
            }


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy, all cores (guest time is already in user time)."""
    t = psutil.cpu_times()
    return float(sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq")))


def settle(*, idle_below: float = 15.0, within: float = 60.0) -> float:
    """Wait until the machine is quiet (under `idle_below` % of one core busy over a second: what a
    finished phase left running, autovacuum or checkpoints, has done its work), at most `within`
    seconds; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        before = machine_busy_seconds()
        time.sleep(1.0)
        if (machine_busy_seconds() - before) * 100 < idle_below:
            break
    return time.monotonic() - started


def reference_seconds() -> float:
    """The CPU seconds a fixed piece of pure-Python work takes (summing 10 million integers): how fast
    the machine is at the moment. These machines are shared and their speed moves, by a factor of
    two within an hour (seen: a loop like this one from 1.8 to 3.7 s): figures from runs whose
    references differ much are not comparable, while ratios and CPU per request within a run are."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.process_time() - started, 2)


def phase(title: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {title}", flush=True)


def benchmark_main(
    name: str,
    args: argparse.Namespace,
    options: dict[str, Any],
    body: Callable[[Run, Path], None],
    report: Callable[[Run], list[str]],
) -> int:
    """Run `body` (given the Run to fill and the platform log's path), then print `report`'s lines, the
    CPU per phase and the verdict, and write the Run as JSON. 0 when every check passed."""
    busy = [p for p in ports(args).values() if not port_is_free(p)]
    if busy:
        print(f"ports already in use on {HOST}: {busy}; choose others (--api-port, ...)", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    run = Run(
        name=name,
        started_at=now.isoformat(timespec="seconds"),
        machine={
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": host_platform.python_version(),
            "host": host_platform.node(),
            "reference_seconds_start": reference_seconds(),
        },
        ports=ports(args),
        options=options,
    )
    try:
        body(run, RESULTS / f"{name}-{stamp}.platform.log")
    except KeyboardInterrupt:
        run.error = "interrupted (Ctrl-C)"
    except BaseException as exc:
        run.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    run.machine["reference_seconds_end"] = reference_seconds()
    lines = ["", "=" * 100, *report(run), *run.cpu_lines(), run.machine_line(), "=" * 100, *run.verdict_lines()]
    print("\n".join(lines), flush=True)
    out = RESULTS / f"{name}-{stamp}.json"
    out.write_text(json.dumps(asdict(run), indent=2, default=str) + "\n")
    print(f"figures written to {out.relative_to(ROOT)}")
    return 0 if not run.error and not run.problems else 1
