"""One active scheduler: a second `coop scheduler` waits, and takes over when the first dies;
a monthly job run twice at the same moment still happens once. Real processes, bounded waits."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from coop import create_app
from coop.cheques.models import ChequeLot
from coop.credits.models import CreditTransaction
from coop.db import make_engine
from coop.scheduling import AdvisoryLock, FileLock, run_as_singleton
from coop.schema import upgrade
from tests.conftest import Factory, make_settings

ROOT = Path(__file__).resolve().parents[1]
COOP = str(Path(sys.executable).parent / "coop")
HOUSEHOLDS = 6
WAIT = 20.0


def test_a_file_lock_has_one_holder_until_released(tmp_path):
    path = tmp_path / "coop.sqlite3.scheduler.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.try_acquire() and first.is_held()
    assert not second.try_acquire() and not second.is_held()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


@pytest.mark.postgres_only
def test_an_advisory_lock_is_freed_when_its_connection_dies(pg_url_factory):
    url = pg_url_factory()
    engines = [make_engine(url), make_engine(url)]
    first, second = AdvisoryLock(engines[0]), AdvisoryLock(engines[1])
    try:
        assert first.try_acquire() and first.is_held()
        assert not second.try_acquire()
        pid = first.connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with engines[1].connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not first.is_held()
        assert second.try_acquire() and second.is_held()
    finally:
        first.release()
        second.release()
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres_only
def test_a_scheduler_that_loses_its_connection_stops_its_jobs_and_competes_again(pg_url_factory):
    url = pg_url_factory()
    engine, admin_engine = make_engine(url), make_engine(url)
    lock = AdvisoryLock(engine)
    states: list[str] = []
    running: list[bool] = []
    stop = threading.Event()

    def start():
        running.append(True)
        return lambda: running.append(False)

    loop = threading.Thread(target=run_as_singleton, kwargs={
        "lock": lock, "start": start, "stop": stop, "retry_seconds": 0.1, "on_state": states.append})
    loop.start()
    try:
        assert wait_until(lambda: states == ["active"], timeout=5)
        pid = lock.connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # The jobs stop with the connection, then the lock is taken again on a new one.
        assert wait_until(lambda: states[:2] == ["active", "lost"] and states[-1] == "active", timeout=5), states
        assert running[:2] == [True, False]
        assert wait_until(lambda: running == [True, False, True], timeout=5), running
    finally:
        stop.set()
        loop.join(timeout=10)
        engine.dispose()
        admin_engine.dispose()
    assert not loop.is_alive() and running == [True, False, True, False]


class Process:
    """A `coop` subprocess whose output lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen([COOP, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        with self.popen.stdout:
            for line in self.popen.stdout:
                self.lines.append(line)

    def saw(self, fragment: str) -> bool:
        return any(fragment in line for line in list(self.lines))

    def wait_for(self, fragment: str, timeout: float = WAIT) -> bool:
        deadline = time.monotonic() + timeout
        while not self.saw(fragment):
            if time.monotonic() > deadline or self.popen.poll() is not None:
                return self.saw(fragment)
            time.sleep(0.1)
        return True

    def wait(self) -> int:
        code = self.popen.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        return code

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.wait()
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.wait()


@contextmanager
def seeded(url: str, tmp_path: Path) -> Iterator[tuple[Session, dict[str, str]]]:
    """A migrated database with a cooperative whose households each pledge two hours a month,
    and the environment a `coop` process needs to use it."""
    upgrade(url)
    app = create_app(make_settings(url, tmp_path))
    session = app.extensions["coop.db"].session()
    try:
        make = Factory(session)
        coop = make.coop()
        for _ in range(HOUSEHOLDS):
            make.household(coop, pledge_minutes=120)
        env = {"COOP_ENV": "testing", "COOP_DATABASE_URL": url, "COOP_SECRET_KEY": "scheduler-" + "k" * 32,
               "COOP_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
        yield session, env
    finally:
        session.close()
        app.extensions["coop.db"].dispose()


def counts(session: Session) -> tuple[int, int]:
    """(pledge-due postings, cheque lots) in the database now."""
    session.rollback()
    due = session.exec(select(func.count()).select_from(CreditTransaction)
                       .where(CreditTransaction.kind == "pledge_due")).one()
    return due, session.exec(select(func.count()).select_from(ChequeLot)).one()


def wait_until(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


ACTIVE = "Scheduler active"
WAITING = "waiting to take over"
# What the daily ledger job logs as it starts its work (posting pledges) and as it ends
# (expiring cheques).
JOB_RUN = "pledges due for"
JOB_DONE = "expired "


@pytest.mark.postgres_only
def test_a_second_scheduler_waits_and_takes_over_when_the_first_dies(pg_url_factory, tmp_path):
    with seeded(pg_url_factory(), tmp_path) as (session, env):
        args = ["scheduler", "--retry-seconds", "0.5"]
        first = Process(args, env)
        assert first.wait_for(ACTIVE), "".join(first.lines)
        second = Process(args, env)
        try:
            assert second.wait_for(WAITING), "".join(second.lines)
            # The active one runs the monthly tick at start (catch-up): every household once.
            assert wait_until(lambda: counts(session) == (HOUSEHOLDS, HOUSEHOLDS)), counts(session)
            time.sleep(1.5)  # three retry periods: the waiting one must still be idle
            assert not second.saw(ACTIVE) and not second.saw(JOB_RUN), "".join(second.lines)
            assert first.saw(JOB_DONE)

            killed_at = time.monotonic()
            first.stop(signal.SIGKILL)
            assert second.wait_for(ACTIVE, timeout=10), "".join(second.lines)
            took_over = time.monotonic() - killed_at
            assert second.wait_for(JOB_DONE), "".join(second.lines)
            # The new active scheduler ran the same tick again: nothing is posted twice.
            assert counts(session) == (HOUSEHOLDS, HOUSEHOLDS)
            print(f"\ntook over {took_over:.1f} s after the first scheduler was killed")
            assert second.stop() == 0
        finally:
            for process in (first, second):
                process.stop(signal.SIGKILL)


@pytest.mark.postgres_only
def test_the_monthly_job_run_by_two_processes_at_once_happens_once(pg_url_factory, tmp_path):
    with seeded(pg_url_factory(), tmp_path) as (session, env):
        args = ["cheques", "allocate", "--with-pledges"]
        runs = [Process(args, env) for _ in range(2)]
        codes = [run.wait() for run in runs]
        assert codes == [0, 0], ["".join(run.lines) for run in runs]
        assert counts(session) == (HOUSEHOLDS, HOUSEHOLDS)
        # Between them they made each posting and each lot exactly once.
        made = [int(line.rsplit(":", 1)[1]) for run in runs for line in run.lines
                if line.startswith(("Pledges due posted:", "Lots allocated"))]
        assert sum(made) == 2 * HOUSEHOLDS
