"""Benchmark the occupancy query of every booking check against a site's history, on PostgreSQL.

    .venv/bin/python bench/occupancy.py [--server postgresql://postgres@127.0.0.1:5432/test]
                                        [--history 50000] [--calls 2000]

It creates a throw-away database, migrates it and seeds one cooperative with two sites: one
with --history past stays (3-hour stays, several children at once, over the past years,
shared by 20 children), one with none. Then, in the same run, it times
`coop.bookings.service.load_occupancy` --calls times for a stay next week: at the busy site
for a child with a history, and at the empty site for a child without one. It prints the
milliseconds per check of each and their ratio, which is what the site's past costs each
booking, each availability grid and each proposal of other times.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402

from coop import create_app  # noqa: E402
from coop.bookings.service import load_occupancy  # noqa: E402
from coop.schema import upgrade  # noqa: E402
from tests.conftest import Factory, make_settings  # noqa: E402

CHILDREN = 20
STAY = timedelta(hours=3)


def seed_history(dsn: str, *, coop_id: int, site_id: int, children: list[tuple[int, int]], count: int) -> None:
    """``count`` past stays at the site, one starting every 2 hours back from yesterday."""
    ids = [child for child, _ in children]
    households = [household for _, household in children]
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO booking (coop_id, site_id, child_id, household_id, start_at, end_at, is_overnight, "
            "is_late, created_at) "
            "SELECT %(coop)s, %(site)s, (%(ids)s::int[])[n %% %(k)s + 1], (%(households)s::int[])[n %% %(k)s + 1], "
            "now() - interval '1 day' - n * interval '2 hours', "
            "now() - interval '1 day' - n * interval '2 hours' + %(stay)s, false, false, now() "
            "FROM generate_series(0, %(count)s - 1) AS n",
            {"coop": coop_id, "site": site_id, "ids": ids, "households": households, "k": len(ids),
             "stay": STAY, "count": count},
        )
        conn.execute("ANALYZE booking")


def per_call_ms(session: Session, *, site_id: int, child_id: int, calls: int) -> float:
    """Milliseconds per `load_occupancy` call for a 3-hour stay next week."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    load_occupancy(session, site_id=site_id, child_id=child_id, start_at=start, end_at=start + STAY)
    began = time.perf_counter()
    for _ in range(calls):
        load_occupancy(session, site_id=site_id, child_id=child_id, start_at=start, end_at=start + STAY)
    return (time.perf_counter() - began) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with throwaway_database(args.server) as (_, url):
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        upgrade(url)
        app = create_app(make_settings(url, ROOT / "instance"))
        session = app.extensions["coop.db"].session()
        make = Factory(session)
        coop = make.coop()
        busy, empty = make.site(coop, capacity=50, beds=10), make.site(coop, capacity=50, beds=10)
        regulars = [make.child(make.household(coop)) for _ in range(CHILDREN)]
        newcomer = make.child(make.household(coop))
        seed_history(dsn, coop_id=coop.id, site_id=busy.id,
                     children=[(child.id, child.household_id) for child in regulars], count=args.history)
        with_past = per_call_ms(session, site_id=busy.id, child_id=regulars[0].id, calls=args.calls)
        without = per_call_ms(session, site_id=empty.id, child_id=newcomer.id, calls=args.calls)
        session.close()
        print(f"PostgreSQL, {args.calls} checks each, a 3-hour stay next week")
        print(f"site with {args.history} past stays: {with_past:7.3f} ms per check")
        print(f"site with none:               {without:7.3f} ms per check")
        print(f"ratio (the cost of the past):  x{with_past / without:.2f}")


if __name__ == "__main__":
    main()
