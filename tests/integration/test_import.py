"""`accord import`: the real telco customer base, row by row through the onboarding workflow."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import sys
from asyncio.subprocess import PIPE
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from accord.config import Settings
from accord.importer import Importer, import_file
from tests.conftest import TELCO_CSV, needs_telco_data

ROWS = 30
pytestmark = needs_telco_data


def write_sample(path: Path, rows: list[dict[str, str]], fieldnames: list[str]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def real_rows() -> tuple[list[dict[str, str]], list[str]]:
    with TELCO_CSV.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = [next(reader) for _ in range(ROWS)]
        return rows, list(reader.fieldnames or [])


async def test_import_migrates_rows_reports_bad_ones_and_is_idempotent(
    api: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    real_rows: tuple[list[dict[str, str]], list[str]],
) -> None:
    rows, fieldnames = real_rows
    suffix = tmp_path.name[-6:]
    good = [{**row, "customerID": f"{row['customerID']}-{suffix}"} for row in rows]
    duplicate = [good[0]]  # the same customer twice in one file: imported once
    bad = [
        {**rows[0], "customerID": f"BAD1-{suffix}", "Contract": "Weekly"},
        {**rows[1], "customerID": f"BAD2-{suffix}", "MonthlyCharges": ""},
        {**rows[2], "customerID": f"BAD3-{suffix}", "InternetService": "No"},  # add-ons without internet
    ]
    sample = tmp_path / "telco.csv"
    write_sample(sample, good + duplicate + bad, fieldnames)

    report = await import_file(settings, sample, show_progress=False)

    assert report.created == ROWS
    assert report.already_present == 1
    failed = {line: reason for line, _, reason in report.failed}
    # The header is line 1 and the duplicate line ROWS + 2, so the bad rows are lines ROWS + 3 to ROWS + 5.
    assert sorted(failed) == [ROWS + 3, ROWS + 4, ROWS + 5]
    assert "Contract 'Weekly'" in failed[ROWS + 3]
    assert "MonthlyCharges is missing" in failed[ROWS + 4]
    assert "online-security is an add-on: it needs internet access" in failed[ROWS + 5]

    for row in good:
        order = (await api.get(f"/api/v1/orders/{row['customerID']}")).json()
        assert order["state"] == "completed", order
        agreement = (await api.get(f"/api/v1/agreements/{order['agreementId']}")).json()
        expected = Decimal(0) if row["Churn"] == "Yes" else Decimal(row["MonthlyCharges"])
        assert Decimal(agreement["monthlyRecurringCharge"]) == expected, row["customerID"]
        charged = sum(Decimal(s["price"]) for s in agreement["subscriptions"])
        assert charged == Decimal(row["MonthlyCharges"]), row["customerID"]
        assert agreement["billDelivery"] == ("electronic" if row["PaperlessBilling"] == "Yes" else "paper")
        assert agreement["commitmentTerm"] == {"Month-to-month": 0, "One year": 12, "Two year": 24}[row["Contract"]]
        customer = (await api.get(f"/api/v1/customers/{order['customerId']}")).json()
        assert customer["externalRef"] == row["customerID"]
        assert {"name": "gender", "value": row["gender"]} in customer["characteristics"]

    again = await import_file(settings, sample, show_progress=False)
    assert again.created == 0
    assert again.already_present == ROWS + 1
    assert sorted(line for line, _, _ in again.failed) == [ROWS + 3, ROWS + 4, ROWS + 5]


async def test_accord_import_command_prints_a_summary(settings: Settings, tmp_path: Path, worker: None) -> None:
    with TELCO_CSV.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = [{**next(reader), "customerID": f"CLI{i}-{tmp_path.name[-6:]}"} for i in range(3)]
        sample = tmp_path / "three.csv"
        write_sample(sample, rows, list(reader.fieldnames or []))
    accord = Path(sys.executable).parent / "accord"
    process = await asyncio.create_subprocess_exec(
        str(accord), "import", str(sample), env=dict(os.environ), stdout=PIPE, stderr=PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    summary = stdout.decode()
    assert re.search(r"created\W+3\b", summary), summary
    assert re.search(r"failed\W+0\b", summary), summary
    assert "orders per second" in summary


async def test_an_import_outlives_a_failed_progress_poll(
    settings: Settings,
    tmp_path: Path,
    worker: None,
    real_rows: tuple[list[dict[str, str]], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database refusing the importer's poll of the orders' states (here: out of connections, as
    PostgreSQL says it) is retried; the import still ends with every row counted, instead of hanging."""
    rows, fieldnames = real_rows
    sample = tmp_path / "five.csv"
    write_sample(
        sample, [{**row, "customerID": f"POLL{i}-{tmp_path.name[-6:]}"} for i, row in enumerate(rows[:5])], fieldnames
    )
    polls = {"refused": 0}
    finished = Importer._finished

    async def refused_once(self: Importer, refs: list[str]) -> list[tuple[str, str, str | None]]:
        if not polls["refused"]:
            polls["refused"] += 1
            raise OperationalError("SELECT orders", {}, psycopg.OperationalError("sorry, too many clients already"))
        return await finished(self, refs)

    monkeypatch.setattr(Importer, "_finished", refused_once)
    report = await asyncio.wait_for(import_file(settings, sample, show_progress=False), 120)
    assert polls["refused"] == 1
    assert (report.created, report.already_present, report.failed) == (5, 0, [])
