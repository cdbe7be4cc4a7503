"""Monthly allocation (one lot per household and month, exactly once) and expiry.

Exactly once holds by construction, not by care: the lot is inserted with ``ON CONFLICT DO
NOTHING`` on the unique (household, period), so a second scheduler, or a rerun after a
crash half-way, skips the households already done and completes the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from coop.cheques.models import ChequeCard, ChequeLot, ChequeMovement, ChequeScheme
from coop.cheques.scheme import card_of, get_scheme, new_code
from coop.clock import utcnow
from coop.credits.service import insert_ignoring_conflicts
from coop.members.models import Household


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def is_single_parent_for(household: Household, period: date) -> bool:
    """Single-parent status counts from its effective date, at the next allocation."""
    return bool(household.is_single_parent and household.single_parent_since
                and household.single_parent_since <= period)


def quota_for(*, scheme: ChequeScheme, household: Household, period: date, this_year: int) -> tuple[int, bool]:
    """The month's cheques (higher for single parents), kept within the yearly cap given what
    the household already received this year."""
    single = is_single_parent_for(household, period)
    quota = scheme.base_quota * (scheme.single_parent_percent if single else 100) // 100
    return max(0, min(quota, scheme.yearly_cap - this_year)), single


def pending_household_ids(session: Session, *, coop_id: int, period: date) -> list[int]:
    """Households of the cooperative that have no lot for ``period`` yet (and had not left
    before the month began)."""
    done = select(ChequeLot.household_id).where(ChequeLot.coop_id == coop_id, ChequeLot.period == period)
    return list(session.exec(select(Household.id).where(Household.coop_id == coop_id,
                                                        col(Household.id).not_in(done),
                                                        or_(col(Household.left_on).is_(None),
                                                            col(Household.left_on) > period))
                             .order_by(col(Household.id))).all())


def allocate_households(session: Session, *, household_ids: Sequence[int], period: date) -> list[int]:
    """Create the lots of these households for the month ``period``, skipping those that have
    one; returns the households given a lot now. A few statements per batch, not per household."""
    period = period.replace(day=1)
    households = session.exec(select(Household).where(col(Household.id).in_(household_ids))
                              .order_by(col(Household.id))).all()
    if not households:
        return []
    received = dict(session.exec(
        select(ChequeLot.household_id, func.sum(ChequeLot.allocated))
        .where(col(ChequeLot.household_id).in_(household_ids), ChequeLot.period >= date(period.year, 1, 1),
               ChequeLot.period < period).group_by(col(ChequeLot.household_id))).all())
    schemes = {coop_id: get_scheme(session, coop_id=coop_id) for coop_id in {h.coop_id for h in households}}
    values = []
    for household in households:
        scheme = schemes[household.coop_id]
        quota, single = quota_for(scheme=scheme, household=household, period=period,
                                  this_year=int(received.get(household.id, 0)))
        values.append({"coop_id": household.coop_id, "household_id": household.id, "period": period,
                       "allocated": quota, "is_single_parent": single, "created_at": utcnow(),
                       "expires_on": add_months(period, scheme.validity_months)})
    stmt = (insert_ignoring_conflicts(session, ChequeLot).values(values)
            .on_conflict_do_nothing(index_elements=["household_id", "period"])
            .returning(col(ChequeLot.household_id)))
    made = sorted(session.execute(stmt).scalars().all())
    coop_of = {h.id: h.coop_id for h in households}
    _make_cards(session, coop_of={household_id: coop_of[household_id] for household_id in made})
    return made


def _make_cards(session: Session, *, coop_of: dict[int, int]) -> None:
    """Give these households a short code, in one statement (a rare clash of codes falls back to one by one)."""
    have = set(session.exec(select(ChequeCard.household_id).where(col(ChequeCard.household_id).in_(coop_of))).all())
    values = [{"household_id": hid, "coop_id": coop_id, "code": new_code()} for hid, coop_id in coop_of.items()
              if hid not in have]
    if not values:
        return
    stmt = insert_ignoring_conflicts(session, ChequeCard).values(values).on_conflict_do_nothing()
    made = set(session.execute(stmt.returning(col(ChequeCard.household_id))).scalars().all())
    for row in values:
        if row["household_id"] not in made:
            card_of(session, coop_id=row["coop_id"], household_id=row["household_id"])


def allocate_household(session: Session, *, household_id: int, period: date) -> bool:
    """Create one household's lot for the month ``period`` unless it exists; says whether it did."""
    return bool(allocate_households(session, household_ids=[household_id], period=period))


# Built once, with a named parameter (every redemption reads it): building it costs more CPU
# than PostgreSQL takes to run it.
_USED = (select(ChequeMovement.lot_id, func.sum(ChequeMovement.cheques).label("used"))
         .where(ChequeMovement.household_id == bindparam("household_id"))
         .group_by(col(ChequeMovement.lot_id)).subquery())
_REMAINDERS = (select(ChequeLot, func.coalesce(_USED.c.used, 0)).outerjoin(_USED, _USED.c.lot_id == ChequeLot.id)
               .where(ChequeLot.household_id == bindparam("household_id"))
               .order_by(col(ChequeLot.period), col(ChequeLot.id)))


def lot_remainders(session: Session, *, household_id: int) -> list[tuple[ChequeLot, int]]:
    """The household's lots, oldest first, each with the cheques left in it."""
    rows = session.exec(_REMAINDERS, params={"household_id": household_id}).all()
    return [(lot, lot.allocated + int(spent)) for lot, spent in rows]


def expirable_lot_ids(session: Session, *, coop_id: int, today: date) -> Sequence[int]:
    """Lots past their expiry date that still hold cheques."""
    used = (select(func.coalesce(func.sum(ChequeMovement.cheques), 0)).where(ChequeMovement.lot_id == ChequeLot.id)
            .scalar_subquery())
    return session.exec(select(ChequeLot.id).where(ChequeLot.coop_id == coop_id, ChequeLot.expires_on <= today,
                                                   ChequeLot.allocated + used > 0)
                        .order_by(col(ChequeLot.id))).all()


def expire_lots(session: Session, *, lot_ids: Sequence[int]) -> int:
    """Post what is left in these expired lots (once each: the movement's key is unique);
    returns the cheques expired. Lots are locked in id order, as redemptions lock them."""
    lots = session.exec(select(ChequeLot).where(col(ChequeLot.id).in_(lot_ids)).order_by(col(ChequeLot.id))
                        .with_for_update()).all()
    used = dict(session.exec(select(ChequeMovement.lot_id, func.sum(ChequeMovement.cheques))
                             .where(col(ChequeMovement.lot_id).in_(lot_ids))
                             .group_by(col(ChequeMovement.lot_id))).all())
    values = [{"coop_id": lot.coop_id, "household_id": lot.household_id, "lot_id": lot.id, "kind": "expire",
               "cheques": -(lot.allocated + int(used.get(lot.id, 0))), "on_date": lot.expires_on,
               "key": f"expire:{lot.id}", "created_at": utcnow()}
              for lot in lots if lot.allocated + int(used.get(lot.id, 0)) > 0]
    if not values:
        return 0
    stmt = (insert_ignoring_conflicts(session, ChequeMovement).values(values)
            .on_conflict_do_nothing(index_elements=["key"]).returning(col(ChequeMovement.cheques)))
    return -sum(session.execute(stmt).scalars().all())
