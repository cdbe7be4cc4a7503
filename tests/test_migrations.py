"""Alembic is the only way the schema is made: upgrading an empty database gives exactly the
models' schema (autogenerate finds no difference), on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from coop.db import make_engine
from coop.models import metadata
from coop.schema import upgrade


def _assert_matches_models(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_sqlite_upgrade_matches_models(tmp_path: Path):
    _assert_matches_models(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.mark.postgres_only
def test_postgresql_upgrade_matches_models(pg_url_factory):
    _assert_matches_models(pg_url_factory())


def test_upgrade_twice_is_harmless(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'twice.sqlite3'}"
    upgrade(url)
    upgrade(url)
    _assert_matches_models(url)
