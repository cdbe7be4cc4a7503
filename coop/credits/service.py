"""Posting to the contribution ledger, reading balances and history.

Every posting is a transaction whose entries sum to zero, identified by an idempotency key
unique per cooperative: posting the same facts under the same key again returns the first
transaction; other facts under a used key are refused (``idempotency_mismatch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coop.clock import utcnow
from coop.credits.models import COOP_ACCOUNTS, CreditEntry, CreditSettings, CreditTransaction, household_account
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members.models import Household

MAX_WORK_MINUTES = 7 * 24 * 60
MAX_PAYMENT_CENTS = 100_000 * 100
MAX_KEY_LENGTH = 120
MAX_MEMO_LENGTH = 300
CHUNK = 1000  # rows per multi-row INSERT: well under both engines' limits on bound parameters


def get_settings(session: Session, *, coop_id: int) -> CreditSettings:
    """The cooperative's rates (defaults when none were saved)."""
    return session.get(CreditSettings, coop_id) or CreditSettings(coop_id=coop_id)


def save_settings(session: Session, *, coop_id: int, cents_per_hour: int, night_weight_permille: int,
                  minimum_pledge_minutes: int = 0) -> CreditSettings:
    """Change the euros-per-hour rate, the night weighting (future postings only) and the minimum pledge."""
    errors = {}
    if not 100 <= cents_per_hour <= 100_000:
        errors["euros_per_hour"] = _l("Enter an amount between 1 and 1000 euros.")
    if not 1000 <= night_weight_permille <= 3000:
        errors["night_weight"] = _l("Enter a weight between 1 and 3.")
    if not 0 <= minimum_pledge_minutes <= 200 * 60:
        errors["minimum_pledge_hours"] = _l("Enter a number of hours between 0 and %(n)d.", n=200)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    settings = session.get(CreditSettings, coop_id) or CreditSettings(coop_id=coop_id)
    settings.cents_per_hour = cents_per_hour
    settings.night_weight_permille = night_weight_permille
    settings.minimum_pledge_minutes = minimum_pledge_minutes
    session.add(settings)
    session.flush()
    return settings


def cents_to_minutes(cents: int, cents_per_hour: int) -> int:
    """Euros converted to minutes at the cooperative's rate (rounded down to the minute)."""
    return cents * 60 // cents_per_hour


def household_in_coop(session: Session, *, coop_id: int | None, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None or (coop_id is not None and household.coop_id != coop_id):
        raise NotFound(_l("This household does not exist."))
    return household


def _check_key(key: str, memo: str) -> None:
    errors = {}
    if not key or len(key) > MAX_KEY_LENGTH:
        errors["idempotency_key"] = _l("Give an idempotency key of 1 to %(n)d characters.", n=MAX_KEY_LENGTH)
    if len(memo) > MAX_MEMO_LENGTH:
        errors["memo"] = _l("Use at most %(n)d characters.", n=MAX_MEMO_LENGTH)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)


def _same_facts(tx: CreditTransaction, facts: CreditTransaction) -> bool:
    names = ("household_id", "kind", "on_date", "worked_minutes", "night_minutes", "cents", "reverses_id")
    return all(getattr(tx, name) == getattr(facts, name) for name in names)


def _find(session: Session, coop_id: int, key: str) -> CreditTransaction | None:
    return session.exec(select(CreditTransaction).where(CreditTransaction.coop_id == coop_id,
                                                        CreditTransaction.key == key)).first()


def _replay(existing: CreditTransaction, facts: CreditTransaction) -> CreditTransaction:
    if not _same_facts(existing, facts):
        raise Conflict(_l("This idempotency key was already used for another posting."), code="idempotency_mismatch")
    return existing


def _post(session: Session, facts: CreditTransaction, entries: list[tuple[str, int]]) -> tuple[CreditTransaction, bool]:
    """Insert ``facts`` with its entries (they must sum to zero), or replay the key; says
    whether it was new."""
    if sum(minutes for _, minutes in entries) != 0:
        raise ValueError("a transaction's entries must sum to zero")
    existing = _find(session, facts.coop_id, facts.key)
    if existing is not None:
        return _replay(existing, facts), False
    try:
        with session.begin_nested():
            session.add(facts)
            session.flush()
            session.add_all(CreditEntry(transaction_id=facts.id, coop_id=facts.coop_id, account=account,
                                        minutes=minutes) for account, minutes in entries)
            session.flush()
    except IntegrityError:
        # Another transaction committed the same key (or reversal) between our check and insert.
        existing = _find(session, facts.coop_id, facts.key)
        if existing is None:
            raise Conflict(_l("This entry was already corrected."), code="already_reversed") from None
        return _replay(existing, facts), False
    return facts, True


def _simple_entries(kind: str, household_id: int, minutes: int) -> list[tuple[str, int]]:
    return [(household_account(household_id), minutes), (COOP_ACCOUNTS[kind], -minutes)]


def post_hours_worked(session: Session, *, household_id: int, minutes: int, night_minutes: int, key: str,
                      on_date: date, actor_id: int | None = None, memo: str = "",
                      coop_id: int | None = None) -> CreditTransaction:
    """Credit volunteer work (called by the roster's attendance confirmation); night minutes,
    part of ``minutes``, count with the cooperative's night weight."""
    _check_key(key, memo)
    household = household_in_coop(session, coop_id=coop_id, household_id=household_id)
    errors = {}
    if not 0 < minutes <= MAX_WORK_MINUTES:
        errors["minutes"] = _l("Enter a number of minutes between 1 and %(n)d.", n=MAX_WORK_MINUTES)
    if not 0 <= night_minutes <= max(minutes, 0):
        errors["night_minutes"] = _l("Night minutes must be between 0 and the minutes worked.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    weight = get_settings(session, coop_id=household.coop_id).night_weight_permille
    credited = minutes - night_minutes + night_minutes * weight // 1000
    facts = CreditTransaction(coop_id=household.coop_id, household_id=household_id, kind="work", key=key,
                              on_date=on_date, worked_minutes=minutes, night_minutes=night_minutes, memo=memo,
                              actor_id=actor_id)
    return _post(session, facts, _simple_entries("work", household_id, credited))[0]


def record_payment(session: Session, *, coop_id: int, household_id: int, cents: int, on_date: date, key: str,
                   actor_id: int | None, memo: str = "") -> CreditTransaction:
    """Credit money a household paid, converted to minutes at the cooperative's rate."""
    _check_key(key, memo)
    household_in_coop(session, coop_id=coop_id, household_id=household_id)
    if not 0 < cents <= MAX_PAYMENT_CENTS:
        raise ValidationFailed(_l("Check the form."), fields={
            "euros": _l("Enter an amount between 0.01 and %(n)d euros.", n=MAX_PAYMENT_CENTS // 100)})
    minutes = cents_to_minutes(cents, get_settings(session, coop_id=coop_id).cents_per_hour)
    facts = CreditTransaction(coop_id=coop_id, household_id=household_id, kind="payment", key=key, on_date=on_date,
                              cents=cents, memo=memo, actor_id=actor_id)
    return _post(session, facts, _simple_entries("payment", household_id, minutes))[0]


def insert_ignoring_conflicts(session: Session, model: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for this session's database (SQLite or PostgreSQL):
    the way monthly jobs stay exactly-once when two of them run at the same time."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def post_pledges_due_batch(session: Session, *, coop_id: int, period: date, due: dict[int, int]) -> int:
    """Debit one month's pledge of many households (``due``: household id to minutes) in a few
    statements; a household already debited for that month (same key) is skipped, as is a
    pledge of 0. Returns how many were posted now."""
    rows = sorted((household_id, minutes) for household_id, minutes in due.items() if minutes > 0)
    posted = 0
    for start in range(0, len(rows), CHUNK):
        chunk = dict(rows[start:start + CHUNK])
        values = [{"coop_id": coop_id, "household_id": household_id, "kind": "pledge_due", "on_date": period,
                   "key": f"pledge:{household_id}:{period:%Y-%m}", "memo": "", "created_at": utcnow()}
                  for household_id in chunk]
        stmt = (insert_ignoring_conflicts(session, CreditTransaction).values(values)
                .on_conflict_do_nothing(index_elements=["coop_id", "key"])
                .returning(col(CreditTransaction.id), col(CreditTransaction.household_id)))
        made = session.execute(stmt).all()
        if made:
            session.execute(insert(CreditEntry), [
                {"transaction_id": tx_id, "coop_id": coop_id, "account": account, "minutes": minutes}
                for tx_id, household_id in made
                for account, minutes in _simple_entries("pledge_due", household_id, -chunk[household_id])])
        posted += len(made)
    return posted


def post_pledge_due(session: Session, *, coop_id: int, household_id: int, period: date, minutes: int) -> bool:
    """Debit one household's pledge for one month (once); says whether it was posted now."""
    return post_pledges_due_batch(session, coop_id=coop_id, period=period, due={household_id: minutes}) == 1


def reverse_transaction(session: Session, *, coop_id: int, transaction_id: int, key: str, on_date: date,
                        actor_id: int | None, memo: str = "") -> CreditTransaction:
    """Correct a posting by a new transaction with the opposite entries (never an edit)."""
    _check_key(key, memo)
    original = session.get(CreditTransaction, transaction_id)
    if original is None or original.coop_id != coop_id:
        raise NotFound(_l("This entry does not exist."))
    facts = CreditTransaction(coop_id=coop_id, household_id=original.household_id, kind="correction", key=key,
                              on_date=on_date, reverses_id=original.id, memo=memo, actor_id=actor_id)
    existing = _find(session, coop_id, key)
    if existing is not None:
        return _replay(existing, facts)
    if original.kind == "correction":
        raise Conflict(_l("A correction cannot be corrected; post a new entry instead."), code="not_reversible")
    if session.exec(select(CreditTransaction.id).where(CreditTransaction.reverses_id == original.id)).first():
        raise Conflict(_l("This entry was already corrected."), code="already_reversed")
    entries = [(e.account, -e.minutes) for e in entries_of(session, original.id)]
    return _post(session, facts, entries)[0]


def entries_of(session: Session, transaction_id: int | None) -> Sequence[CreditEntry]:
    return session.exec(select(CreditEntry).where(CreditEntry.transaction_id == transaction_id)
                        .order_by(col(CreditEntry.id))).all()


def balance(session: Session, *, household_id: int) -> int:
    """Minutes ahead (positive) or behind (negative) the pledge: the sum of the account."""
    total = session.exec(select(func.coalesce(func.sum(CreditEntry.minutes), 0))
                         .where(CreditEntry.account == household_account(household_id))).one()
    return int(total)


def balances(session: Session, *, coop_id: int) -> dict[int, int]:
    """Every household's balance in one query (households with no entry are at 0)."""
    rows = session.exec(select(CreditEntry.account, func.sum(CreditEntry.minutes))
                        .where(CreditEntry.coop_id == coop_id, col(CreditEntry.account).like("household:%"))
                        .group_by(CreditEntry.account)).all()
    found = {int(account.split(":", 1)[1]): int(total) for account, total in rows}
    households = session.exec(select(Household.id).where(Household.coop_id == coop_id)).all()
    return {household_id: found.get(household_id, 0) for household_id in households}


@dataclass(frozen=True)
class HistoryLine:
    transaction: CreditTransaction
    minutes: int
    balance_after: int
    is_reversed: bool


def history(session: Session, *, coop_id: int, household_id: int) -> list[HistoryLine]:
    """The household's postings, oldest first, with the running balance."""
    household_in_coop(session, coop_id=coop_id, household_id=household_id)
    rows = session.exec(select(CreditTransaction, CreditEntry)
                        .join(CreditEntry, CreditEntry.transaction_id == CreditTransaction.id)
                        .where(CreditEntry.account == household_account(household_id))
                        .order_by(col(CreditTransaction.id))).all()
    reversed_ids = set(session.exec(select(CreditTransaction.reverses_id).where(
        CreditTransaction.household_id == household_id, col(CreditTransaction.reverses_id).is_not(None))).all())
    lines, running = [], 0
    for tx, entry in rows:
        running += entry.minutes
        lines.append(HistoryLine(transaction=tx, minutes=entry.minutes, balance_after=running,
                                 is_reversed=tx.id in reversed_ids))
    return lines
