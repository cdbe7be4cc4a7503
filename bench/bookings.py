"""Benchmark booking over HTTP on PostgreSQL, beside the bare database transaction.

    .venv/bin/python bench/bookings.py [--server postgresql://postgres@127.0.0.1:5432/test] [--seconds 5]

It creates a throw-away database on the server, migrates it, seeds one cooperative (one big
site, one child per client), starts gunicorn with 4 workers on 127.0.0.1 and, for 1, 8 and 32
clients, books non-overlapping stays as fast as it can for --seconds: it prints bookings per
second and p50/p95 latency. Then, in the same run, the rate of the bare transaction (lock
the site row, count the overlapping stays, insert) through psycopg with 1 and 8 connections,
and the ratio between the two, which is the overhead of the web stack.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402

from coop import create_app  # noqa: E402
from coop.bookings.models import LONGEST_STAY  # noqa: E402
from coop.schema import upgrade  # noqa: E402
from tests.conftest import PASSWORD, Factory, make_settings  # noqa: E402

WORKERS = 4


class Client:
    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.opener.open(base + "/login").read().decode()
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": self.token}).encode()
        self.opener.open(base + "/login", form)

    def book(self, path: str, payload: dict) -> int:
        req = urllib.request.Request(
            self.base + path,
            json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def http_round(
    clients: list[Client],
    child_ids: list[int],
    path: str,
    site_id: int,
    first: datetime,
    seconds: float,
    offset: int,
) -> tuple[int, list[float], int]:
    """Each client books its own child, one hour after another, until the time is up."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(client: Client, child_id: int) -> None:
        nonlocal failures
        n = offset
        while time.monotonic() < stop:
            start = first + timedelta(hours=n)
            began = time.perf_counter()
            status = client.book(
                path,
                {
                    "child_id": child_id,
                    "site_id": site_id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=30)).isoformat(),
                },
            )
            with lock:
                latencies.append(time.perf_counter() - began)
                failures += status != 201
            n += 1

    threads = [threading.Thread(target=run, args=pair) for pair in zip(clients, child_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) - failures, latencies, failures


def bare_rate(url: str, site_id: int, child_ids: list[int], connections: int, seconds: float) -> float:
    """Transactions per second of: lock the site, count overlapping stays, insert."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    first = datetime.now(UTC) + timedelta(days=300)

    def run(index: int) -> None:
        nonlocal done
        with psycopg.connect(dsn) as conn:
            n = 0
            while time.monotonic() < stop:
                start = first + timedelta(hours=n, days=index)
                end = start + timedelta(minutes=30)
                with conn.transaction():
                    conn.execute("SELECT capacity FROM site WHERE id = %s FOR NO KEY UPDATE", (site_id,))
                    conn.execute(
                        "SELECT count(*) FROM booking WHERE site_id = %s AND cancelled_at IS NULL "
                        "AND start_at < %s AND start_at > %s AND end_at > %s",
                        (site_id, end, start - LONGEST_STAY, start),
                    ).fetchone()
                    conn.execute(
                        "INSERT INTO booking (coop_id, site_id, child_id, household_id, start_at, end_at, "
                        "is_overnight, is_late, created_at) SELECT coop_id, %s, id, household_id, %s, %s, "
                        "false, false, now() FROM child WHERE id = %s",
                        (site_id, start, end, child_ids[index]),
                    )
                n += 1
                with lock:
                    done += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with throwaway_database(args.server) as (_, url):
        measure(url, args.seconds)


def measure(url: str, seconds: float) -> None:
    """Seed the database at ``url``, start gunicorn on it and print every figure."""
    server = None
    try:
        upgrade(url)
        app = create_app(make_settings(url, ROOT / "instance"))
        make = Factory(app.extensions["coop.db"].session())
        coop = make.coop()
        site = make.site(coop, capacity=500, beds=0)
        households = [make.household(coop) for _ in range(32)]
        children = [make.child(h).id for h in households]
        people = [make.person(coop, "parent", household=h) for h in households]
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            "COOP_ENV": "testing",
            "COOP_DATABASE_URL": url,
            "COOP_SECRET_KEY": "bench-" + "k" * 32,
            "COOP_RUN_SCHEDULER": "false",
            "PATH": "/usr/bin:/bin",
        }
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        clients = [Client(base, p.email) for p in people]
        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        print(f"gunicorn -w {WORKERS}, PostgreSQL, {seconds:.0f} s per run")
        http_rates = {}
        for n, offset in ((1, 0), (8, 700), (32, 1400)):  # disjoint hours: no child is booked twice
            ok, latencies, failures = http_round(
                clients[:n],
                children[:n],
                f"/api/v1/coops/{coop.slug}/bookings",
                site.id,
                first,
                seconds,
                offset,
            )
            q = statistics.quantiles(latencies, n=20)
            http_rates[n] = ok / seconds
            print(
                f"HTTP  {n:2d} clients: {http_rates[n]:7.1f} bookings/s  p50 {q[9] * 1000:6.1f} ms  "
                f"p95 {q[18] * 1000:6.1f} ms  refused {failures}"
            )
        for n in (1, 8):
            rate = bare_rate(url, site.id, children, n, seconds)
            print(
                f"bare  {n:2d} connections: {rate:7.1f} transactions/s  "
                f"(web stack overhead x{rate / max(http_rates[n], 0.1):.1f})"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
