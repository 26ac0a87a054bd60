"""Customer search benchmark: one run of the whole platform (`accord run`, embedded default) in a fresh
data folder, on non-default ports:

1. migrates the telco base (`accord import` of the 7,043-row CSV, every row an onboarding order);
2. adds 100,000 generated customers (names in several scripts, with accents; emails; phones), stored
   as the customer service stores them (`new_customer_row`: the same normalised search columns and
   email claims), in batches, then VACUUM ANALYZE, as after any bulk load (autovacuum would do the
   same a little later);
3. loads `GET /api/v1/customers?name=…` and then `GET /api/v1/customers?email=…` with 32 keep-alive
   clients each, a page of 20 with its total, and prints requests/s with p50/p99 for each.

    .venv/bin/python -m bench.customer_search [--rows N] [--generated N]

Target on this machine: p99 under 50 ms for both. Figures go to bench/results/customer_search-*.json."""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import insert, text

from accord.config import Settings
from accord.db import create_engine
from accord.models.customer import Customer, CustomerEmail
from accord.principal import Principal
from accord.rules.customers import email_key, search_key
from accord.schemas.customers import CustomerInput
from accord.services.customers import new_customer_row
from bench.harness import (
    DEFAULT_CSV,
    HOST,
    BodyCheck,
    ImportFigures,
    LoadFigures,
    Platform,
    Run,
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


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN = words(
    "Anh Bảo Châu Dũng Hùng Lan Linh Minh Phương Thảo Trang Tuấn Vy José María Lucía Álvaro "
    "Inés Sofía Martín Raúl Begoña Íñigo François Hélène Amélie Léa Chloé Jérôme Zoë Noël Gaël "
    "Maëlle Jürgen Jörg Björn Sören Günther Käthe Märta Åsa Øystein Ærin James Mary Robert "
    "Patricia John Jennifer Michael Linda David Elizabeth Ольга Иван Наталья Дмитрий Aiko "
    "Sakura Haruto Yuki Ngozi Chinedu Amara Łukasz Małgorzata Zdeněk Jiří Šárka Dóra Ádám "
    "Siobhán Seán Aoife"
)
FAMILY = words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý García Rodríguez "
    "Martínez López González Pérez Sánchez Gómez Fernández Díaz Muñoz Álvarez Jiménez Lefèvre "
    "Bérenger Gauthier Rémy Moreau Dubois Lefébure Girard Bonnaire Mercier Müller Schröder Weiß "
    "Größer Köhler Bäcker Jäger Österberg Åkesson Sørensen Lindqvist Smith Johnson Williams "
    "Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White "
    "Harris Clark Lewis Walker Hall Young Allen Wright Иванов Смирнов Кузнецов Попов Tanaka "
    "Suzuki Takahashi Watanabe Okafor Adeyemi Mensah Kowalski Wiśniewski Dvořák Novák Horváth "
    "Kovács Nagy O'Brien Ó Súilleabháin Ní Bhriain"
)
TRADING = words("Telecom Systems Logistics Bakery Studio Consulting Foods Partners Holdings Works Media Labs")
DOMAINS = ("mail.example.com", "post.example.net", "inbox.example.org", "correo.example.es", "courriel.example.fr")
SYSTEM = Principal(subject="bench-generator", channel="migration")


@dataclass
class GeneratedFigures:
    customers: int = 0
    seconds: float = 0.0
    per_second: float = 0.0


@dataclass
class SearchFigures:
    customers_in_database: int = 0
    name_queries: int = 0
    email_queries: int = 0
    mean_name_matches: float = 0.0  # of the queries' totals, as the API reported them on first answer


def ascii_of(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", search_key(value)) if c.isascii() and c.isalnum())


def generated_customer(rng: random.Random, n: int) -> tuple[CustomerInput, str]:
    """The n-th generated customer (one in ten an organisation) and the name a CSA would search it by."""
    if n % 10 == 0:
        name = f"{rng.choice(FAMILY)} {rng.choice(TRADING)} {n}"
        local = f"info.{n}"
        data: dict[str, Any] = {"type": "organisation", "tradingName": name}
        query = " ".join(name.split()[:2])
    else:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        local = f"{ascii_of(given) or 'x'}.{ascii_of(family) or 'y'}.{n}"
        data = {"type": "individual", "givenName": given, "familyName": family}
        # Searches as a CSA types them: the start of the family name, or of both names, any case.
        query = rng.choice([family[:4], f"{given[:3]} {family}", f"{family} {given[:2]}", family])
    email = f"{local}@{DOMAINS[n % len(DOMAINS)]}"
    data |= {
        "emails": [{"address": email, "preferred": True}],
        "phones": [{"number": f"+4420{7_000_0000 + n:08d}", "preferred": True}],
        "segment": "business" if data["type"] == "organisation" else "residential",
    }
    return CustomerInput.model_validate(data), query


async def generate(
    settings: Settings, count: int, *, seed: int, batch: int = 2000
) -> tuple[GeneratedFigures, list[str], list[str]]:
    """`count` customers in batches of `batch` (one transaction each); the names and emails to search."""
    rng = random.Random(seed)
    engine = create_engine(settings, pool_size=2)
    names: list[str] = []
    emails: list[str] = []
    started = time.monotonic()
    try:
        for first in range(0, count, batch):
            rows, claims = [], []
            for n in range(first, min(count, first + batch)):
                data, query = generated_customer(rng, n)
                row = new_customer_row(data, status="active", status_reason=None, principal=SYSTEM)
                rows.append(row)
                claims.append({"email_key": email_key(data.emails[0].address), "customer_id": row["id"]})
                if n % 37 == 0:  # one in ten of them an organisation, as generated
                    names.append(query)
                    emails.append(data.emails[0].address)
            async with engine.begin() as connection:
                await connection.execute(insert(Customer), rows)
                await connection.execute(insert(CustomerEmail), claims)
        seconds = time.monotonic() - started
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("customers", "customer_emails", "customer_name_words"):
                await connection.execute(text(f"VACUUM ANALYZE {table}"))
    finally:
        await engine.dispose()
    figures = GeneratedFigures(customers=count, seconds=seconds, per_second=count / seconds if seconds else 0.0)
    return figures, names, emails


async def count_customers(settings: Settings) -> int:
    engine = create_engine(settings, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM customers"))).scalar_one())
    finally:
        await engine.dispose()


PAGE = 20


def name_path(query: str) -> str:
    return f"/api/v1/customers?name={quote(query)}&limit={PAGE}"


def email_path(address: str, rng: random.Random) -> str:
    """The address as a CSA might type it: in another case half of the time."""
    typed = address.upper() if rng.random() < 0.5 else address
    return f"/api/v1/customers?email={quote(typed)}&limit={PAGE}"


def names_match(path: str, body: bytes) -> str | None:
    """A full page (or every match), each customer's name holding every word of the query as the
    start of one of its words, accents and case ignored."""
    query = parse_qs(urlsplit(path).query)["name"][0]
    page = json_body(body)
    if not isinstance(page, dict) or not page.get("items"):
        return f"no customer found: {body[:200]!r}"
    words = search_key(query).split()
    for item in page["items"]:
        name_words = search_key(item.get("name") or "").split()
        if not all(any(w.startswith(q) for w in name_words) for q in words):
            return f"{item.get('name')!r} does not match {query!r}"
    if len(page["items"]) != min(PAGE, page.get("total", -1)):
        return f"{len(page['items'])} items for a total of {page.get('total')}"
    return None


def one_with_email(path: str, body: bytes) -> str | None:
    asked = email_key(parse_qs(urlsplit(path).query)["email"][0])
    page = json_body(body)
    if not isinstance(page, dict) or page.get("total") != 1 or len(page.get("items") or []) != 1:
        return f"expected exactly one customer: {body[:200]!r}"
    if email_key(page["items"][0].get("email") or "") != asked:
        return f"found {page['items'][0].get('email')!r}"
    return None


def load(args: argparse.Namespace, run: Run, platform: Platform, what: str, paths: list[str], check: BodyCheck) -> None:
    waited = settle()
    phase(f"search by {what} ({waited:.0f} s to settle): {len(paths)} queries, {args.clients} clients")
    figures = measured(
        run,
        platform,
        f"by {what}",
        lambda: closed_loop(
            args.api_port, paths, clients=args.clients, warmup=args.warmup, duration=args.duration, check=check
        ),
        uvloop=True,
    )
    run.figures[f"by_{what}"] = figures
    run.problems.extend(figures.problems(f"search by {what}"))


def benchmark(args: argparse.Namespace, run: Run, log_path: Path) -> None:
    with running_platform(args, run, log_path) as up:
        work = prepare_csv(args.csv, args.rows, up.data_dir)
        phase(f"migration: import of {work.path.name} ({work.rows} rows)")
        imported = measured(
            run, up.platform, "import", lambda: run_import(up.settings, work, within=60 + 0.25 * work.rows)
        )
        run.figures["import"] = imported
        run.problems.extend(import_problems(imported))

        phase(f"{args.generated} generated customers")
        generated, names, emails = measured(
            run, up.platform, "generate", lambda: generate(up.settings, args.generated, seed=7)
        )
        run.figures["generated"] = generated
        search = SearchFigures(name_queries=len(names), email_queries=len(emails))
        search.customers_in_database = run_async(lambda: count_customers(up.settings))
        run.figures["search"] = search

        rng = random.Random(11)
        load(args, run, up.platform, "name", [name_path(q) for q in names], names_match)
        load(args, run, up.platform, "email", [email_path(e, rng) for e in emails], one_with_email)
        if search.customers_in_database != imported.created + generated.customers:
            run.problems.append(
                f"{search.customers_in_database} customers, expected {imported.created} + {generated.customers}"
            )


def report(run: Run) -> list[str]:
    lines = []
    i, g, s = (run.figures.get(k) for k in ("import", "generated", "search"))
    if isinstance(i, ImportFigures):
        lines.append(f"Migration: {i.created} customers imported in {i.seconds:.1f} s ({i.per_second:.1f} orders/s)")
    if isinstance(g, GeneratedFigures):
        lines.append(f"Generated: {g.customers} customers in {g.seconds:.1f} s ({g.per_second:.0f}/s)")
    if isinstance(s, SearchFigures):
        lines.append(
            f"Searching {s.customers_in_database} customers: {s.name_queries} distinct names,"
            f" {s.email_queries} distinct emails; pages of {PAGE} with their totals"
        )
    for what in ("name", "email"):
        figures = run.figures.get(f"by_{what}")
        if isinstance(figures, LoadFigures):
            lines.append(figures.line(f"GET /api/v1/customers?{what}="))
    return lines


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="telco churn CSV (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=None, help="migrate only the first N rows (quick run)")
    parser.add_argument("--generated", type=int, default=100_000, help="generated customers (default: %(default)s)")
    add_platform_arguments(parser, api_port=18100)
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of each load not counted")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of each load counted")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.generated < 100:
        parser.error("--generated must be at least 100")
    if not args.csv.is_file():
        parser.error(f"no CSV at {args.csv}")
    args.csv = args.csv.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    options = {"csv": str(args.csv), "rows": args.rows, "generated": args.generated, "clients": args.clients}
    options["host"] = HOST
    return benchmark_main("customer_search", args, options, lambda run, log: benchmark(args, run, log), report)


if __name__ == "__main__":
    sys.exit(main())
