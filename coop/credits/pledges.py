"""Pledges by means, with history: a change takes effect from the next month, and is at least
the minimum of the cooperative's sliding scale (:mod:`coop.credits.scale`) for the household.

``Household.pledge_minutes`` / ``pledge_cents`` stay the household's declared pledge; what is
due for a month comes from the history (the latest change effective on or before that
month), or from the declared pledge while the household has no history yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.credits import scale
from coop.credits.models import PledgeChange
from coop.credits.service import cents_to_minutes, get_settings, household_in_coop, post_pledges_due_batch
from coop.errors import ValidationFailed
from coop.members.models import Household
from coop.members.service import (
    MAX_PLEDGE_CENTS,
    MAX_PLEDGE_MINUTES,
    HouseholdInput,
    get_household,
    save_household,
)

BEGINNING = date(2000, 1, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def pledge_history(session: Session, *, household_id: int) -> Sequence[PledgeChange]:
    return session.exec(select(PledgeChange).where(PledgeChange.household_id == household_id)
                        .order_by(col(PledgeChange.effective_month), col(PledgeChange.id))).all()


def pledges_for(session: Session, *, households: Sequence[Household], period: date) -> dict[int, tuple[int, int]]:
    """The (minutes, cents) pledged for the month starting ``period`` by each household, by id.

    One query for all of them: the roster review and the solve read every volunteering
    household's pledge at once."""
    due = {household.id: (household.pledge_minutes, household.pledge_cents) for household in households}
    changes = session.exec(select(PledgeChange).where(col(PledgeChange.household_id).in_(list(due)),
                                                      PledgeChange.effective_month <= period)
                           .order_by(col(PledgeChange.effective_month), col(PledgeChange.id))).all()
    for change in changes:
        due[change.household_id] = (change.minutes, change.cents)
    return due


def set_pledge(session: Session, *, coop_id: int, household_id: int, minutes: int, cents: int, today: date,
               actor_id: int | None, income_band: str | None = None) -> PledgeChange:
    """Record a new pledge, due from the month after ``today``; the month under way keeps the old one.

    ``income_band`` is the band of the cooperative's scale the household declares (None: none);
    a pledge below the minimum for that band and the household's children is refused."""
    household = household_in_coop(session, coop_id=coop_id, household_id=household_id)
    effective = next_month(today)
    errors = {}
    if not 0 <= minutes <= MAX_PLEDGE_MINUTES:
        errors["pledge_hours"] = _l("Enter a number of hours between 0 and %(n)d.", n=MAX_PLEDGE_MINUTES // 60)
    if not 0 <= cents <= MAX_PLEDGE_CENTS:
        errors["pledge_euros"] = _l("Enter an amount between 0 and %(n)d euros.", n=MAX_PLEDGE_CENTS // 100)
    if income_band is not None and not scale.is_known_band(session, coop_id=coop_id, code=income_band):
        errors["income_band"] = _l("Choose a band from the cooperative's scale.")
    if not errors:
        rate = get_settings(session, coop_id=coop_id).cents_per_hour
        minimum = scale.minimum_for_band(session, household=household, period=effective, income_band=income_band)
        if minutes + cents_to_minutes(cents, rate) < minimum:
            errors["pledge_hours"] = _l(
                "The cooperative asks at least %(hours)s hours a month for this household (or the same value "
                "in euros, at %(rate)s euros an hour; hours and euros count together).",
                hours=hours_text(minimum), rate=f"{rate / 100:.2f}")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    if not pledge_history(session, household_id=household_id):
        session.add(PledgeChange(coop_id=coop_id, household_id=household_id, effective_month=BEGINNING,
                                 minutes=household.pledge_minutes, cents=household.pledge_cents))
    change = PledgeChange(coop_id=coop_id, household_id=household_id, effective_month=effective,
                          minutes=minutes, cents=cents, income_band=income_band, actor_id=actor_id)
    household.pledge_minutes, household.pledge_cents = minutes, cents
    session.add_all([change, household])
    session.flush()
    return change


def hours_text(minutes: int) -> str:
    """240 → "4", 270 → "4:30": whole hours plain, otherwise hours and minutes."""
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes // 60}:{minutes % 60:02d}"


def save_household_with_pledge(session: Session, *, coop_id: int, household_id: int | None, data: HouseholdInput,
                               today: date, actor_id: int) -> Household:
    """The household form: its details through the members service, and a changed pledge
    through ``set_pledge`` (from next month, kept in history, at least the minimum for the
    band the household declared)."""
    current = None if household_id is None else get_household(session, coop_id=coop_id, household_id=household_id)
    pledged = (current.pledge_minutes, current.pledge_cents) if current else (0, 0)
    household = save_household(session, coop_id=coop_id, household_id=household_id, actor_id=actor_id,
                               data=replace(data, pledge_minutes=pledged[0], pledge_cents=pledged[1]))
    if (data.pledge_minutes, data.pledge_cents) != pledged:
        band = scale.declared_band(session, household_id=household.id, period=next_month(today))
        if band is not None and not scale.is_known_band(session, coop_id=coop_id, code=band):
            band = None  # the scale changed since; the household declares its band again on its pledge page
        set_pledge(session, coop_id=coop_id, household_id=household.id, minutes=data.pledge_minutes,
                   cents=data.pledge_cents, today=today, actor_id=actor_id, income_band=band)
    return household


def post_pledges_due(session: Session, *, coop_id: int, period: date) -> int:
    """Debit every household's pledge for the month ``period`` (idempotent); returns how many were new."""
    period = month_start(period)
    rate = get_settings(session, coop_id=coop_id).cents_per_hour
    pledged = {h.id: (h.pledge_minutes, h.pledge_cents) for h in session.exec(
        select(Household).where(Household.coop_id == coop_id)).all()}
    for change in session.exec(select(PledgeChange).where(PledgeChange.coop_id == coop_id,
                                                          PledgeChange.effective_month <= period)
                               .order_by(col(PledgeChange.effective_month), col(PledgeChange.id))).all():
        pledged[change.household_id] = (change.minutes, change.cents)  # the latest change wins
    due = {household_id: minutes + cents_to_minutes(cents, rate) for household_id, (minutes, cents) in pledged.items()}
    return post_pledges_due_batch(session, coop_id=coop_id, period=period, due=due)
