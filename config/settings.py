"""One typed settings object, read from ``COOP_*`` environment variables and an optional
instance file (``instance/coop.toml``). Nothing else in the code base reads ``os.environ``."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """Settings that must not be used, e.g. the default secret key in production."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. ``env`` is development, testing or production."""

    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    default_language: str = "fr"
    languages: tuple[str, ...] = ("fr", "nl", "en")
    timezone: str = "Europe/Brussels"
    mail_server: str = ""
    mail_port: int = 25
    mail_sender: str = "noreply@cooparentive.local"
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_window_minutes: int = 15
    # A login (browser session or API token) ends this many days after it began.
    session_max_days: int = 30
    invitation_valid_days: int = 14
    password_reset_valid_minutes: int = 60
    sqlite_busy_timeout_ms: int = 15000
    run_scheduler: bool = True
    trusted_proxies: int = 0
    log_format: str = ""  # json or text; unset: json in production
    # A solve run whose worker has not beaten for this long is requeued for another worker.
    solve_stale_seconds: int = 120
    # Retention periods in days (0: keep forever), applied daily by the retention job.
    retention_cancelled_bookings_days: int = 365
    retention_audit_log_days: int = 730
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_log_format(self) -> str:
        """``json`` or ``text``; unset means JSON lines in production, text elsewhere."""
        return self.log_format or ("json" if self.is_production else "text")

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'coop.sqlite3'}"

    def check(self) -> Settings:
        """Refuse settings that would be unsafe in production."""
        if self.env not in {"development", "testing", "production"}:
            raise SettingsError(f"COOP_ENV must be development, testing or production, not {self.env!r}")
        if self.is_production and (self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32):
            raise SettingsError("Production needs COOP_SECRET_KEY: a random string of 32+ characters.")
        if self.retention_cancelled_bookings_days < 0 or self.retention_audit_log_days < 0:
            raise SettingsError("Retention periods are numbers of days, 0 (keep forever) or more.")
        if self.session_max_days < 1:
            raise SettingsError("COOP_SESSION_MAX_DAYS must be a number of days, 1 or more.")
        if self.solve_stale_seconds < 1:
            raise SettingsError("COOP_SOLVE_STALE_SECONDS must be a number of seconds, 1 or more.")
        if self.log_format not in {"", "json", "text"}:
            raise SettingsError(f"COOP_LOG_FORMAT must be json or text, not {self.log_format!r}")
        if self.default_language not in self.languages:
            raise SettingsError(f"default_language {self.default_language!r} is not one of {self.languages}")
        return self


def _coerce(value: str, target: Any) -> Any:
    if isinstance(target, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(target, int):
        return int(value)
    if isinstance(target, Path):
        return Path(value)
    if isinstance(target, tuple):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Build settings: defaults < instance file < ``COOP_*`` environment < ``overrides``."""
    env = dict(os.environ if environ is None else environ)
    defaults = Settings()
    values: dict[str, Any] = {}
    instance_path = Path(env.get("COOP_INSTANCE_PATH", defaults.instance_path))
    values["instance_path"] = instance_path
    instance_file = instance_path / "coop.toml"
    if instance_file.exists():
        values.update(tomllib.loads(instance_file.read_text(encoding="utf-8")))
    for f in fields(Settings):
        key = f"COOP_{f.name.upper()}"
        if key in env and f.name != "extra":
            values[f.name] = _coerce(env[key], getattr(defaults, f.name))
    values.update(overrides or {})
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"Unknown settings: {', '.join(sorted(unknown))}")
    if isinstance(values.get("instance_path"), str):
        values["instance_path"] = Path(values["instance_path"])
    if isinstance(values.get("languages"), list):
        values["languages"] = tuple(values["languages"])
    return dataclasses.replace(defaults, **values).check()
