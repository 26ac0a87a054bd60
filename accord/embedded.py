"""The embedded PostgreSQL (pgserver) that `make run` and the tests use when no DATABASE_URL is set."""

from __future__ import annotations

import importlib.util
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "accord"


def start_embedded_postgres(data_dir: Path, *, stop_at_exit: bool) -> Any:
    """Start (or attach to) the PostgreSQL kept in `data_dir/postgres`; returns the pgserver handle."""
    with warnings.catch_warnings():
        # pgserver keeps its lock file in the user's runtime folder: without XDG_RUNTIME_DIR (a server,
        # a container) platformdirs falls back to /tmp/runtime-<uid>, which is as good, and says so.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def psql_binary() -> str:
    """The psql that comes with pgserver (the machine may have none), else the one on PATH."""
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / "psql"
        if bundled.exists():
            return str(bundled)
    return shutil.which("psql") or "psql"


class EmbeddedDatabaseNotRunning(RuntimeError):
    pass


def embedded_database_url(data_dir: Path) -> str:
    """The URL of the embedded PostgreSQL that `accord run` started under `data_dir`, read from its
    postmaster.pid (pid on the first line, socket directory on the fifth). Attaching this way leaves
    the server's lifetime to `accord run` alone."""
    pid_file = (data_dir / "postgres" / "postmaster.pid").resolve()
    try:
        lines = pid_file.read_text().splitlines()
        os.kill(int(lines[0]), 0)
        socket_dir = lines[4]
    except (OSError, ValueError, IndexError) as exc:
        raise EmbeddedDatabaseNotRunning(
            f"no embedded PostgreSQL is running in {pid_file.parent}: start the platform (make run), "
            "or set DATABASE_URL"
        ) from exc
    return f"postgresql://postgres:@/{DATABASE_NAME}?host={socket_dir}"
