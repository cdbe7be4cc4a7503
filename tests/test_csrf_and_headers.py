"""CSRF on every write, security headers on every answer (errors too), secure cookies and a
refused default secret in production."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from config import load_settings
from config.settings import SettingsError
from coop import create_app
from coop.auth.login import CSRF_EXEMPT_ENDPOINTS
from tests.conftest import PASSWORD, Factory, login, make_settings
from tests.routes import Action, all_actions
from tests.world import ROLES, Shared, build_world, changed_tables, module_world_fixtures, snapshot

WRITES = [pytest.param(a, id=str(a)) for a in all_actions()
          if a.is_mutating and a.endpoint not in CSRF_EXEMPT_ENDPOINTS]
GETS = [pytest.param(a, id=str(a)) for a in all_actions() if a.method == "GET"]
FIXED = {"token": "no-such-token", "filename": "coop.css"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


shared, _empty_tables = module_world_fixtures("csrf")


@contextmanager
def csrf_on(app: Flask) -> Iterator[None]:
    """CSRF checks on for the block (the test app runs with them off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def assert_security_headers(response: TestResponse, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, f"{where}: CSP {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


@pytest.mark.parametrize("action", WRITES)
def test_write_without_csrf_token_is_refused_and_changes_nothing(action: Action, shared: Shared) -> None:
    client = shared.client("coordinator")
    url = action.url({**FIXED, **shared.world.own("coordinator")})
    before = snapshot(shared.app)
    with csrf_on(shared.app):
        if action.is_api:
            response = client.open(url, method=action.method, json={"name": "Changed"})
        else:
            response = client.open(url, method=action.method, data={"name": "Changed"})
    assert response.status_code == 400, f"{action}: {response.status_code}"
    if action.is_api:
        error = response.get_json()["error"]
        assert error["code"] == "csrf_failed" and error["message"] and error["fields"] == {}, error
    else:
        assert response.mimetype == "text/html"
    assert not changed_tables(before, snapshot(shared.app)), f"{action} without a token changed the database"


def _token(client: FlaskClient, url: str) -> str:
    match = TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"{url} renders no csrf_token"
    return match.group(1)


def test_writes_with_a_valid_token_work(app: Flask, make: Factory) -> None:
    world = build_world(make)
    client = login(app.test_client(), world.people["coordinator"])
    slug = world.coop_a.slug
    with csrf_on(app):
        token = _token(client, f"/c/{slug}/settings")
        form = {"name": "Renamed cooperative", "language": "fr", "timezone": "Europe/Brussels"}
        assert client.post(f"/c/{slug}/settings", data=form).status_code == 400
        assert client.post(f"/c/{slug}/settings", data={**form, "csrf_token": "forged"}).status_code == 400
        assert client.post(f"/c/{slug}/settings", data={**form, "csrf_token": token}).status_code == 302
        site = {"name": "Token site", "address": "Rue Neuve 5, 1000 Bruxelles", "capacity": 5, "beds": 1,
                "is_always_open": True}
        created = client.post(f"/api/v1/coops/{slug}/sites", json=site, headers={"X-CSRFToken": token})
        assert created.status_code == 201, created.get_data(as_text=True)
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/c/{slug}/settings").status_code == 302


@pytest.mark.parametrize("action", GETS)
def test_every_get_answer_carries_the_security_headers(action: Action, shared: Shared) -> None:
    role = next((r for r in ROLES if action.allows(r)), "coordinator")
    url = action.url({**FIXED, **shared.world.own(role)})
    for who, client in ((role, shared.client(role)), ("anonymous", shared.app.test_client())):
        with client.get(url) as response:
            assert_security_headers(response, f"GET {url} as {who} ({response.status_code})")


def test_error_answers_carry_the_security_headers(shared: Shared, monkeypatch: pytest.MonkeyPatch) -> None:
    world, app = shared.world, shared.app
    slug = world.coop_a.slug
    parent = shared.client("parent")
    answers = {
        "404 page": parent.get("/no/such/page"),
        "404 API": parent.get("/api/no/such/thing"),
        "403 page": parent.get(f"/c/{slug}/households"),
        "403 API": parent.get(f"/api/v1/coops/{slug}/households"),
        "404 other cooperative": parent.get(f"/c/{world.coop_b.slug}/"),
        "405": parent.delete(f"/api/v1/coops/{slug}/sites"),
        "401 API": app.test_client().get(f"/api/v1/coops/{slug}/sites"),
        "302 to login": app.test_client().get(f"/c/{slug}/"),
    }
    with csrf_on(app):
        answers["400 CSRF"] = parent.post("/language", data={"lang": "nl"})
    monkeypatch.setattr("coop.home.service.home_overview", _boom)
    answers["500"] = parent.get(f"/c/{slug}/")
    for name, response in answers.items():
        assert_security_headers(response, name)
    assert answers["500"].status_code == 500


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("simulated failure")


def test_production_session_cookie_is_secure_httponly_and_lax(app: Flask, database_url: str, make: Factory,
                                                              tmp_path: Path) -> None:
    person = make.person()
    production = create_app(make_settings(database_url, tmp_path, env="production", secret_key="s3cret-" * 8))
    try:
        client = production.test_client()
        https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
        page = client.get("/login", **https)
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        response = client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token},
                               **https)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-coop=")]
        assert cookies, response.headers.getlist("Set-Cookie")
        flags = {part.strip().lower() for part in cookies[-1].split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags, flags
        assert not any(flag.startswith("domain=") for flag in flags)
        assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", "")
    finally:
        production.extensions["coop.db"].dispose()


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        load_settings({"env": "production"}, environ={"COOP_INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(SettingsError):
        load_settings({"env": "production", "secret_key": "short"}, environ={"COOP_INSTANCE_PATH": str(tmp_path)})
    assert load_settings({"env": "production", "secret_key": "k" * 40},
                         environ={"COOP_INSTANCE_PATH": str(tmp_path)}).is_production
