"""Engine and session handling, shared by views, CLI and jobs.

Services flush, the boundary commits: a request gets one lazily opened session (closed on
teardown) and a view commits once; CLI commands and jobs use :func:`session_scope`.

On SQLite we take the write lock up front (``BEGIN IMMEDIATE``) for any session that may
write, so that a check-then-insert (capacity, ledgers) cannot interleave with another
writer; read-only sessions use a deferred ``BEGIN`` and never block writers in WAL mode.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from werkzeug.routing import IntegerConverter

log = logging.getLogger("coop.db")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes, bounded to what an INTEGER id column holds: a longer number
    in a URL is simply not found, instead of an overflow inside the database driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def insert_unique(session: Session, row: Any, error: Exception) -> None:
    """Add and flush ``row`` in a savepoint; if a unique constraint refuses it, raise ``error``.

    Services check for duplicates first, which is enough on SQLite (one writer at a time) but
    not on PostgreSQL, where two simultaneous requests can both pass the check: the second
    insert then waits for the first to commit and hits the constraint. Turning that into the
    same domain error the check gives keeps the answer a clear 4xx instead of a 500.
    """
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise error from exc


def make_engine(url: str, *, busy_timeout_ms: int = 15000) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            hide_parameters=True,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Bound values are personal data (addresses, names): never put them in error messages or logs.
    # No pre-ping (a round trip on every request): a connection found dead when used makes
    # SQLAlchemy discard the whole pool, that request answers 503 and the next one reconnects;
    # connections older than half an hour are replaced, before an idle link is cut.
    return create_engine(url, hide_parameters=True, pool_recycle=1800)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would otherwise issue its own BEGIN at the wrong moment.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and the two session factories (read and write) of one app."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 15000) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False)
        self._write = sessionmaker(bind=write_bind, class_=Session, expire_on_commit=False)

    def session(self, *, write: bool = True) -> Session:
        """A new session; ``write=False`` for read-only work."""
        return (self._write if write else self._read)()

    @contextmanager
    def scope(self, *, write: bool = True) -> Iterator[Session]:
        """A session committed on success, rolled back on error, always closed."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, database: Database) -> None:
    """Attach the database to the app and close the request session on teardown."""
    app.extensions["coop.db"] = database

    @app.teardown_appcontext
    def close_session(exc: BaseException | None) -> None:
        session = g.pop("coop_session", None)
        if session is None:
            return
        try:
            if exc is not None:
                session.rollback()
            session.close()
        except DBAPIError:
            # The answer is already made; the connection died under it (a restart, a
            # fail-over). Raising here would replace that answer by a bare server error, so
            # drop the connection (the pool will not hand it out again) and carry on.
            log.warning("database connection lost while closing the request's session")
            session.invalidate()


def get_db() -> Database:
    return current_app.extensions["coop.db"]


def get_session() -> Session:
    """The request's session, opened on first use (write lock only for unsafe methods)."""
    if "coop_session" not in g:
        write = True
        try:
            write = request.method not in SAFE_METHODS
        except RuntimeError:
            pass
        g.coop_session = get_db().session(write=write)
    return g.coop_session


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """A session for CLI commands and jobs: one commit at the end, rollback on error."""
    with get_db().scope(write=write) as session:
        yield session
