"""Hardening that must hold when the service runs as many processes on one database: sessions
revoked everywhere on logout and password change, login limits shared by every process,
secure cookies and headers on every route in production, and no GET that writes, whoever
asks. (CSRF on every write and headers on every answer: ``test_csrf_and_headers.py``.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from coop import create_app
from coop.audit.models import AuditEntry
from coop.auth.login import CSRF_EXEMPT_ENDPOINTS
from coop.models import metadata
from tests.conftest import PASSWORD, Factory, login, make_settings
from tests.routes import all_actions
from tests.test_csrf_and_headers import assert_security_headers
from tests.world import ROLES, build_world, changed_tables, snapshot

GETS = [a for a in all_actions() if a.method == "GET"]
WRITES = [a for a in all_actions() if a.is_mutating]
FIXED = {"token": "no-such-token", "filename": "coop.css"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HTTPS = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
WRONG = "not the right passphrase"


@pytest.fixture
def other_process(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second instance of the app on the same database, as another gunicorn worker or host
    would be: its own engine and connection pool, nothing shared in memory."""
    other = create_app(make_settings(database_url, tmp_path / "other"))
    other.config["WTF_CSRF_ENABLED"] = False
    yield other
    other.extensions["coop.db"].dispose()


def carrying(app: Flask, cookie: str) -> FlaskClient:
    """A client of ``app`` that replays a session cookie taken from another client."""
    client = app.test_client()
    client.set_cookie("coop", cookie)
    return client


def cookie_of(client: FlaskClient) -> str:
    return client.get_cookie("coop").value


def test_logout_ends_that_session_in_every_process_and_only_that_one(app: Flask, other_process: Flask,
                                                                     make: Factory) -> None:
    coop = make.coop()
    parent = make.person(coop, "parent")
    phone, laptop = login(app.test_client(), parent), login(app.test_client(), parent)
    laptop_cookie = cookie_of(laptop)
    assert carrying(other_process, laptop_cookie).get(f"/api/v1/coops/{coop.slug}/sites").status_code == 200
    assert laptop.post("/logout").status_code == 302
    replayed = carrying(other_process, laptop_cookie)
    assert replayed.get(f"/api/v1/coops/{coop.slug}/sites").status_code == 401
    page = replayed.get(f"/c/{coop.slug}/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert carrying(other_process, cookie_of(phone)).get(f"/api/v1/coops/{coop.slug}/sites").status_code == 200


def test_password_change_ends_the_other_sessions_in_every_process(app: Flask, other_process: Flask,
                                                                  make: Factory) -> None:
    coop = make.coop()
    parent = make.person(coop, "parent")
    phone, laptop = login(app.test_client(), parent), login(other_process.test_client(), parent)
    changed = laptop.post("/account", data={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 302
    for instance in (app, other_process):
        assert carrying(instance, cookie_of(phone)).get(f"/api/v1/coops/{coop.slug}/sites").status_code == 401
        assert carrying(instance, cookie_of(laptop)).get(f"/api/v1/coops/{coop.slug}/sites").status_code == 200
    assert app.test_client().post("/login", data={"email": parent.email, "password": PASSWORD}).status_code == 401


def test_a_password_reset_ends_every_session_of_the_person(app: Flask, other_process: Flask, make: Factory) -> None:
    coop = make.coop()
    coordinator, parent = make.person(coop, "coordinator"), make.person(coop, "parent")
    devices = [login(app.test_client(), parent), login(other_process.test_client(), parent)]
    page = login(app.test_client(), coordinator).post(f"/c/{coop.slug}/members/{parent.id}/reset-link")
    path = page.get_data(as_text=True).split('class="token"><a href="')[1].split('"')[0].split("localhost", 1)[1]
    assert other_process.test_client().post(path, data={"password": "another long passphrase"}).status_code == 302
    for device in devices:
        for instance in (app, other_process):
            assert carrying(instance, cookie_of(device)).get(f"/api/v1/coops/{coop.slug}/sites").status_code == 401


@pytest.mark.postgres_only
def test_login_limits_are_shared_by_every_process(database_url: str, make: Factory, tmp_path: Path) -> None:
    """Failures counted by one process block the account (and the address) in the others."""
    limits = {"login_max_failures_per_account": 4, "login_max_failures_per_ip": 6}
    instances = [create_app(make_settings(database_url, tmp_path / name, **limits)) for name in ("web1", "web2")]
    try:
        for instance in instances:
            instance.config["WTF_CSRF_ENABLED"] = False
        target, *others = (make.person() for _ in range(4))

        def attempt(n: int, person, password: str, ip: str) -> int:  # noqa: ANN001
            client = instances[n % 2].test_client()
            return client.post("/login", data={"email": person.email, "password": password},
                               environ_base={"REMOTE_ADDR": ip}).status_code

        # Per account: four failures from four addresses, alternating processes.
        assert [attempt(n, target, WRONG, f"198.51.100.{n}") for n in range(4)] == [401] * 4
        assert [attempt(n, target, PASSWORD, "198.51.100.50") for n in range(2)] == [429, 429]
        # Per address: six failures on other accounts from one address, alternating processes.
        assert [attempt(n, others[n % 3], WRONG, "192.0.2.9") for n in range(6)] == [401] * 6
        assert [attempt(n, others[0], PASSWORD, "192.0.2.9") for n in range(2)] == [429, 429]
        assert attempt(1, others[0], PASSWORD, "192.0.2.10") == 302
    finally:
        for instance in instances:
            instance.extensions["coop.db"].dispose()


def _production_login(production: Flask, person) -> tuple[FlaskClient, TestResponse]:  # noqa: ANN001
    client = production.test_client()
    token = TOKEN.search(client.get("/login", **HTTPS).get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token},
                           **HTTPS)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client, response


def _assert_cookie_flags(response: TestResponse, where: str) -> int:
    """Every cookie set is Secure, HttpOnly, SameSite=Lax and host-only; returns how many."""
    cookies = response.headers.getlist("Set-Cookie")
    for cookie in cookies:
        name, *parts = (part.strip().lower() for part in cookie.split(";"))
        flags = set(parts)
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags, f"{where}: {cookie}"
        assert name.startswith("__host-") and not any(f.startswith("domain=") for f in flags), f"{where}: {cookie}"
    return len(cookies)


def test_production_cookies_and_headers_on_every_route(app: Flask, make: Factory, database_url: str,
                                                       tmp_path: Path) -> None:
    """Every GET route, as an anonymous visitor (who gets a fresh session, and so a cookie,
    on each form page) and as a coordinator; every write (refused without its CSRF token);
    logging in, switching language and out too."""
    world = build_world(make)
    production = create_app(make_settings(database_url, tmp_path, env="production", secret_key="s3cret-" * 8))
    try:
        coordinator, logged_in = _production_login(production, world.people["coordinator"])
        set_cookies = _assert_cookie_flags(logged_in, "POST /login")
        values = {**FIXED, **world.own("coordinator")}
        for action in GETS:
            url = action.url(values)
            for who, client in (("anonymous", production.test_client()), ("coordinator", coordinator)):
                with client.get(url, **HTTPS) as response:
                    where = f"GET {url} as {who} ({response.status_code})"
                    assert response.status_code < 500, where
                    assert_security_headers(response, where)
                    assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", ""), where
                    set_cookies += _assert_cookie_flags(response, where)
        for action in WRITES:
            # Without a CSRF token every write is refused (issuing an API token, exempt, for
            # its missing fields); the answer is still dressed.
            url = action.url(values)
            with coordinator.open(url, method=action.method, data={"name": "x"}, **HTTPS) as response:
                where = f"{action.method} {url} ({response.status_code})"
                assert response.status_code == (422 if action.endpoint in CSRF_EXEMPT_ENDPOINTS else 400), where
                assert_security_headers(response, where)
                set_cookies += _assert_cookie_flags(response, where)
        page = coordinator.get(f"/c/{world.coop_a.slug}/settings", **HTTPS).get_data(as_text=True)
        token = TOKEN.search(page).group(1)
        set_cookies += _assert_cookie_flags(
            coordinator.post("/language", data={"lang": "nl", "csrf_token": token}, **HTTPS), "POST /language")
        set_cookies += _assert_cookie_flags(coordinator.post("/logout", data={"csrf_token": token}, **HTTPS),
                                            "POST /logout")
        # At least logging in, the public form pages, the language switch and logging out.
        assert set_cookies >= 5, f"only {set_cookies} answers set a cookie: the walk proves too little"
    finally:
        production.extensions["coop.db"].dispose()


def row_counts(app: Flask) -> dict[str, int]:
    """The number of rows of every table but the audit log, in one query."""
    tables = [t for t in metadata.sorted_tables if t.name != AuditEntry.__tablename__]
    counts = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    with app.extensions["coop.db"].engine.connect() as conn:
        return dict(conn.execute(counts).one()._mapping)


# Who asks, and whose rows the URLs name: each role its own; a parent the neighbours'
# household; a parent of the other cooperative and a visitor the rows of cooperative A.
ASKERS = [*((role, role) for role in ROLES), ("parent", "neighbour"), ("parent_b", "parent"), ("anonymous", "parent")]


@pytest.mark.parametrize(("who", "whose"), ASKERS, ids=[f"{who}-on-{whose}" for who, whose in ASKERS])
def test_no_get_route_writes_whoever_asks(who: str, whose: str, app: Flask, make: Factory) -> None:
    """Every GET route: row counts stay the same after each request, and at the end nothing
    has changed but the audit log of reads."""
    world = build_world(make)
    client = app.test_client() if who == "anonymous" else login(app.test_client(), world.people[who])
    values = {**FIXED, **world.own("parent" if whose == "neighbour" else whose),
              **(world.rows["neighbour"] if whose == "neighbour" else {})}
    before, counts = snapshot(app), row_counts(app)
    for action in GETS:
        with client.get(action.url(values)) as response:
            assert response.status_code < 500, f"{action} as {who}: {response.status_code}"
        now = row_counts(app)
        assert now == counts, f"GET {action.rule} as {who} changed {[t for t in now if now[t] != counts[t]]}"
    after = snapshot(app)
    assert set(changed_tables(before, after)) <= {AuditEntry.__tablename__}, changed_tables(before, after)
    new_entries = set(after[AuditEntry.__tablename__]) - set(before[AuditEntry.__tablename__])
    assert all("'read'" in entry for entry in new_entries), new_entries
