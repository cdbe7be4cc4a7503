"""Settings: defaults, environment, instance file, and refusal of unsafe production set-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import DEFAULT_SECRET_KEY, SettingsError, load_settings


def test_defaults_use_embedded_sqlite_under_the_instance_folder(tmp_path: Path):
    settings = load_settings(environ={"COOP_INSTANCE_PATH": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'coop.sqlite3'}"
    assert settings.timezone == "Europe/Brussels"
    assert settings.env == "development"


def test_environment_overrides_instance_file(tmp_path: Path):
    (tmp_path / "coop.toml").write_text('database_url = "sqlite:///from-file.db"\nlogin_window_minutes = 5\n')
    settings = load_settings(environ={"COOP_INSTANCE_PATH": str(tmp_path),
                                      "COOP_DATABASE_URL": "postgresql://db/coop"})
    assert settings.database_url == "postgresql://db/coop"
    assert settings.login_window_minutes == 5


def test_production_refuses_the_default_secret(tmp_path: Path):
    with pytest.raises(SettingsError, match="COOP_SECRET_KEY"):
        load_settings(environ={"COOP_INSTANCE_PATH": str(tmp_path), "COOP_ENV": "production"})
    with pytest.raises(SettingsError):
        load_settings({"env": "production", "secret_key": "short"}, environ={})
    ok = load_settings({"env": "production", "secret_key": "k" * 40}, environ={})
    assert ok.is_production and ok.secret_key != DEFAULT_SECRET_KEY


def test_unknown_settings_and_env_values_are_refused():
    with pytest.raises(SettingsError, match="Unknown"):
        load_settings({"no_such_setting": 1}, environ={})
    with pytest.raises(SettingsError):
        load_settings(environ={"COOP_ENV": "staging"})


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("COOP_SOLVE_STALE_SECONDS", "0", "COOP_SOLVE_STALE_SECONDS"),
    ("COOP_RETENTION_AUDIT_LOG_DAYS", "-1", "Retention periods"),
    ("COOP_LOG_FORMAT", "xml", "COOP_LOG_FORMAT")])
def test_out_of_range_operational_settings_are_refused(variable: str, value: str, message: str):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={variable: value})


def test_typed_values_from_the_environment():
    settings = load_settings(environ={"COOP_RUN_SCHEDULER": "false", "COOP_LOGIN_MAX_FAILURES_PER_IP": "7",
                                      "COOP_LANGUAGES": "fr, nl"})
    assert settings.run_scheduler is False
    assert settings.login_max_failures_per_ip == 7
    assert settings.languages == ("fr", "nl")


def test_trusted_proxy_gives_the_client_address_to_the_rate_limit(tmp_path: Path):
    from coop import create_app

    app = create_app({"env": "testing", "instance_path": tmp_path, "trusted_proxies": 1,
                      "database_url": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen["ip"] = request.remote_addr
        return ""

    probe.access = "public"
    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["ip"] == "203.0.113.9"
