"""The database layer: SQLite pragmas and write locking, session per request and scope."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from coop.db import Database, get_session
from coop.models import metadata


@pytest.fixture
def sqlite_db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'locks.sqlite3'}", busy_timeout_ms=5000)
    metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(sqlite_db: Database):
    with sqlite_db.scope(write=False) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_sqlite_write_sessions_take_the_write_lock_at_begin(sqlite_db: Database):
    """A second writer waits for the first (BEGIN IMMEDIATE), so a read-check-insert made
    inside one write transaction cannot interleave with another's."""
    order: list[str] = []
    first_has_lock = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        with sqlite_db.scope() as session:
            session.execute(text("SELECT 1"))
            order.append("first locked")
            first_has_lock.set()
            release_first.wait(5)
            order.append("first done")

    def second() -> None:
        first_has_lock.wait(5)
        with sqlite_db.scope() as session:
            session.execute(text("SELECT 1"))
            order.append("second locked")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_has_lock.wait(5)
    threading.Event().wait(0.3)
    release_first.set()
    for t in threads:
        t.join(10)
    assert order == ["first locked", "first done", "second locked"]


def test_sqlite_read_sessions_do_not_block_behind_a_writer(sqlite_db: Database):
    with sqlite_db.scope() as writer:
        writer.execute(text("SELECT 1"))
        with sqlite_db.scope(write=False) as reader:
            assert reader.execute(text("SELECT count(*) FROM person")).scalar() == 0


def test_scope_rolls_back_on_error(app):
    from coop.cooperatives.models import Cooperative

    database = app.extensions["coop.db"]
    with pytest.raises(RuntimeError), database.scope() as session:
        session.add(Cooperative(slug="rolled-back", name="Rolled back"))
        session.flush()
        raise RuntimeError("boom")
    with database.scope(write=False) as session:
        assert session.exec(select(Cooperative).where(Cooperative.slug == "rolled-back")).first() is None


def test_health_endpoint_checks_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.postgres_only
@pytest.mark.parametrize("failed", [False, True], ids=["answered", "failed"])
def test_a_connection_cut_at_the_end_of_a_request_is_dropped_quietly(app, failed):
    """The database may go away after the answer is made (a restart, a fail-over). Closing
    the request's session then fails; that must not turn the answer into a bare server
    error, and the pool must not hand the dead connection to the next request."""
    database = app.extensions["coop.db"]
    context = app.test_request_context("/", method="POST")
    context.push()
    session = get_session()
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    with database.scope() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    context.pop(RuntimeError("the view failed") if failed else None)
    with database.scope(write=False) as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
