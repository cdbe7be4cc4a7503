"""Structured logs: JSON lines with the URL rule, status and duration of each request, and no
personal data at all (no e-mail, name, address, token, query string, form value or IP)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from config import load_settings
from coop.bookings.feed import regenerate_token
from coop.logging import configure
from tests.conftest import PASSWORD, Factory, login

ROOT = Path(__file__).resolve().parent.parent
COOP = str(Path(sys.executable).with_name("coop"))
CLIENT_IP = "203.0.113.77"
KEYS = {"time", "level", "logger", "message", "process"}
REQUEST_KEYS = KEYS | {"request_id", "method", "path", "status", "duration_ms"}


@pytest.fixture
def json_log(tmp_path: Path) -> Iterator[io.StringIO]:
    """This process's logs as JSON lines into a buffer, as ``wsgi.py`` sets them up; the
    logging set-up is put back afterwards."""
    root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
    levels = root.level, werkzeug.level
    buffer = io.StringIO()
    handler = configure(load_settings({"log_format": "json"}, environ={"COOP_INSTANCE_PATH": str(tmp_path)}),
                        stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        werkzeug.setLevel(levels[1])


def entries(buffer: io.StringIO) -> list[dict]:
    """Every line must be one JSON object."""
    lines = buffer.getvalue().splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def request_entries(buffer: io.StringIO) -> list[dict]:
    found = [e for e in entries(buffer) if e["logger"] == "coop.requests"]
    for entry in found:
        assert set(entry) == REQUEST_KEYS, entry
    return found


def test_requests_full_of_personal_data_are_logged_without_any_of_it(app: Flask, make: Factory, db,
                                                                     json_log: io.StringIO) -> None:
    coop = make.coop()
    coordinator = make.person(coop, "coordinator", email="ada.lovelace@example.be")
    household = make.household(coop, name="Vandermeulen", address="Rue des Secrets 12, 1000 Bruxelles")
    feed_token = regenerate_token(db, coop_id=coop.id, household_id=household.id)
    db.commit()
    environ = {"REMOTE_ADDR": CLIENT_IP}
    anonymous = app.test_client()
    anonymous.post("/login", data={"email": "ada.lovelace@example.be", "password": "my wrong secret phrase"},
                   environ_base=environ)
    client = login(app.test_client(), coordinator)
    client.get(f"/c/{coop.slug}/households?q=ada.lovelace@example.be&phone=0470123456", environ_base=environ)
    client.post(f"/c/{coop.slug}/households/new", environ_base=environ,
                data={"name": "Oosterlinck", "address": "Avenue Discrète 3, 1030 Schaerbeek", "phone": "0499887766"})
    feed = anonymous.get(f"/c/{coop.slug}/bookings/feed/{feed_token}.ics", environ_base=environ)
    assert feed.status_code == 200
    anonymous.get("/no/such/page/ada.lovelace@example.be", environ_base=environ)

    text = json_log.getvalue()
    for secret in ("ada.lovelace", "example.be", "Lovelace", "my wrong secret", PASSWORD, "Vandermeulen",
                   "Oosterlinck", "Secrets", "Discrète", "0470123456", "0499887766", feed_token, CLIENT_IP,
                   "?q=", "phone="):
        assert secret not in text, f"{secret!r} is in the log:\n{text}"
    logged = {(e["method"], e["path"], e["status"]) for e in request_entries(json_log)}
    assert {("POST", "/login", 401), ("POST", "/login", 302), ("GET", "/c/<slug>/households", 200),
            ("POST", "/c/<slug>/households/new", 302), ("GET", "/c/<slug>/bookings/feed/<token>.ics", 200),
            ("GET", None, 404)} <= logged, logged


def test_each_request_line_has_an_id_a_duration_and_the_rule(app: Flask, make: Factory,
                                                            json_log: io.StringIO) -> None:
    coop = make.coop()
    parent = make.person(coop, "parent")
    client = login(app.test_client(), parent)
    answers = [client.get(f"/c/{coop.slug}/"), client.get(f"/api/v1/coops/{coop.slug}/households"),
               app.test_client().get(f"/api/v1/coops/{coop.slug}/sites")]
    found = request_entries(json_log)[-3:]
    assert [(e["path"], e["status"]) for e in found] == [
        ("/c/<slug>/", 200), ("/api/v1/coops/<slug>/households", 403), ("/api/v1/coops/<slug>/sites", 401)]
    for entry, answer in zip(found, answers, strict=True):
        assert entry["request_id"] == answer.headers["X-Request-ID"]
        assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
        assert entry["level"] == "INFO" and entry["process"] == os.getpid()
        assert entry["time"].endswith("+00:00")
    assert len({e["request_id"] for e in found}) == 3


def test_a_proxy_request_id_is_kept_and_any_other_client_text_replaced(app: Flask, json_log: io.StringIO) -> None:
    client = app.test_client()
    kept = client.get("/login", headers={"X-Request-ID": "3f2a9c0d4b5e6f7a8b9c0d1e2f3a4b5c"})
    assert kept.headers["X-Request-ID"] == "3f2a9c0d4b5e6f7a8b9c0d1e2f3a4b5c"
    replaced = client.get("/login", headers={"X-Request-ID": "ada.lovelace@example.be"})
    assert replaced.headers["X-Request-ID"] != "ada.lovelace@example.be"
    assert client.open("/login", method="LOVELACE").status_code == 405
    assert "ada.lovelace" not in json_log.getvalue() and "LOVELACE" not in json_log.getvalue()
    assert request_entries(json_log)[-1]["method"] == "OTHER"


def test_a_server_error_is_logged_with_its_type_and_frames_but_not_its_message(
        app: Flask, make: Factory, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    coop = make.coop()
    client = login(app.test_client(), make.person(coop, "coordinator"))

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("duplicate key (email)=(ada.lovelace@example.be)")

    monkeypatch.setattr("coop.home.service.home_overview", fail)
    answer = client.get(f"/c/{coop.slug}/")
    assert answer.status_code == 500
    assert "ada.lovelace" not in json_log.getvalue()
    error = next(e for e in entries(json_log) if "exception" in e)
    assert error["level"] == "ERROR" and error["exception"]["type"] == "RuntimeError"
    assert any("in fail" in frame for frame in error["exception"]["frames"])
    assert error["request_id"] == answer.headers["X-Request-ID"] and error["path"] == "/c/<slug>/"
    request_line = request_entries(json_log)[-1]
    assert (request_line["status"], request_line["level"]) == (500, "ERROR")


def test_json_is_the_default_in_production_and_text_elsewhere(tmp_path: Path) -> None:
    environ = {"COOP_INSTANCE_PATH": str(tmp_path)}
    production = {"env": "production", "secret_key": "k" * 40}
    assert load_settings(production, environ=environ).resolved_log_format == "json"
    assert load_settings(None, environ=environ).resolved_log_format == "text"
    assert load_settings(production, environ={**environ, "COOP_LOG_FORMAT": "text"}).resolved_log_format == "text"
    assert load_settings(None, environ={**environ, "COOP_LOG_FORMAT": "json"}).resolved_log_format == "json"
    with pytest.raises(ValueError, match="COOP_LOG_FORMAT"):
        load_settings(None, environ={**environ, "COOP_LOG_FORMAT": "yaml"})


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    return {**keep, "COOP_INSTANCE_PATH": str(tmp_path), "COOP_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
            **extra}


def test_the_gunicorn_entry_point_logs_json_lines_in_production(tmp_path: Path) -> None:
    env = _env(tmp_path, COOP_ENV="production", COOP_SECRET_KEY="p" * 40)
    script = ("import wsgi; wsgi.app.test_client().get('/login?email=ada.lovelace@example.be', "
              "base_url='https://localhost')")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert [(e["logger"], e["path"], e["status"]) for e in lines] == [("coop.requests", "/login", 200)]
    assert "ada.lovelace" not in run.stderr


def test_the_coop_command_logs_its_jobs_as_json_lines(tmp_path: Path) -> None:
    env = _env(tmp_path, COOP_ENV="testing", COOP_LOG_FORMAT="json")
    assert subprocess.run([COOP, "init"], env=env, capture_output=True, timeout=120).returncode == 0
    run = subprocess.run([COOP, "cheques", "expire"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert any(e["logger"] == "coop.jobs" and e["message"] == "expired 0 cheques" and KEYS <= set(e)
               for e in lines), lines
