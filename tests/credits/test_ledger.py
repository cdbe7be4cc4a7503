"""The contribution ledger: postings balance, keys make them idempotent, nothing is edited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from coop.credits import pledges, service
from coop.credits.models import AppendOnlyViolation, CreditEntry, CreditTransaction
from coop.errors import Conflict, NotFound, ValidationFailed

DAY = date(2026, 11, 20)


def _counts(db) -> tuple[int, int]:
    db.rollback()
    return (db.exec(select(func.count()).select_from(CreditTransaction)).one(),
            db.exec(select(func.count()).select_from(CreditEntry)).one())


def assert_every_transaction_sums_to_zero(db) -> None:
    sums = db.exec(select(CreditEntry.transaction_id, func.sum(CreditEntry.minutes))
                   .group_by(CreditEntry.transaction_id)).all()
    assert sums and all(total == 0 for _, total in sums)


def test_hours_worked_weight_night_minutes_and_balance(db, make):
    household = make.household(make.coop())
    service.post_hours_worked(db, household_id=household.id, minutes=480, night_minutes=240, key="shift-1",
                              on_date=DAY)
    db.commit()
    assert service.balance(db, household_id=household.id) == 240 + 240 * 3 // 2
    assert_every_transaction_sums_to_zero(db)


def test_night_weight_and_rate_come_from_the_cooperatives_settings(db, make):
    coop = make.coop()
    household = make.household(coop)
    service.save_settings(db, coop_id=coop.id, cents_per_hour=1200, night_weight_permille=2000)
    service.post_hours_worked(db, household_id=household.id, minutes=60, night_minutes=60, key="n", on_date=DAY)
    service.record_payment(db, coop_id=coop.id, household_id=household.id, cents=3000, on_date=DAY, key="p",
                           actor_id=None)
    db.commit()
    assert service.balance(db, household_id=household.id) == 120 + 150


def test_replaying_a_key_returns_the_first_posting_and_changes_nothing(db, make):
    household = make.household(make.coop())
    first = service.post_hours_worked(db, household_id=household.id, minutes=90, night_minutes=0, key="k",
                                      on_date=DAY)
    db.commit()
    again = service.post_hours_worked(db, household_id=household.id, minutes=90, night_minutes=0, key="k",
                                      on_date=DAY)
    db.commit()
    assert again.id == first.id
    assert _counts(db) == (1, 2)
    with pytest.raises(Conflict) as refused:
        service.post_hours_worked(db, household_id=household.id, minutes=91, night_minutes=0, key="k", on_date=DAY)
    assert refused.value.code == "idempotency_mismatch"
    assert _counts(db) == (1, 2)


@pytest.mark.parametrize(("minutes", "night", "field"), [(0, 0, "minutes"), (-5, 0, "minutes"),
                                                         (60, 61, "night_minutes"), (60, -1, "night_minutes"),
                                                         (7 * 24 * 60 + 1, 0, "minutes")])
def test_bad_work_is_refused_and_changes_nothing(db, make, minutes, night, field):
    household = make.household(make.coop())
    with pytest.raises(ValidationFailed) as refused:
        service.post_hours_worked(db, household_id=household.id, minutes=minutes, night_minutes=night, key="x",
                                  on_date=DAY)
    assert field in refused.value.fields
    assert _counts(db) == (0, 0)


def test_bad_payments_and_keys_are_refused(db, make):
    coop = make.coop()
    household = make.household(coop)
    for cents, key in [(0, "a"), (-100, "b"), (100_000 * 100 + 1, "c"), (100, ""), (100, "k" * 121)]:
        with pytest.raises(ValidationFailed):
            service.record_payment(db, coop_id=coop.id, household_id=household.id, cents=cents, on_date=DAY,
                                   key=key, actor_id=None)
    assert _counts(db) == (0, 0)


def test_another_cooperatives_household_is_not_found(db, make):
    mine, other = make.coop(), make.coop()
    theirs = make.household(other)
    with pytest.raises(NotFound):
        service.record_payment(db, coop_id=mine.id, household_id=theirs.id, cents=100, on_date=DAY, key="k",
                               actor_id=None)
    with pytest.raises(NotFound):
        service.post_hours_worked(db, household_id=10**6, minutes=60, night_minutes=0, key="k", on_date=DAY)
    assert _counts(db) == (0, 0)


def test_a_correction_reverses_once_and_cannot_itself_be_corrected(db, make):
    coop = make.coop()
    household = make.household(coop)
    paid = service.record_payment(db, coop_id=coop.id, household_id=household.id, cents=4500, on_date=DAY,
                                  key="p", actor_id=None)
    db.commit()
    correction = service.reverse_transaction(db, coop_id=coop.id, transaction_id=paid.id, key="c1", on_date=DAY,
                                             actor_id=None, memo="typo")
    db.commit()
    assert service.balance(db, household_id=household.id) == 0
    assert service.reverse_transaction(db, coop_id=coop.id, transaction_id=paid.id, key="c1", on_date=DAY,
                                       actor_id=None).id == correction.id
    with pytest.raises(Conflict) as twice:
        service.reverse_transaction(db, coop_id=coop.id, transaction_id=paid.id, key="c2", on_date=DAY,
                                    actor_id=None)
    assert twice.value.code == "already_reversed"
    with pytest.raises(Conflict):
        service.reverse_transaction(db, coop_id=coop.id, transaction_id=correction.id, key="c3", on_date=DAY,
                                    actor_id=None)
    assert _counts(db) == (2, 4)
    lines = service.history(db, coop_id=coop.id, household_id=household.id)
    assert [line.balance_after for line in lines] == [180, 0]
    assert lines[0].is_reversed


def test_entries_cannot_be_updated_or_deleted_through_the_orm(db, make):
    household = make.household(make.coop())
    service.post_hours_worked(db, household_id=household.id, minutes=60, night_minutes=0, key="k", on_date=DAY)
    db.commit()
    entry = db.exec(select(CreditEntry)).first()
    entry.minutes = 6000
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    db.delete(db.exec(select(CreditTransaction)).first())
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()


@pytest.mark.postgres_only
def test_postgresql_trigger_refuses_updates_and_deletes_in_plain_sql(app, db, make):
    household = make.household(make.coop())
    service.post_hours_worked(db, household_id=household.id, minutes=60, night_minutes=0, key="k", on_date=DAY)
    db.commit()
    for statement in ("UPDATE credit_entry SET minutes = 1", "DELETE FROM credit_transaction"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert _counts(db) == (1, 2)


def test_pledge_changes_take_effect_next_month_and_are_posted_once(db, make):
    coop = make.coop()
    household = make.household(coop, pledge_minutes=600, pledge_cents=3000)
    pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=300, cents=0, today=DAY,
                       actor_id=None)
    db.commit()
    assert pledges.post_pledges_due(db, coop_id=coop.id, period=date(2026, 11, 1)) == 1
    assert pledges.post_pledges_due(db, coop_id=coop.id, period=date(2026, 11, 1)) == 0
    db.commit()
    assert service.balance(db, household_id=household.id) == -(600 + 120)
    assert pledges.post_pledges_due(db, coop_id=coop.id, period=date(2026, 12, 1)) == 1
    db.commit()
    assert service.balance(db, household_id=household.id) == -(600 + 120) - 300
    assert [c.minutes for c in pledges.pledge_history(db, household_id=household.id)] == [600, 300]


def test_a_household_without_pledge_owes_nothing_and_bad_pledges_are_refused(db, make):
    coop = make.coop()
    household = make.household(coop)
    assert pledges.post_pledges_due(db, coop_id=coop.id, period=date(2026, 11, 1)) == 0
    with pytest.raises(ValidationFailed):
        pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=-1, cents=0, today=DAY,
                           actor_id=None)
    assert _counts(db) == (0, 0)


def test_balances_list_every_household_of_the_cooperative(db, make):
    coop = make.coop()
    ahead, behind, idle = make.household(coop), make.household(coop), make.household(coop)
    make.household(make.coop())
    service.post_hours_worked(db, household_id=ahead.id, minutes=60, night_minutes=0, key="a", on_date=DAY)
    service.post_pledge_due(db, coop_id=coop.id, household_id=behind.id, period=date(2026, 11, 1), minutes=30)
    db.commit()
    assert service.balances(db, coop_id=coop.id) == {ahead.id: 60, behind.id: -30, idle.id: 0}


def test_a_pledge_below_the_cooperatives_minimum_is_refused(db, make):
    coop = make.coop()
    household = make.household(coop)
    service.save_settings(db, coop_id=coop.id, cents_per_hour=1500, night_weight_permille=1500,
                          minimum_pledge_minutes=240)
    with pytest.raises(ValidationFailed) as refused:
        pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=120, cents=2999, today=DAY,
                           actor_id=None)
    assert "pledge_hours" in refused.value.fields
    pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=120, cents=3000, today=DAY,
                       actor_id=None)
    db.commit()
    assert [c.cents for c in pledges.pledge_history(db, household_id=household.id)] == [0, 3000]
