"""Disputes: within 14 days, once; upheld gives the cheques back to still-valid lots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from coop.cheques import allocation, disputes, service
from coop.cheques.models import ChequeDispute, ChequeMovement
from coop.cheques.scheme import card_of
from coop.clock import local_today
from coop.errors import Conflict, NotFound, ValidationFailed

TODAY = local_today()
OLD = allocation.add_months(TODAY.replace(day=1), -5)
NOW = TODAY.replace(day=1)


def _redeemed(db, make, world, cheques=6):
    household = make.household(world.coop)
    for period in (OLD, NOW):
        allocation.allocate_household(db, household_id=household.id, period=period)
    code = card_of(db, coop_id=world.coop.id, household_id=household.id).code
    data = service.RedemptionInput(household_code=code, service_id=world.babysitting.id, cheques=cheques,
                                   used_on=TODAY, idempotency_key="r")
    redemption, _ = service.redeem(db, coop_id=world.coop.id, provider_id=world.provider.id, data=data,
                                   actor_id=None, today=TODAY)
    db.commit()
    return household, redemption


def test_an_upheld_dispute_gives_the_cheques_back_once(db, make, world):
    household, redemption = _redeemed(db, make, world)
    dispute = disputes.open_dispute(db, coop_id=world.coop.id, household_id=household.id,
                                    redemption_id=redemption.id, reason="never came", actor_id=None, today=TODAY)
    db.commit()
    assert service.balance(db, household_id=household.id) == 2
    assert disputes.resolve_dispute(db, coop_id=world.coop.id, dispute_id=dispute.id, uphold=True, actor_id=None,
                                    today=TODAY) == 6
    db.commit()
    assert service.balance(db, household_id=household.id) == 8
    with pytest.raises(Conflict):
        disputes.resolve_dispute(db, coop_id=world.coop.id, dispute_id=dispute.id, uphold=True, actor_id=None,
                                 today=TODAY)
    db.rollback()
    assert service.balance(db, household_id=household.id) == 8


def test_cheques_from_a_lot_expired_meanwhile_are_not_given_back(db, make, world):
    household, redemption = _redeemed(db, make, world)
    dispute = disputes.open_dispute(db, coop_id=world.coop.id, household_id=household.id,
                                    redemption_id=redemption.id, reason="wrong", actor_id=None, today=TODAY)
    db.commit()
    later = allocation.add_months(OLD, 6)
    assert disputes.resolve_dispute(db, coop_id=world.coop.id, dispute_id=dispute.id, uphold=True, actor_id=None,
                                    today=later) == 2
    db.commit()


def test_a_rejected_dispute_changes_no_cheque(db, make, world):
    household, redemption = _redeemed(db, make, world)
    dispute = disputes.open_dispute(db, coop_id=world.coop.id, household_id=household.id,
                                    redemption_id=redemption.id, reason="hm", actor_id=None, today=TODAY)
    assert disputes.resolve_dispute(db, coop_id=world.coop.id, dispute_id=dispute.id, uphold=False, actor_id=None,
                                    today=TODAY) == 0
    db.commit()
    assert db.exec(select(ChequeMovement).where(ChequeMovement.kind == "refund")).all() == []
    assert db.get(ChequeDispute, dispute.id).status == "rejected"


def test_refusals_change_nothing(db, make, world):
    household, redemption = _redeemed(db, make, world)
    other = make.household(world.coop)
    cases = [
        (NotFound, {"household_id": other.id}), (ValidationFailed, {"reason": " "}),
        (ValidationFailed, {"reason": "x" * 501}), (Conflict, {"today": TODAY + timedelta(days=15)}),
    ]
    for error, change in cases:
        args = {"coop_id": world.coop.id, "household_id": household.id, "redemption_id": redemption.id,
                "reason": "why", "actor_id": None, "today": TODAY, **change}
        with pytest.raises(error):
            disputes.open_dispute(db, **args)
        db.rollback()
    assert db.exec(select(ChequeDispute)).all() == []
    disputes.open_dispute(db, coop_id=world.coop.id, household_id=household.id, redemption_id=redemption.id,
                          reason="why", actor_id=None, today=TODAY)
    db.commit()
    with pytest.raises(Conflict):
        disputes.open_dispute(db, coop_id=world.coop.id, household_id=household.id, redemption_id=redemption.id,
                              reason="again", actor_id=None, today=TODAY)
    db.rollback()


def test_parent_disputes_and_coordinator_upholds_through_the_pages(db, make, world, login_as):
    household, redemption = _redeemed(db, make, world)
    parent = make.person(world.coop, "parent", household=household)
    coordinator = make.person(world.coop, "coordinator")
    base = f"/c/{world.coop.slug}/cheques"
    page = login_as(parent).get(f"{base}/households/{household.id}").get_data(as_text=True)
    assert f"/redemptions/{redemption.id}/dispute" in page
    sent = login_as(parent).post(f"{base}/households/{household.id}/redemptions/{redemption.id}/dispute",
                                 data={"reason": "the sitter never came"})
    assert sent.status_code == 302
    boss = login_as(coordinator)
    assert "the sitter never came" in boss.get(base).get_data(as_text=True)
    dispute = db.exec(select(ChequeDispute)).one()
    assert login_as(parent).post(f"{base}/disputes/{dispute.id}", data={"decision": "uphold"}).status_code == 403
    assert boss.post(f"{base}/disputes/{dispute.id}", data={"decision": "maybe"}).status_code == 400
    assert boss.post(f"{base}/disputes/{dispute.id}", data={"decision": "uphold"}).status_code == 302
    db.rollback()
    assert service.balance(db, household_id=household.id) == 8
