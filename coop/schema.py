"""Schema changes go through Alembic only: `coop init` upgrades to head."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from config.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this project pointed at ``database_url``."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (creating it on SQLite)."""
    command.upgrade(alembic_config(database_url), revision)
