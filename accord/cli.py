"""The `accord` command: run the platform, migrate a database, import a legacy customer base, psql."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.config import get_settings
from accord.logs import configure_logging

app = typer.Typer(help="Accord: customer care and billing for digital service providers.", no_args_is_help=True)
console = Console()


@app.command()
def run() -> None:
    """Start the whole platform: database, Temporal with its Web UI, worker and API."""
    from accord.platform import run_platform

    settings = get_settings()
    configure_logging(settings)
    raise typer.Exit(run_platform(settings))


@app.command()
def migrate() -> None:
    """Apply the database migrations and load the sample catalogue."""
    from accord.migrate import migrate as migrate_database

    settings = get_settings()
    configure_logging(settings)
    added = migrate_database(settings)
    console.print(f"database up to date; sample offerings added: {added}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def psql(context: typer.Context) -> None:
    """Open psql on Accord's database: the embedded one `make run` started, or DATABASE_URL's. Other
    arguments go to psql (`accord psql -c "SELECT count(*) FROM customers"`)."""
    from accord.db import database_url, libpq_url
    from accord.embedded import psql_binary

    try:
        url = libpq_url(database_url(get_settings()))
    except RuntimeError as exc:  # the embedded database is not running
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    binary = psql_binary()
    os.execv(binary, [binary, url, *context.args])


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a CSV of the telco churn shape")],
    window: Annotated[int, typer.Option(help="orders in flight at once")] = 200,
) -> None:
    """Import a legacy telco customer base: each row becomes an onboarding order (its customerID is
    the orderRef), so importing the same file again creates nothing. Exits 1 if any row failed."""
    from accord.importer import WrongFileShape, import_file

    settings = get_settings()
    configure_logging(settings)
    try:
        report = asyncio.run(import_file(settings, path, window=window))
    except (RuntimeError, WrongFileShape) as exc:  # no database or Temporal, or not a file of this shape
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    table = Table(title=f"Import of {path.name}", show_header=False)
    table.add_row("rows", str(report.rows))
    table.add_row("created", str(report.created))
    table.add_row("already present", str(report.already_present))
    table.add_row("failed", str(len(report.failed)))
    table.add_row("elapsed", f"{report.elapsed:.1f} s")
    table.add_row("orders per second", f"{report.orders_per_second:.1f}")
    console.print(table)
    for line, ref, reason in sorted(report.failed)[:50]:
        console.print(f"[red]line {line}[/red] {ref}: {reason}")
    if len(report.failed) > 50:
        console.print(f"… and {len(report.failed) - 50} more failed rows")
    if report.failed:
        raise typer.Exit(1)
