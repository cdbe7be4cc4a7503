"""Backup and restore round trip, on SQLite and PostgreSQL: the demo cooperatives with a month
of ledger activity are backed up while another thread keeps posting payments, restored into
a fresh database, and compared: row counts, ledger invariants, cheque balances and the
monthly statements. The writes are a numbered series on one household, so the restored
database must hold exactly a prefix of them (a consistent snapshot), and fewer than the
source holds at the end (the writes went on after the backup was taken)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from coop import create_app
from coop.backup import BackupError, backup_database, file_kind, restore_database
from coop.cheques import service as cheques_service
from coop.cheques.models import ChequeCard, ChequeLot, ChequeMovement, ChequeService, Provider
from coop.cheques.service import RedemptionInput, redeem
from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.credits import service as credits_service
from coop.credits.models import CreditEntry, CreditTransaction
from coop.credits.pledges import post_pledges_due
from coop.db import Database
from coop.demo import load_demo
from coop.members.models import Household
from coop.models import metadata
from coop.statements.documents import statement_lines, statements_csv
from coop.statements.service import monthly_rows
from tests.conftest import Factory, make_settings

WRITER_KEY = "backup-writer-"
MAX_WRITES = 2000
PAYMENT_CENTS = 1500  # one hour at the default rate


def _activity(session: Session, today: date) -> None:
    """A month of ledger activity on top of the demo: pledges due, hours, payments, cheques used."""
    coops = session.exec(select(Cooperative).order_by(col(Cooperative.id))).all()
    for coop in coops:
        post_pledges_due(session, coop_id=coop.id, period=today.replace(day=1))
    marolles = coops[0]
    households = session.exec(select(Household).where(Household.coop_id == marolles.id)
                              .order_by(col(Household.id))).all()
    provider = session.exec(select(Provider).where(Provider.coop_id == marolles.id)).one()
    cheque_service = session.exec(select(ChequeService).where(ChequeService.coop_id == marolles.id)
                                  .order_by(col(ChequeService.id))).first()
    for i, household in enumerate(households[:24]):
        credits_service.post_hours_worked(session, household_id=household.id, minutes=180,
                                          night_minutes=120 if i % 3 == 0 else 0, key=f"work-{household.id}",
                                          on_date=today)
        if i % 2:
            credits_service.record_payment(session, coop_id=marolles.id, household_id=household.id, cents=2250,
                                           on_date=today, key=f"pay-{household.id}", actor_id=None)
        if i < 12:
            card = session.get(ChequeCard, household.id)
            redeem(session, coop_id=marolles.id, provider_id=provider.id, actor_id=None, today=today,
                   data=RedemptionInput(household_code=card.code, service_id=cheque_service.id, cheques=1 + i % 3,
                                        used_on=today, idempotency_key=f"use-{household.id}"))


class Writer(threading.Thread):
    """Posts numbered payments on one household, one transaction each, until stopped."""

    def __init__(self, database: Database, coop_id: int, household_id: int) -> None:
        super().__init__(daemon=True)
        self.database, self.coop_id, self.household_id = database, coop_id, household_id
        self.done = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set() and self.done < MAX_WRITES:
                with self.database.scope() as session:
                    credits_service.record_payment(session, coop_id=self.coop_id, household_id=self.household_id,
                                                   cents=PAYMENT_CENTS, on_date=local_today(),
                                                   key=f"{WRITER_KEY}{self.done}", actor_id=None)
                self.done += 1
        except BaseException as exc:  # reported by the test thread
            self.error = exc

    def wait_for(self, count: int, timeout: float = 20) -> None:
        for _ in range(int(timeout * 100)):
            if self.done >= count or self.error or not self.is_alive():
                break
            threading.Event().wait(0.01)
        assert self.error is None, self.error
        assert self.done >= count, f"the writer made only {self.done} writes"


def _counts(session: Session) -> dict[str, int]:
    return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables}


def _statements(app: Flask, session: Session, month: date, skip: int) -> dict[int, str]:
    """Every household's statement as its rendered lines, plus each cooperative's CSV."""
    out: dict[int, str] = {}
    with app.test_request_context():
        for coop_id in session.exec(select(Cooperative.id).order_by(col(Cooperative.id))).all():
            rows = [row for row in monthly_rows(session, coop_id=coop_id, month=month) if row.household_id != skip]
            out[-coop_id] = statements_csv(rows)
            for row in rows:
                out[row.household_id] = repr((row.household_name, statement_lines(row)))
    return out


def _cheque_state(session: Session) -> dict[int, int]:
    """Every household's cheque balance, checking each lot's remainder stays within [0, allocated]."""
    used = dict(session.exec(select(ChequeMovement.lot_id, func.sum(ChequeMovement.cheques))
                             .group_by(col(ChequeMovement.lot_id))).all())
    for lot in session.exec(select(ChequeLot)).all():
        assert 0 <= lot.allocated + int(used.get(lot.id, 0)) <= lot.allocated, lot
    out: dict[int, int] = {}
    for coop_id in session.exec(select(Cooperative.id)).all():
        out.update(cheques_service.balances(session, coop_id=coop_id))
    return out


def _balances(session: Session) -> dict[int, int]:
    out: dict[int, int] = {}
    for coop_id in session.exec(select(Cooperative.id)).all():
        out.update(credits_service.balances(session, coop_id=coop_id))
    return out


def _writer_keys(session: Session) -> list[str]:
    return list(session.exec(select(CreditTransaction.key)
                             .where(col(CreditTransaction.key).startswith(WRITER_KEY))).all())


def _fresh_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'coop.sqlite3'}"
    factory: Callable[[], str] = request.getfixturevalue("pg_url_factory")
    return factory()


def test_backup_taken_during_writes_restores_an_identical_consistent_database(
        app: Flask, database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    source = app.extensions["coop.db"]
    today = local_today()
    with source.scope() as session:
        load_demo(session)
        _activity(session, today)
    with source.scope(write=False) as session:
        writer_household = session.exec(select(Household).order_by(col(Household.id).desc())).first()
        base_counts = _counts(session)
        base_balances = _balances(session)

    writer = Writer(source, writer_household.coop_id, writer_household.id)
    writer.start()
    try:
        writer.wait_for(5)
        before = writer.done
        backup = backup_database(database_url, tmp_path / "backups")
        writer.wait_for(writer.done + 5)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert backup.name.startswith(f"coop-{'sqlite' if database_url.startswith('sqlite') else 'postgresql'}-")
    assert not list(backup.parent.glob("*.partial"))

    restored_url = _fresh_url(database_url, tmp_path, request)
    restore_database(restored_url, backup)
    restored = Database(restored_url)
    try:
        with source.scope(write=False) as src, restored.scope(write=False) as dst:
            keys = _writer_keys(dst)
            k = len(keys)
            assert before <= k < writer.done, "the backup is not a snapshot taken during the writes"
            assert sorted(keys) == sorted(f"{WRITER_KEY}{i}" for i in range(k)), "not a prefix of the writes"

            counts, expected = _counts(dst), _counts(src)
            expected["credit_transaction"] = base_counts["credit_transaction"] + k
            expected["credit_entry"] = base_counts["credit_entry"] + 2 * k
            assert counts == expected
            assert counts["household"] == 52 and counts["booking"] > 100 and counts["cheque_movement"] >= 12

            unbalanced = dst.exec(select(CreditEntry.transaction_id).group_by(col(CreditEntry.transaction_id))
                                  .having(func.sum(CreditEntry.minutes) != 0)).all()
            assert unbalanced == []
            assert dst.exec(select(func.count()).select_from(CreditTransaction)
                            .where(~col(CreditTransaction.id).in_(select(CreditEntry.transaction_id)))).one() == 0

            balances = _balances(dst)
            assert balances.pop(writer_household.id) == base_balances.pop(writer_household.id) + 60 * k
            assert balances == base_balances

            assert _cheque_state(dst) == _cheque_state(src)
            month = today.replace(day=1)
            assert _statements(app, dst, month, writer_household.id) == \
                _statements(app, src, month, writer_household.id)
    finally:
        restored.dispose()


def test_restore_refuses_a_backup_of_the_other_kind_or_a_foreign_file(database_url: str, tmp_path: Path) -> None:
    other = tmp_path / "other.bin"
    if database_url.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "is a PostgreSQL backup but the configured database is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
        expected = "is a SQLite backup but the configured database is PostgreSQL"
    with pytest.raises(BackupError, match=expected):
        restore_database(database_url, other)
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    assert file_kind(junk) is None
    with pytest.raises(BackupError, match="is not a backup made by `coop backup`"):
        restore_database(database_url, junk)
    with pytest.raises(BackupError, match="does not exist"):
        restore_database(database_url, tmp_path / "missing.sqlite3")


def test_restore_refuses_a_sqlite_file_of_another_application(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite3"
    other_app = Database(f"sqlite:///{foreign}")
    with other_app.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    other_app.dispose()
    target = tmp_path / "target.sqlite3"
    with pytest.raises(BackupError, match="not a Cooparentive one"):
        restore_database(f"sqlite:///{target}", foreign)
    assert not target.exists()


def test_the_backup_and_restore_commands(app: Flask, database_url: str, make: Factory, tmp_path: Path,
                                         request: pytest.FixtureRequest) -> None:
    coop = make.coop()
    make.child(make.household(coop, name="Famille Dupont"))
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [backup] = (tmp_path / "out").iterdir()
    assert f"Backup written: {backup}" in result.output

    target = create_app(make_settings(_fresh_url(database_url, tmp_path, request), tmp_path / "instance"))
    runner = target.test_cli_runner()
    try:
        declined = runner.invoke(args=["restore", str(backup)], input="n\n")
        assert declined.exit_code == 1 and "Aborted" in declined.output
        restored = runner.invoke(args=["restore", "--yes", str(backup)])
        assert restored.exit_code == 0, restored.output
        with target.extensions["coop.db"].scope(write=False) as session:
            assert session.exec(select(Household.name)).all() == ["Famille Dupont"]
        wrong = tmp_path / "wrong"
        wrong.write_bytes((b"SQLite format 3\x00" if database_url.startswith("postgresql") else b"PGDMP") + b"\0" * 90)
        refused = runner.invoke(args=["restore", "--yes", str(wrong)])
        assert refused.exit_code == 1 and "but the configured database is" in refused.output
    finally:
        target.extensions["coop.db"].dispose()
