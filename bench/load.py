"""A mixed load on the real app (gunicorn, several workers, PostgreSQL), beside a baseline.

    .venv/bin/python bench/load.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--seconds 20] [--baseline-seconds 5] [--clients 8 32] [--workers 3]

It creates a throw-away database on the server (dropped at the end), migrates it, loads the
demo (two cooperatives, published rosters for this week and the next) and starts gunicorn
serving ``wsgi:app`` on 127.0.0.1 with production settings and a generated secret. For each
number of clients it first measures the baseline, ``GET /health`` (one database round trip
behind the whole web stack), then the mixed load for ``--seconds``:

- parents (half the clients) in turn book an hour for their child through the JSON API and
  open their week's bookings page;
- coordinators (a quarter) open the roster week grid of the published week;
- providers (a quarter) redeem one respite cheque of a household through the JSON API.

Each client logs in once (a bearer token: production cookies are Secure, not sent over plain
HTTP) and sends its requests back to back. It prints, per client count and kind of request,
requests per second, p50 and p95 latency, both latencies as a ratio of the baseline's in the
same run, and the answers' statuses. It also prints the CPU time the gunicorn workers and the
database's server processes spent per request of the mixed load, read from /proc: unlike the
latencies, that figure hardly moves when something else loads the machine, so it is the one to
compare between runs on a busy machine. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import url_for  # noqa: E402
from sqlmodel import col, select, update  # noqa: E402
from throwaway import throwaway_database  # noqa: E402

from coop import create_app  # noqa: E402
from coop.auth.models import Person  # noqa: E402
from coop.bookings.times import week_start  # noqa: E402
from coop.cheques.allocation import allocate_households  # noqa: E402
from coop.cheques.models import ChequeCard  # noqa: E402
from coop.cheques.scheme import SchemeInput, list_services, save_scheme  # noqa: E402
from coop.clock import local_today  # noqa: E402
from coop.cooperatives.models import Cooperative, Site  # noqa: E402
from coop.demo import DEMO_PASSWORD, load_demo, publish_demo_rosters  # noqa: E402
from coop.members.models import Child, Household  # noqa: E402
from coop.members.service import household_ids_of  # noqa: E402
from coop.rosters.weeks import format_week  # noqa: E402
from coop.schema import upgrade  # noqa: E402

SLUG = "marolles"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TZ = "Europe/Brussels"
# A generous scheme's lots for earlier months, still valid: cheques for every redemption.
EXTRA_CHEQUE_MONTHS = 5
BENCH_SCHEME = SchemeInput(base_quota=100, yearly_cap=1200)


@dataclass
class Plan:
    """What the clients need to know, read once from the seeded database."""

    parents: list[tuple[str, int, int]]  # (email, child id, site id)
    cards: list[str]
    service_id: int
    paths: dict[str, str]
    grid_path: str
    week_path: str
    first_day: date


@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1


class Client:
    """One logged-in caller with its bearer token."""

    def __init__(self, base: str, email: str, token_path: str) -> None:
        self.base = base
        status, body = self.send("POST", token_path, {"email": email, "password": DEMO_PASSWORD}, auth=False)
        if status != 201:
            raise SystemExit(f"log-in of {email} refused: {status} {body[:200]}")
        self.token = json.loads(body)["token"]

    def send(self, method: str, path: str, payload: dict | None = None, auth: bool = True) -> tuple[int, str]:
        headers = {"Accept-Language": "fr"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@dataclass
class CpuMeter:
    """CPU seconds used so far by gunicorn's workers and by the database's server processes
    serving our database, summed per side, from /proc (Linux)."""

    server_pid: int
    admin_url: str
    database: str

    @staticmethod
    def _seconds(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def _workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.server_pid:
                    pids.append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        return pids

    def _backends(self) -> list[int]:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                                   (self.database,))]

    def read(self) -> dict[str, dict[int, float]]:
        return {"app": {pid: self._seconds(pid) for pid in self._workers()},
                "database": {pid: self._seconds(pid) for pid in self._backends()}}

    @staticmethod
    def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """Seconds used between two readings; a process born in between counts from zero."""
        return {side: sum(seconds - before[side].get(pid, 0.0) for pid, seconds in after[side].items())
                for side in after}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str, instance: Path, secret: str) -> Plan:
    """The demo, every Marolles parent able to log in, and thousands of cheques to redeem."""
    app = create_app({"env": "production", "database_url": url, "secret_key": secret, "instance_path": instance,
                      "run_scheduler": False})
    database = app.extensions["coop.db"]
    today = local_today(TZ)
    with app.app_context():
        with database.scope() as session:
            load_demo(session)
        publish_demo_rosters(database, today=today, time_limit_s=2)
        with database.scope() as session:
            coop = session.exec(select(Cooperative).where(Cooperative.slug == SLUG)).one()
            demo_hash = session.exec(select(Person.password_hash).where(Person.email == "parent@demo.coop")).one()
            session.exec(update(Person).where(col(Person.email).like(f"{SLUG}.parent%"))
                         .values(password_hash=demo_hash))
            households = session.exec(select(Household.id).where(Household.coop_id == coop.id)).all()
            save_scheme(session, coop_id=coop.id, data=BENCH_SCHEME)
            for months in range(1, EXTRA_CHEQUE_MONTHS + 1):
                period = (today.replace(day=1) - timedelta(days=31 * months)).replace(day=1)
                allocate_households(session, household_ids=list(households), period=period)
            site_id = session.exec(select(Site.id).where(Site.coop_id == coop.id).order_by(Site.id)).first()
            parents = []
            for email in session.exec(select(Person.email).where(col(Person.email).like("%parent%@demo.coop"))
                                      .order_by(Person.email)).all():
                person = session.exec(select(Person).where(Person.email == email)).one()
                own = household_ids_of(session, coop_id=coop.id, person_id=person.id)
                child = session.exec(select(Child.id).where(col(Child.household_id).in_(own))
                                     .order_by(Child.id)).first()
                if child is not None:
                    parents.append((email, child, site_id))
            cards = list(session.exec(select(ChequeCard.code).where(ChequeCard.coop_id == coop.id)).all())
            service_id = list_services(session, coop_id=coop.id)[0].id
        # Wherever the routes are mounted when this runs.
        with app.test_request_context():
            paths = {"token": url_for("auth_api.issue_token"), "book": url_for("bookings_api.create", slug=SLUG),
                     "redeem": url_for("cheques_api.create_redemption", slug=SLUG), "health": url_for("home.health")}
            grid = url_for("rosters.week", slug=SLUG, week=format_week(today))
            week = url_for("bookings.week", slug=SLUG, week=(week_start(today) + timedelta(days=7)).isoformat())
    database.dispose()
    return Plan(parents, cards, service_id, paths, grid, week, today + timedelta(days=21))


def slots(first_day: date) -> Iterator[tuple[str, str]]:
    """A parent's next hours to book, one after the other, never overlapping."""
    for day in range(60):
        for hour in range(7, 20):
            on = first_day + timedelta(days=day)
            yield f"{on}T{hour:02d}:00", f"{on}T{hour + 1:02d}:00"


def run_level(base: str, plan: Plan, clients: int, seconds: float, baseline_seconds: float,
              cursors: dict[str, Iterator[tuple[str, str]]],
              meter: CpuMeter) -> tuple[Figures, float, float, dict[str, float]]:
    """The baseline, then the mixed load, with this many clients; (figures, seconds of each,
    CPU seconds of each side during the mixed load)."""
    roles = list(itertools.islice(itertools.cycle(["parent", "parent", "coordinator", "provider"]), clients))
    parents = iter(plan.parents)
    logins = []
    for role in roles:
        if role == "parent":
            email, child_id, site_id = next(parents)
            logins.append((role, email, child_id, site_id))
        else:
            logins.append((role, f"{role}@demo.coop", 0, 0))
    callers = [Client(base, email, plan.paths["token"]) for _, email, _, _ in logins]
    figures = Figures()

    def fire(kind: str, caller: Client, method: str, path: str, payload: dict | None = None) -> None:
        began = time.perf_counter()
        status, _ = caller.send(method, path, payload)
        figures.add(kind, time.perf_counter() - began, status)

    def baseline(caller: Client, stop: float) -> None:
        while time.monotonic() < stop:
            fire("health (baseline)", caller, "GET", plan.paths["health"])

    def mixed(index: int, stop: float) -> None:
        role, email, child_id, site_id = logins[index]
        caller = callers[index]
        cards = itertools.cycle(plan.cards[index::clients] or plan.cards)
        turn = 0
        while time.monotonic() < stop:
            if role == "parent" and turn % 2 == 0:
                start, end = next(cursors.setdefault(email, slots(plan.first_day)))
                fire("parent: book", caller, "POST", plan.paths["book"],
                     {"child_id": child_id, "site_id": site_id, "start": start, "end": end})
            elif role == "parent":
                fire("parent: week page", caller, "GET", plan.week_path)
            elif role == "coordinator":
                fire("coordinator: roster grid", caller, "GET", plan.grid_path)
            else:
                fire("provider: redeem", caller, "POST", plan.paths["redeem"],
                     {"household_code": next(cards), "service_id": plan.service_id, "cheques": 1,
                      "used_on": local_today(TZ).isoformat(), "idempotency_key": uuid.uuid4().hex})
            turn += 1

    def run(target, args_of) -> float:
        began = time.monotonic()
        threads = [threading.Thread(target=target, args=args_of(i)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - began

    stop = time.monotonic() + baseline_seconds
    base_elapsed = run(baseline, lambda i: (callers[i], stop))
    before = meter.read()
    stop = time.monotonic() + seconds
    mixed_elapsed = run(mixed, lambda i: (i, stop))
    return figures, base_elapsed, mixed_elapsed, CpuMeter.used(before, meter.read())


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(clients: int, figures: Figures, base_elapsed: float, mixed_elapsed: float, cpu: dict[str, float]) -> None:
    base = figures.latencies["health (baseline)"]
    base50, base95 = percentile(base, 50), percentile(base, 95)
    mixed_total = sum(len(v) for k, v in figures.latencies.items() if k != "health (baseline)")
    print(f"\n{clients} clients: baseline {len(base) / base_elapsed:.0f} req/s; mixed load "
          f"{mixed_total / mixed_elapsed:.0f} req/s in all ({mixed_total} requests in {mixed_elapsed:.1f} s)")
    print(f"CPU per mixed request: gunicorn workers {cpu['app'] * 1000 / mixed_total:.1f} ms, "
          f"database {cpu['database'] * 1000 / mixed_total:.1f} ms")
    print(f"{'kind':<26} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×base':>10} {'p95 ×base':>10}  "
          "statuses")
    for kind in sorted(figures.latencies, key=lambda k: (k != "health (baseline)", k)):
        values = figures.latencies[kind]
        elapsed = base_elapsed if kind == "health (baseline)" else mixed_elapsed
        p50, p95 = percentile(values, 50), percentile(values, 95)
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(figures.statuses[kind].items()))
        print(f"{kind:<26} {len(values):>6} {len(values) / elapsed:>7.1f} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} "
              f"{p50 / base50:>10.1f} {p95 / base95:>10.1f}  {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where a throw-away database may be created")
    parser.add_argument("--seconds", type=float, default=20.0, help="mixed load per client count")
    parser.add_argument("--baseline-seconds", type=float, default=5.0, help="baseline per client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    args = parser.parse_args()

    with throwaway_database(args.server, prefix="coop_load") as (name, url):
        measure(args, name, url)


def measure(args: argparse.Namespace, name: str, url: str) -> None:
    """Load the demo into the database ``name`` at ``url``, start gunicorn and report each level."""
    secret = secrets.token_urlsafe(48)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="coop-load-") as instance:
            upgrade(url)
            began = time.monotonic()
            plan = seed(url, Path(instance), secret)
            print(f"demo loaded and rosters published in {time.monotonic() - began:.0f} s; "
                  f"{len(plan.parents)} parents, {len(plan.cards)} cheque cards")
            if len(plan.parents) < max(args.clients) // 2:
                raise SystemExit("not enough demo parents for that many clients")
            port = free_port()
            env = {"COOP_ENV": "production", "COOP_DATABASE_URL": url, "COOP_SECRET_KEY": secret,
                   "COOP_RUN_SCHEDULER": "false", "COOP_INSTANCE_PATH": instance, "PATH": "/usr/bin:/bin"}
            server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(args.workers),
                                       "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + plan.paths["health"], timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit("gunicorn did not answer")
            print(f"gunicorn: {args.workers} workers on {base}; mixed load {args.seconds:.0f} s and baseline "
                  f"{args.baseline_seconds:.0f} s per client count")
            cursors: dict[str, Iterator[tuple[str, str]]] = {}
            meter = CpuMeter(server.pid, args.server, name)
            for clients in args.clients:
                report(clients, *run_level(base, plan, clients, args.seconds, args.baseline_seconds, cursors, meter))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
