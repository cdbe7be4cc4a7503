"""Redemption: FIFO over lots, never below zero, never twice; expiry posts what is left."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from coop.cheques import allocation, service
from coop.cheques.jobs import expire_cheques
from coop.cheques.models import ChequeMovement, ChequeRedemption
from coop.cheques.scheme import card_of
from coop.errors import Conflict, NotFound, ValidationFailed
from tests.cheques.conftest import TODAY

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def _household_with_lots(db, make, world, *periods):
    household = make.household(world.coop)
    for period in periods:
        allocation.allocate_household(db, household_id=household.id, period=period)
    code = card_of(db, coop_id=world.coop.id, household_id=household.id).code
    db.commit()
    return household, code


def _redeem(db, world, code, cheques, key="r1", service_id=None, used_on=TODAY):
    data = service.RedemptionInput(household_code=code, service_id=service_id or world.babysitting.id,
                                   cheques=cheques, used_on=used_on, idempotency_key=key)
    try:
        result = service.redeem(db, coop_id=world.coop.id, provider_id=world.provider.id, data=data,
                                actor_id=world.provider_user.id, today=TODAY)
    except Exception:
        db.rollback()  # a refusal must not leave the household's lots locked
        raise
    db.commit()
    return result


def _counts(db) -> tuple[int, int]:
    db.rollback()
    return (db.exec(select(func.count()).select_from(ChequeRedemption)).one(),
            db.exec(select(func.count()).select_from(ChequeMovement)).one())


def test_oldest_lots_are_used_first(db, make, world):
    household, code = _household_with_lots(db, make, world, NOV, OCT)
    redemption, is_new = _redeem(db, world, code.lower(), 6)
    assert is_new and redemption.cheques == 6
    remainders = [(lot.period, left) for lot, left in allocation.lot_remainders(db, household_id=household.id)]
    assert remainders == [(OCT, 0), (NOV, 2)]
    assert service.balance(db, household_id=household.id) == 2


def test_too_few_cheques_is_refused_and_changes_nothing(db, make, world):
    household, code = _household_with_lots(db, make, world, NOV)
    with pytest.raises(Conflict) as refused:
        _redeem(db, world, code, 5)
    assert refused.value.code == "insufficient_cheques"
    assert _counts(db) == (0, 0)
    assert service.balance(db, household_id=household.id) == 4


def test_a_replayed_key_answers_the_same_redemption_and_a_changed_body_is_refused(db, make, world):
    household, code = _household_with_lots(db, make, world, NOV)
    first, _ = _redeem(db, world, code, 3)
    again, is_new = _redeem(db, world, code, 3)
    assert again.id == first.id and not is_new
    with pytest.raises(Conflict) as mismatch:
        _redeem(db, world, code, 1)
    assert mismatch.value.code == "idempotency_mismatch"
    assert _counts(db) == (1, 1)
    assert service.balance(db, household_id=household.id) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"cheques": 0}, "cheques"), ({"cheques": -2}, "cheques"), ({"cheques": 101}, "cheques"),
    ({"used_on": date(2026, 11, 21)}, "used_on"), ({"used_on": date(2026, 9, 1)}, "used_on"),
    ({"key": ""}, "idempotency_key"), ({"key": "k" * 121}, "idempotency_key"),
    ({"code": "NOPE2345"}, "household_code"), ({"service": "wellbeing"}, "service_id"),
])
def test_bad_input_is_refused_and_changes_nothing(db, make, world, change, field):
    household, code = _household_with_lots(db, make, world, NOV)
    service_id = world.wellbeing.id if change.get("service") else world.babysitting.id
    with pytest.raises(ValidationFailed) as refused:
        _redeem(db, world, change.get("code", code), change.get("cheques", 1), key=change.get("key", "k"),
                service_id=service_id, used_on=change.get("used_on", TODAY))
    assert field in refused.value.fields
    assert _counts(db) == (0, 0)


def test_a_household_of_another_cooperative_is_unknown(db, make, world):
    other = make.coop()
    stranger = make.household(other)
    allocation.allocate_household(db, household_id=stranger.id, period=NOV)
    code = card_of(db, coop_id=other.id, household_id=stranger.id).code
    db.commit()
    with pytest.raises(ValidationFailed):
        _redeem(db, world, code, 1)
    with pytest.raises(NotFound):
        service.household_of_card(db, coop_id=world.coop.id, code=code)


def test_expired_lots_cannot_be_used_and_expiry_posts_the_rest_once(app, db, make, world):
    household, code = _household_with_lots(db, make, world, date(2026, 5, 1), NOV)
    with pytest.raises(Conflict):
        _redeem(db, world, code, 5)
    database = app.extensions["coop.db"]
    assert expire_cheques(database, today=TODAY) == 4
    assert expire_cheques(database, today=TODAY) == 0
    db.rollback()
    assert service.balance(db, household_id=household.id) == 4
    assert [m.kind for m in service.movements(db, household_id=household.id)] == ["expire"]


def test_a_redemption_before_the_expiry_date_uses_the_old_lot(db, make, world):
    household, code = _household_with_lots(db, make, world, date(2026, 5, 1), SEP)
    _redeem(db, world, code, 5, used_on=date(2026, 10, 30))
    remainders = [left for _, left in allocation.lot_remainders(db, household_id=household.id)]
    assert remainders == [0, 3]
    assert service.usable_balance(db, household_id=household.id, on=TODAY) == 3


def test_provider_sees_its_month(db, make, world):
    _, code = _household_with_lots(db, make, world, NOV)
    _redeem(db, world, code, 2)
    listed = service.provider_redemptions(db, coop_id=world.coop.id, provider_id=world.provider.id, month=NOV)
    assert [r.cheques for r in listed] == [2]
    assert service.provider_redemptions(db, coop_id=world.coop.id, provider_id=world.provider.id,
                                        month=OCT) == []


def test_a_replay_answers_the_same_even_after_its_date_left_the_window(db, make, world):
    _, code = _household_with_lots(db, make, world, NOV)
    first, _ = _redeem(db, world, code, 1, used_on=date(2026, 9, 21))
    data = service.RedemptionInput(household_code=code, service_id=world.babysitting.id, cheques=1,
                                   used_on=date(2026, 9, 21), idempotency_key="r1")
    later, is_new = service.redeem(db, coop_id=world.coop.id, provider_id=world.provider.id, data=data,
                                   actor_id=None, today=date(2027, 1, 5))
    assert later.id == first.id and not is_new
    db.rollback()
