"""One active scheduler at a time: the right to run the scheduled jobs is a lock.

On PostgreSQL it is a session-level advisory lock held on a dedicated connection: the server
releases it when that connection closes, so when the active scheduler dies (even killed
with SIGKILL, or its host lost) a waiting one takes over. On SQLite, which lives on one
host, it is an exclusive ``flock`` on a file next to the database, which the kernel releases
when the process ends. The jobs stay idempotent anyway: the lock saves work and noise, the
unique keys of the ledgers keep them right.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from coop.db import Database

log = logging.getLogger("coop.scheduling")
# A fixed 63-bit key, the same for every process of every deployment on one database.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"cooparentive.scheduler").digest()[:8], "big") >> 1


class SchedulerLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""

    def is_held(self) -> bool:
        """Whether this process still holds the lock (False once its connection is gone)."""

    def release(self) -> None: ...


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a connection kept open (in autocommit) while held."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.key = key
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self.connection is not None:
            return self.is_held()
        connection = self.engine.connect()
        try:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except DBAPIError:
            connection.invalidate()
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self.connection = connection
        return True

    def is_held(self) -> bool:
        if self.connection is None:
            return False
        try:
            # A session-level advisory lock lasts as long as its connection: alive means held.
            self.connection.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except DBAPIError:
            pass  # the connection is gone, and the lock with it
        self._drop()

    def _drop(self) -> None:
        assert self.connection is not None
        # Never return this connection to the pool: closing it for good is what frees the lock.
        self.connection.invalidate()
        self.connection.close()
        self.connection = None


class FileLock:
    """An exclusive ``flock`` on ``path`` (SQLite: one host, so a file lock is enough)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self.file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self.file = file
        return True

    def is_held(self) -> bool:
        return self.file is not None

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None


def scheduler_lock(database: Database, instance_path: Path) -> SchedulerLock:
    """The lock that fits the database: advisory on PostgreSQL, a file beside SQLite's file."""
    if not database.is_sqlite:
        return AdvisoryLock(database.engine)
    name = database.engine.url.database
    if name and name != ":memory:":
        return FileLock(Path(name).resolve().with_name(Path(name).name + ".scheduler.lock"))
    return FileLock(instance_path / "scheduler.lock")


def run_as_singleton(lock: SchedulerLock, *, start: Callable[[], Callable[[], None]], stop: threading.Event,
                     retry_seconds: float, on_state: Callable[[str], None]) -> None:
    """Wait for the lock, then ``start()`` the jobs (it returns the function that stops
    them); should the lock be lost, stop them and wait again. Returns once ``stop`` is set."""
    state = ""

    def tell(new_state: str) -> None:
        nonlocal state
        if new_state != state:
            state = new_state
            on_state(new_state)

    while not stop.is_set():
        try:
            acquired = lock.try_acquire()
        except DBAPIError:
            log.warning("database unreachable while waiting for the scheduler lock")
            acquired = False
        if not acquired:
            tell("waiting")
            stop.wait(retry_seconds)
            continue
        tell("active")
        shutdown = start()
        try:
            while not stop.wait(retry_seconds):
                if not lock.is_held():
                    tell("lost")
                    break
        finally:
            shutdown()
            lock.release()
