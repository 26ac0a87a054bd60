"""`accord run` against the tests' PostgreSQL and Temporal (so it starts no embedded server): a worker
that dies is started again and orders still complete; SIGINT stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]  # a dependency of pgserver
import pytest

from accord.config import Settings
from accord.platform import stop_process
from tests.conftest import shop_order, unique
from tests.integration.helpers import free_port, wait_for_order

ACCORD = str(Path(sys.executable).parent / "accord")


def workers(platform: subprocess.Popen[bytes]) -> list[int]:
    """The platform's running worker processes (one killed but not yet reaped is a zombie: not one)."""
    found = []
    for child in psutil.Process(platform.pid).children():
        try:
            if any(part.endswith("worker.py") for part in child.cmdline()):
                found.append(child.pid)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return found


def wait_until(what: str, check: object, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} within {within} s"
        time.sleep(0.2)


@pytest.fixture
def platform(settings: Settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`accord run` with one worker and one API process on a free port: the process and the API's base."""
    port = free_port()
    env = {
        **os.environ,
        "ACCORD_TASK_QUEUE": unique("platform"),  # only this platform's worker takes its orders
        "ACCORD_API_PORT": str(port),
        "ACCORD_API_WORKERS": "1",
        "ACCORD_WORKER_PROCESSES": "1",
        "ACCORD_DATA_DIR": str(tmp_path),
        "ACCORD_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "platform.log").open("wb")
    process = subprocess.Popen([ACCORD, "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    started: list[psutil.Process] = []

    def running() -> bool:  # its banner is out: it is past starting up, and supervising
        assert process.poll() is None, f"accord run exited with {process.returncode}; see {log.name}"
        return b"Accord is running" in (tmp_path / "platform.log").read_bytes()

    try:
        wait_until("the platform runs", running)
        started = psutil.Process(process.pid).children()
        yield process, base
    finally:
        stop_process(process)
        for child in started:
            if child.is_running():
                child.kill()
        log.close()


async def test_a_killed_worker_is_started_again_and_sigint_stops_every_process(
    platform: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = platform
    [first] = workers(process)
    os.kill(first, signal.SIGKILL)
    wait_until("a new worker runs", lambda: workers(process) not in ([], [first]), within=20)
    assert process.poll() is None

    async with httpx.AsyncClient(base_url=base) as api:
        order = shop_order()
        assert (await api.post("/api/v1/orders", json=order)).status_code == 202
        done = await wait_for_order(api, order["orderRef"])
    assert done["state"] == "completed"

    children = psutil.Process(process.pid).children()
    assert len(children) == 2  # the new worker and the API process
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []


def test_accord_psql_opens_the_platforms_database(settings: Settings) -> None:
    """With DATABASE_URL set (the tests' database), `accord psql` is psql on it."""
    done = subprocess.run(
        [ACCORD, "psql", "-c", "SELECT code FROM offerings WHERE code = 'fiber-optic'"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"fiber-optic" in done.stdout
