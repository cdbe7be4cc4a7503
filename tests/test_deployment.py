"""A rehearsal of the production set-up on several hosts, with real processes.

Each "host" is a loopback address of its own (127.0.0.2, 127.0.0.3, …) and every process has
its own instance directory and its own environment, so the processes share nothing but the
PostgreSQL server and the settings a deployment gives every host (the same secret key), as
separate machines would. Two web hosts run gunicorn with two workers each; a third host runs
`coop worker`. What must hold across hosts: each answers its health check; a token issued by
one host works on the other and a revocation on one ends it on both; failed log-ins count
towards one limit wherever they land; a solve asked on one web host is done by the worker
host, once, and shows on the other web host.

The single active scheduler among several is rehearsed in ``tests/test_scheduler_lock.py``,
a worker killed mid-solve and a database restart in ``tests/test_faults.py``.
"""

from __future__ import annotations

import json
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from coop import create_app
from coop.auth.models import LoginAttempt
from coop.bookings.times import week_start
from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.demo import DEMO_PASSWORD, load_demo
from coop.rosters.models import Roster, RosterRules, SolveRun
from coop.rosters.weeks import format_week
from coop.schema import upgrade
from tests.conftest import make_settings
from tests.test_scheduler_lock import Process

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WEB_HOSTS = ("127.0.0.2", "127.0.0.3")
WORKER_HOST = "127.0.0.4"
SOLVE_SECONDS = 2
TZ = "Europe/Brussels"
COORDINATOR = "coordinator@demo.coop"


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def host_env(url: str, secret: str, instance: Path) -> dict[str, str]:
    """What a deployment sets on every host: the same database and secret, its own directory."""
    instance.mkdir()
    return {"COOP_ENV": "production", "COOP_DATABASE_URL": url, "COOP_SECRET_KEY": secret,
            "COOP_INSTANCE_PATH": str(instance), "COOP_RUN_SCHEDULER": "false", "PATH": "/usr/bin:/bin"}


@contextmanager
def web_host(host: str, env: dict[str, str]) -> Iterator[str]:
    """gunicorn with two workers serving ``wsgi:app`` on ``host``; its base URL once it answers."""
    port = free_port(host)
    server = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"{host}:{port}", "--timeout", "60", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                urllib.request.urlopen(base + "/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn on {host} did not answer (exit code {server.returncode})")
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def call(base: str, method: str, path: str, payload: dict | None = None,
         token: str | None = None) -> tuple[int, dict | str]:
    headers = {"Accept-Language": "en"}
    data = None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if payload is not None:
        data, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def log_in(base: str, email: str, password: str) -> tuple[int, dict | str]:
    return call(base, "POST", "/api/v1/auth/token", {"email": email, "password": password})


def test_two_web_hosts_and_a_worker_host_serve_one_cooperative_as_one(pg_url_factory, tmp_path):
    url = pg_url_factory()
    upgrade(url)
    app = create_app(make_settings(url, tmp_path / "seed"))
    database = app.extensions["coop.db"]
    monday = week_start(local_today(TZ)) + timedelta(days=7)
    try:
        with app.app_context(), database.scope() as session:
            load_demo(session)
            coop = session.exec(select(Cooperative).where(Cooperative.slug == "marolles")).one()
            coop_id = coop.id
            rules = session.get(RosterRules, coop_id) or RosterRules(coop_id=coop_id)
            rules.solve_seconds = SOLVE_SECONDS
            session.add(rules)
        secret = secrets.token_urlsafe(48)
        envs = {host: host_env(url, secret, tmp_path / host) for host in (*WEB_HOSTS, WORKER_HOST)}
        with web_host(WEB_HOSTS[0], envs[WEB_HOSTS[0]]) as a, web_host(WEB_HOSTS[1], envs[WEB_HOSTS[1]]) as b:
            assert call(a, "GET", "/health") == call(b, "GET", "/health") == (200, {"status": "ok"})

            # A token issued by one host is good on the other; revoked on one, it is dead on both.
            status, issued = log_in(a, COORDINATOR, DEMO_PASSWORD)
            assert status == 201
            token = issued["token"]
            status, me = call(b, "GET", "/api/v1/me", token=token)
            assert (status, me["email"]) == (200, COORDINATOR)
            assert call(b, "DELETE", "/api/v1/auth/token", token=token)[0] == 204
            status, refused = call(a, "GET", "/api/v1/me", token=token)
            assert (status, refused["error"]["code"]) == (401, "unauthorized")

            # Failed log-ins count towards one limit, whichever host they reach.
            failures = [log_in(host, COORDINATOR, "not the password")[0] for host in (a, b, a, b, a)]
            assert failures == [401] * 5
            for host in (a, b):
                status, limited = log_in(host, COORDINATOR, DEMO_PASSWORD)
                assert (status, limited["error"]["code"]) == (429, "rate_limited")

            # A solve asked on host A is done by the worker host and shows on host B.
            status, issued = log_in(a, "parent@demo.coop", DEMO_PASSWORD)
            assert status == 201
            status, _ = call(a, "POST", f"/c/marolles/rosters/{format_week(monday)}/solve", token=issued["token"])
            assert status == 403
            coordinator_token = _coordinator_token(database, a)
            status, _ = call(a, "POST", f"/c/marolles/rosters/{format_week(monday)}/solve", token=coordinator_token)
            assert status == 302
            with database.scope(write=False) as session:
                queued = session.exec(select(SolveRun).where(SolveRun.coop_id == coop_id,
                                                             SolveRun.week_start == monday)).one()
            assert queued.status == "queued"
            worker = Process(["worker", "--once", "--poll", "0.2"], envs[WORKER_HOST])
            assert worker.wait() == 0, "".join(worker.lines)
            with database.scope(write=False) as session:
                done = session.get(SolveRun, queued.id)
                rosters = session.exec(select(Roster).where(Roster.coop_id == coop_id,
                                                            Roster.week_start == monday)).all()
            assert (done.status, done.attempts) == ("done", 1)
            assert f":{worker.popen.pid}:" in done.worker
            assert [r.id for r in rosters] == [done.roster_id]
            status, page = call(b, "GET", f"/c/marolles/rosters/{format_week(monday)}", token=coordinator_token)
            assert status == 200
            assert f'name="roster_id" value="{done.roster_id}"' in page
    finally:
        database.dispose()


def _coordinator_token(database, base: str) -> str:  # noqa: ANN001
    """A coordinator's token once the failed attempts above are forgotten (a coordinator locked
    out by them would wait out the window; the test clears it as that time passing would)."""
    with database.scope() as session:
        for attempt in session.exec(select(LoginAttempt)).all():
            session.delete(attempt)
    status, issued = log_in(base, COORDINATOR, DEMO_PASSWORD)
    assert status == 201
    return issued["token"]
