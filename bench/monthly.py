"""Benchmark the monthly run of both ledgers on PostgreSQL, beside bare SQL.

    .venv/bin/python bench/monthly.py [--server postgresql://postgres@127.0.0.1:5432/test] \
        [--households 65000] [--pdfs 200]

It creates a throw-away database on the server (dropped at the end), creates the schema,
seeds one cooperative with --households households (a third single-parent, each pledging
4 hours) and lots of six months ago (so that this month's expiry has work), then times the
application's own monthly run: pledges due, allocation, expiry, statement rows. In the same
run it times a bare ``INSERT ... SELECT`` that writes the same number of lots for the next
month, and renders --pdfs PDF statements to report PDFs per second.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import insert, text
from throwaway import throwaway_database

from coop import create_app
from coop.cheques.allocation import add_months
from coop.cheques.jobs import allocate_cheques, expire_cheques, post_pledges
from coop.cheques.scheme import SchemeInput, save_scheme
from coop.cooperatives.service import create_cooperative
from coop.members.models import Household
from coop.models import metadata
from coop.statements.documents import statement_pdf
from coop.statements.service import monthly_rows

MONTH = date(2026, 11, 1)


def _timed(label: str, rows: int, func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label:<38} {seconds:8.2f} s  {rows / seconds:10.0f} rows/s  (result: {result})")
    return result


def _seed(database, households: int) -> int:  # type: ignore[no-untyped-def]
    with database.scope() as session:
        coop = create_cooperative(session, slug="bench", name="Bench")
        save_scheme(session, coop_id=coop.id, data=SchemeInput())
        coop_id = coop.id
    rows = [
        {
            "coop_id": coop_id,
            "name": f"Family {n}",
            "address": "",
            "phone": "",
            "has_protected_address": False,
            "is_single_parent": n % 3 == 0,
            "single_parent_since": date(2025, 1, 1) if n % 3 == 0 else None,
            "pledge_minutes": 240,
            "pledge_cents": 0,
        }
        for n in range(households)
    ]
    with database.engine.begin() as conn:
        conn.execute(insert(Household).values(created_at=text("now()")), rows)
        conn.execute(
            text("""
            INSERT INTO cheque_lot (coop_id, household_id, period, allocated, is_single_parent, expires_on, created_at)
            SELECT coop_id, id, :period, 4, false, :expires, now() FROM household"""),
            {"period": add_months(MONTH, -6), "expires": MONTH},
        )
    return coop_id


def run(server: str, households: int, pdfs: int) -> None:
    with throwaway_database(server) as (_, url):
        measure(url, households, pdfs)


def measure(url: str, households: int, pdfs: int) -> None:
    """Seed ``households`` in the database at ``url`` and print every figure."""
    app = create_app({"database_url": url, "run_scheduler": False})
    database = app.extensions["coop.db"]
    try:
        metadata.create_all(database.engine)
        coop_id = _seed(database, households)
        print(f"{households} households on PostgreSQL, month {MONTH:%Y-%m}")
        _timed("pledges due (application)", households, lambda: post_pledges(database, period=MONTH))
        _timed("allocation (application)", households, lambda: allocate_cheques(database, period=MONTH))
        _timed("expiry (application)", households, lambda: expire_cheques(database, today=MONTH))

        def statement() -> int:
            with database.scope(write=False) as session:
                return len(monthly_rows(session, coop_id=coop_id, month=MONTH))

        _timed("statement rows (application)", households, statement)

        def bare() -> int:
            with database.engine.begin() as conn:
                return conn.execute(
                    text("""
                    INSERT INTO cheque_lot (coop_id, household_id, period, allocated, is_single_parent, expires_on,
                                            created_at)
                    SELECT coop_id, id, :period, CASE WHEN is_single_parent THEN 8 ELSE 4 END, is_single_parent,
                           :expires, now() FROM household
                    ON CONFLICT (household_id, period) DO NOTHING"""),
                    {"period": add_months(MONTH, 1), "expires": add_months(MONTH, 7)},
                ).rowcount

        _timed("allocation (bare INSERT ... SELECT)", households, bare)
        with app.app_context(), database.scope(write=False) as session:
            rows = monthly_rows(session, coop_id=coop_id, month=MONTH)[:pdfs]
            _timed(
                "PDF statements",
                len(rows),
                lambda: sum(len(statement_pdf(coop_name="Bench", rows=[row], month=MONTH)) for row in rows),
            )
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--households", type=int, default=65_000)
    parser.add_argument("--pdfs", type=int, default=200)
    args = parser.parse_args()
    run(args.server, args.households, args.pdfs)


if __name__ == "__main__":
    main()
