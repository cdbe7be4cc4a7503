"""No overbooking under load: the app under gunicorn (4 worker processes), 32 parallel clients
competing for the last places of a site, 50 rounds (capacities 1 to 5, day stays and
overnight stays that need a bed). Oversold 0, 5xx 0, every loser gets 409. Loops are bounded
in rounds and in time.

One server and one set of logged-in clients serve every round, the stays are prepared before
the first one, and one pool of 32 threads fires each round from a barrier, so a round costs
about the time of its 32 requests (gunicorn's sync workers close each connection, so there
is no keep-alive to reuse)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from coop import create_app
from coop.auth.models import Person
from coop.bookings.capacity import peak
from coop.bookings.models import Booking
from coop.clock import local_today
from coop.cooperatives.models import Cooperative, Site
from coop.members.models import Child
from coop.schema import upgrade
from tests.bookings.conftest import TZ
from tests.conftest import PASSWORD, Factory, make_settings

CLIENTS = 32
ROUNDS = 30  # three times every (capacity, day or overnight) pair of the sites
#: A bound against a hang, not a speed target (speed is measured by `bench/bookings.py`):
#: a slow 2-core machine managed 43 rounds in 60 s while other tests ran.
TIME_LIMIT = 180.0
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One browser-like client: its own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                ) -> tuple[int, str]:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self, email: str) -> None:
        _, page = self.request("GET", "/login")
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": self.token}).encode()
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, status

    def post_json(self, path: str, payload: dict) -> tuple[int, dict]:
        status, text = self.request("POST", path, json.dumps(payload).encode(),
                                    {"Content-Type": "application/json", "X-CSRFToken": self.token})
        return status, json.loads(text) if text.startswith("{") else {}


def start_server(url: str, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {"COOP_ENV": "testing", "COOP_DATABASE_URL": url, "COOP_SECRET_KEY": "concurrency-" + "k" * 32,
           "COOP_RUN_SCHEDULER": "false", "COOP_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}",
                               "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    server.wait(timeout=10)
    pytest.fail(f"gunicorn did not start (exit code {server.returncode})")


def race(pool: ThreadPoolExecutor, clients: list[Client], child_ids: list[int], path: str,
         stay: dict) -> list[tuple[int, str]]:
    """Every client books the same stay for its own child at the same moment."""
    barrier = threading.Barrier(len(clients))

    def one(client: Client, child_id: int) -> tuple[int, str]:
        barrier.wait(timeout=30)
        status, body = client.post_json(path, {**stay, "child_id": child_id})
        return status, body.get("error", {}).get("code", "")

    return list(pool.map(one, clients, child_ids, timeout=60))


def stays(sites: list[Site], first_day: date) -> list[tuple[Site, bool, dict]]:
    """The rounds, prepared up front: a site (capacity 1 to 5 in turn), overnight every other
    round (so each site is raced for day places and for beds), and a day of its own."""
    rounds = []
    for round_ in range(ROUNDS):
        site, overnight = sites[round_ % len(sites)], round_ % 2 == 1
        day, next_day = first_day + timedelta(days=round_), first_day + timedelta(days=round_ + 1)
        stay = {"site_id": site.id, "start": f"{day}T18:00" if overnight else f"{day}T09:00",
                "end": f"{next_day}T08:00" if overnight else f"{day}T12:00"}
        rounds.append((site, overnight, stay))
    return rounds


@contextmanager
def seeded(url: str, tmp_path: Path) -> Iterator[tuple[Session, Cooperative, list[Site], list[Person], list[Child]]]:
    """A database migrated by Alembic with one cooperative, 5 sites (capacity 1 to 5, half as
    many beds) and one family (parent + child) per client."""
    upgrade(url)
    app = create_app(make_settings(url, tmp_path))
    session = app.extensions["coop.db"].session()
    try:
        make = Factory(session)
        coop = make.coop()
        sites = [make.site(coop, capacity=c, beds=(c + 1) // 2) for c in range(1, 6)]
        households = [make.household(coop) for _ in range(CLIENTS)]
        yield (session, coop, sites, [make.person(coop, "parent", household=h) for h in households],
               [make.child(h) for h in households])
    finally:
        session.close()
        app.extensions["coop.db"].dispose()


def oversold(session: Session, sites: list[Site]) -> int:
    """Children (or beds) above the limit, summed over the start of every stay."""
    session.rollback()
    booked = session.exec(select(Booking).where(col(Booking.cancelled_at).is_(None))).all()
    total = 0
    for site in sites:
        here = [(b.start_at, b.end_at) for b in booked if b.site_id == site.id]
        beds = [(b.start_at, b.end_at) for b in booked if b.site_id == site.id and b.is_overnight]
        total += sum(max(peak(here, s, e) - site.capacity, 0) for s, e in here)
        total += sum(max(peak(beds, s, e) - site.beds, 0) for s, e in beds)
    return total


def run_contest(url: str, tmp_path: Path) -> dict:
    """Seed, serve, then race round after round; returns the figures."""
    figures: Counter = Counter()
    with seeded(url, tmp_path) as (session, coop, sites, people, children):
        server, base = start_server(url, tmp_path)
        try:
            clients = [Client(base) for _ in people]
            rounds = stays(sites, local_today(TZ) + timedelta(days=2))
            path = f"/api/v1/coops/{coop.slug}/bookings"
            child_ids = [k.id for k in children]
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                list(pool.map(Client.login, clients, [person.email for person in people], timeout=120))
                started = time.monotonic()
                for site, overnight, stay in rounds:
                    if time.monotonic() - started > TIME_LIMIT:
                        break
                    answers = race(pool, clients, child_ids, path, stay)
                    expected = min(site.capacity, site.beds) if overnight else site.capacity
                    statuses = Counter(status for status, _ in answers)
                    figures["rounds"] += 1
                    figures["requests"] += len(answers)
                    figures["created"] += statuses[201]
                    figures["refused_409"] += statuses[409]
                    figures["server_errors"] += sum(n for s, n in statuses.items() if s >= 500)
                    figures["other"] += sum(n for s, n in statuses.items() if s not in {201, 409} and s < 500)
                    figures["missed_places"] += max(expected - statuses[201], 0)
                    figures["wrong_codes"] += sum(1 for status, code in answers
                                                  if status == 409 and code not in {"capacity_full", "no_bed"})
            figures["seconds"] = round(time.monotonic() - started, 1)
        finally:
            server.terminate()
            server.wait(timeout=20)
        figures["oversold"] = oversold(session, sites)
    return dict(figures)


def check(figures: dict) -> None:
    print("\nconcurrency figures:", figures)
    assert figures["rounds"] == ROUNDS, f"only {figures['rounds']} rounds in {TIME_LIMIT:.0f} s"
    assert figures["oversold"] == 0 and figures["server_errors"] == 0 and figures["other"] == 0
    assert figures["missed_places"] == 0 and figures["wrong_codes"] == 0
    assert figures["created"] + figures["refused_409"] == figures["requests"] == figures["rounds"] * CLIENTS


@pytest.mark.postgres_only
def test_no_overbooking_on_postgresql_under_gunicorn(pg_url_factory, tmp_path):
    check(run_contest(pg_url_factory(), tmp_path))


def test_no_overbooking_on_sqlite_with_several_processes(tmp_path):
    check(run_contest(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path))
