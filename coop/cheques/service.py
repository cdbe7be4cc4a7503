"""Redeeming cheques (FIFO, never below zero, never twice) and reading balances and history.

A redemption locks the household's lots (PostgreSQL ``FOR UPDATE``; SQLite write sessions
hold the database lock from ``BEGIN IMMEDIATE``), then replays its idempotency key or
takes cheques from the oldest usable lots first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert
from sqlmodel import Session, col, select

from coop.cheques.allocation import lot_remainders
from coop.cheques.models import ChequeCard, ChequeLot, ChequeMovement, ChequeRedemption, ProviderService
from coop.cheques.scheme import find_card, get_provider, normalise_code
from coop.clock import utcnow
from coop.credits.service import insert_ignoring_conflicts
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members.models import Household

MAX_CHEQUES_PER_REDEMPTION = 100
MAX_DAYS_BACK = 60


class InsufficientCheques(Conflict):
    code = "insufficient_cheques"


@dataclass(frozen=True)
class RedemptionInput:
    household_code: str
    service_id: int
    cheques: int
    used_on: date
    idempotency_key: str


# The statements of every redemption are built once, with named parameters: building one
# costs more CPU than PostgreSQL takes to run it.
_LOOKUP = select(
    select(ChequeCard.household_id).where(ChequeCard.coop_id == bindparam("coop_id"),
                                          ChequeCard.code == bindparam("code")).scalar_subquery(),
    select(ProviderService.service_id).where(ProviderService.provider_id == bindparam("provider_id"),
                                             ProviderService.service_id == bindparam("service_id")).exists())
_LOCK_LOTS = (select(ChequeLot.id).where(ChequeLot.household_id == bindparam("household_id"))
              .order_by(col(ChequeLot.id)).with_for_update())
_BY_KEY = select(ChequeRedemption).where(ChequeRedemption.provider_id == bindparam("provider_id"),
                                         ChequeRedemption.idempotency_key == bindparam("key"))


def _lookup(session: Session, *, coop_id: int, provider_id: int, data: RedemptionInput) -> tuple[int | None, bool]:
    """The household behind the card code (None: unknown) and whether the provider offers
    the service, in one query."""
    household_id, is_provided = session.execute(_LOOKUP, {
        "coop_id": coop_id, "code": normalise_code(data.household_code), "provider_id": provider_id,
        "service_id": data.service_id}).one()
    return household_id, bool(is_provided)


def _check(*, household_id: int | None, is_provided: bool, data: RedemptionInput, today: date) -> int:
    errors = {}
    if household_id is None:
        errors["household_code"] = _l("No household has this code. Check it with the parent.")
    if not is_provided:
        errors["service_id"] = _l("Choose a service you provide.")
    if not 0 < data.cheques <= MAX_CHEQUES_PER_REDEMPTION:
        errors["cheques"] = _l("Enter a number between %(lo)d and %(hi)d.", lo=1, hi=MAX_CHEQUES_PER_REDEMPTION)
    if not today - timedelta(days=MAX_DAYS_BACK) <= data.used_on <= today:
        errors["used_on"] = _l("Give a date in the last %(n)d days, not in the future.", n=MAX_DAYS_BACK)
    if not data.idempotency_key or len(data.idempotency_key) > 120:
        errors["idempotency_key"] = _l("Give an idempotency key of 1 to %(n)d characters.", n=120)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    assert household_id is not None
    return household_id


def _find(session: Session, provider_id: int, key: str) -> ChequeRedemption | None:
    return session.exec(_BY_KEY, params={"provider_id": provider_id, "key": key}).first()


def _replay(existing: ChequeRedemption, facts: dict[str, Any]) -> ChequeRedemption:
    if any(getattr(existing, name) != facts[name] for name in ("household_id", "service_id", "cheques", "used_on")):
        raise Conflict(_l("This idempotency key was already used for another redemption."),
                       code="idempotency_mismatch")
    return existing


def redeem(session: Session, *, coop_id: int, provider_id: int, data: RedemptionInput, actor_id: int | None,
           today: date) -> tuple[ChequeRedemption, bool]:
    """Record that a household used cheques with a provider; returns the redemption and
    whether it is new (False: an identical replay of the same key).

    The household's lots are locked before the key is looked up, so a replay racing the
    first request finds it committed. A replay answers as the first request did, even once
    its date is out of range, so the key is looked up before the input is checked."""
    get_provider(session, coop_id=coop_id, provider_id=provider_id)
    household_id, is_provided = _lookup(session, coop_id=coop_id, provider_id=provider_id, data=data)
    facts = {"coop_id": coop_id, "household_id": household_id or 0, "provider_id": provider_id,
             "service_id": data.service_id, "cheques": data.cheques, "used_on": data.used_on,
             "idempotency_key": data.idempotency_key, "actor_id": actor_id}
    if household_id is not None:
        session.exec(_LOCK_LOTS, params={"household_id": household_id}).all()
    existing = _find(session, provider_id, data.idempotency_key)
    if existing is not None:
        return _replay(existing, facts), False
    household_id = _check(household_id=household_id, is_provided=is_provided, data=data, today=today)
    usable = [(lot, left) for lot, left in lot_remainders(session, household_id=household_id)
              if left > 0 and lot.expires_on > data.used_on]
    if sum(left for _, left in usable) < data.cheques:
        raise InsufficientCheques(_l("This household does not have enough valid cheques."))
    # The lots' lock serialises redemptions of one household; the same key used at the same
    # time for another household is refused by the unique (provider, key) instead.
    now = utcnow()
    stmt = (insert_ignoring_conflicts(session, ChequeRedemption).values(**facts, created_at=now)
            .on_conflict_do_nothing(index_elements=["provider_id", "idempotency_key"])
            .returning(ChequeRedemption))
    redemption = session.scalars(stmt).first()
    if redemption is None:
        existing = _find(session, provider_id, data.idempotency_key)
        assert existing is not None
        return _replay(existing, facts), False
    taken, wanted = [], data.cheques
    for lot, left in usable:
        take = min(left, wanted)
        taken.append({"coop_id": coop_id, "household_id": household_id, "lot_id": lot.id, "kind": "redeem",
                      "cheques": -take, "on_date": data.used_on, "redemption_id": redemption.id,
                      "created_at": now})
        wanted -= take
        if wanted == 0:
            break
    # Rows, not objects: nothing reads them back, and building models costs more than the INSERT.
    session.execute(insert(ChequeMovement), taken)
    return redemption, True


def balance(session: Session, *, household_id: int) -> int:
    """Cheques left in every lot (expired lots count until the expiry job posts them)."""
    return sum(left for _, left in lot_remainders(session, household_id=household_id))


def usable_balance(session: Session, *, household_id: int, on: date) -> int:
    """Cheques a provider can redeem on ``on``."""
    return sum(left for lot, left in lot_remainders(session, household_id=household_id) if lot.expires_on > on)


def balances(session: Session, *, coop_id: int) -> dict[int, int]:
    """Every household's cheque balance in two queries."""
    allocated = dict(session.exec(select(ChequeLot.household_id, func.sum(ChequeLot.allocated))
                                  .where(ChequeLot.coop_id == coop_id).group_by(col(ChequeLot.household_id))).all())
    moved = dict(session.exec(select(ChequeMovement.household_id, func.sum(ChequeMovement.cheques))
                              .where(ChequeMovement.coop_id == coop_id)
                              .group_by(col(ChequeMovement.household_id))).all())
    households = session.exec(select(Household.id).where(Household.coop_id == coop_id)).all()
    return {hid: int(allocated.get(hid, 0)) + int(moved.get(hid, 0)) for hid in households}


def movements(session: Session, *, household_id: int) -> Sequence[ChequeMovement]:
    return session.exec(select(ChequeMovement).where(ChequeMovement.household_id == household_id)
                        .order_by(col(ChequeMovement.on_date), col(ChequeMovement.id))).all()


def household_redemptions(session: Session, *, household_id: int) -> Sequence[ChequeRedemption]:
    return session.exec(select(ChequeRedemption).where(ChequeRedemption.household_id == household_id)
                        .order_by(col(ChequeRedemption.used_on).desc(), col(ChequeRedemption.id).desc())).all()


def provider_redemptions(session: Session, *, coop_id: int, provider_id: int,
                         month: date) -> Sequence[ChequeRedemption]:
    """What a provider redeemed in the month starting ``month``, newest first."""
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return session.exec(select(ChequeRedemption).where(
        ChequeRedemption.coop_id == coop_id, ChequeRedemption.provider_id == provider_id,
        ChequeRedemption.used_on >= month, ChequeRedemption.used_on < end)
        .order_by(col(ChequeRedemption.used_on).desc(), col(ChequeRedemption.id).desc())).all()


def household_of_card(session: Session, *, coop_id: int, code: str) -> Household:
    card = find_card(session, coop_id=coop_id, code=code)
    if card is None:
        raise NotFound(_l("No household has this code. Check it with the parent."))
    household = session.get(Household, card.household_id)
    assert household is not None
    return household
