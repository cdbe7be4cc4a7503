"""A throw-away PostgreSQL database for one benchmark run, so runs never collide."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


@contextmanager
def throwaway_database(server: str, prefix: str = "coop_bench") -> Iterator[tuple[str, str]]:
    """Create an empty database on ``server`` (any of its databases' URL) and drop it after.

    Yields its name and its SQLAlchemy URL (``postgresql+psycopg://``); the database is
    dropped even while a gunicorn started on it still holds connections.
    """
    admin = server.replace("postgresql+psycopg://", "postgresql://")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, "postgresql+psycopg://" + admin.removeprefix("postgresql://").rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
