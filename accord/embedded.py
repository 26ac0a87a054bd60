"""The embedded PostgreSQL (pgserver) that `make run` and the tests use when no DATABASE_URL is set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATABASE_NAME = "accord"


def start_embedded_postgres(data_dir: Path, *, stop_at_exit: bool) -> Any:
    """Start (or attach to) the PostgreSQL kept in `data_dir/postgres`; returns the pgserver handle."""
    import pgserver

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop" if stop_at_exit else None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def embedded_database_url(data_dir: Path) -> str:
    server = start_embedded_postgres(data_dir, stop_at_exit=False)
    return str(server.get_uri(DATABASE_NAME))
