"""The cooperative's sliding scale of minimum pledges, by income band and number of children.

A band covers households up to a net monthly income; its minimum is a base plus an amount per
child (children counted up to ``CHILDREN_CAP``, "3 or more"). ``save_scale`` is the only way the
scale changes (the coordinator's screen and voted changes both call it); it keeps the scale
monotone: a richer band or one more child never lowers the minimum. Without a scale, or for a
household that declared no band, the cooperative's plain minimum applies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from coop.audit.service import record
from coop.credits.models import PledgeChange, PledgeScaleBand
from coop.credits.service import get_settings
from coop.errors import ValidationFailed
from coop.members.models import Child, Household

CHILDREN_CAP = 3
MAX_BANDS = 8
MAX_MINUTES = 200 * 60
MAX_INCOME_CENTS = 100_000 * 100
CODE = re.compile(r"^[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True)
class BandInput:
    """One band as submitted; bands are given from the lowest income to the highest."""

    code: str
    label: str
    income_up_to_cents: int | None
    base_minutes: int
    per_child_minutes: int


def band_minimum(band: PledgeScaleBand | BandInput, children: int) -> int:
    """The band's minimum monthly pledge, in minutes, for a household with ``children``."""
    return band.base_minutes + band.per_child_minutes * min(max(children, 0), CHILDREN_CAP)


def get_scale(session: Session, *, coop_id: int) -> Sequence[PledgeScaleBand]:
    """The cooperative's bands, lowest income first (empty: no scale, the plain minimum applies)."""
    return session.exec(select(PledgeScaleBand).where(PledgeScaleBand.coop_id == coop_id)
                        .order_by(col(PledgeScaleBand.position))).all()


def _check(bands: Sequence[BandInput]) -> None:
    """One message per wrong field, named ``<field>-<row>`` as on the coordinator's screen."""
    errors: dict[str, object] = {}
    if len(bands) > MAX_BANDS:
        errors["bands"] = _l("A scale has at most %(n)d bands.", n=MAX_BANDS)
    seen: set[str] = set()
    for i, band in enumerate(bands):
        if not CODE.match(band.code):
            errors[f"code-{i}"] = _l("Use 1 to 10 letters or digits.")
        elif band.code.upper() in seen:
            errors[f"code-{i}"] = _l("Each band needs its own code.")
        seen.add(band.code.upper())
        if not band.label.strip() or len(band.label.strip()) > 80:
            errors[f"label-{i}"] = _l("Enter a name of 1 to 80 characters.")
        is_last = i == len(bands) - 1
        if is_last and band.income_up_to_cents is not None:
            errors[f"income-{i}"] = _l("Leave the income of the last band empty: it covers every higher income.")
        elif not is_last and band.income_up_to_cents is None:
            errors[f"income-{i}"] = _l("Give the income up to which this band applies.")
        elif band.income_up_to_cents is not None and not 0 < band.income_up_to_cents <= MAX_INCOME_CENTS:
            errors[f"income-{i}"] = _l("Enter an amount between 1 and %(n)d euros.", n=MAX_INCOME_CENTS // 100)
        elif i and bands[i - 1].income_up_to_cents is not None and band.income_up_to_cents is not None \
                and band.income_up_to_cents <= bands[i - 1].income_up_to_cents:
            errors[f"income-{i}"] = _l("Each band must start above the income of the band before it.")
        for name, minutes in (("base", band.base_minutes), ("per_child", band.per_child_minutes)):
            if not 0 <= minutes <= MAX_MINUTES:
                errors[f"{name}-{i}"] = _l("Enter a number of hours between 0 and %(n)d.", n=MAX_MINUTES // 60)
        if i and f"base-{i}" not in errors and f"per_child-{i}" not in errors and any(
                band_minimum(band, k) < band_minimum(bands[i - 1], k) for k in range(CHILDREN_CAP + 1)):
            errors[f"base-{i}"] = _l("A band with a higher income cannot ask less than the band before it, "
                                     "whatever the number of children.")
    if errors:
        raise ValidationFailed(_l("Check the scale."), fields=errors)


def save_scale(session: Session, *, coop_id: int, bands: Sequence[BandInput], actor_id: int | None,
               ) -> Sequence[PledgeScaleBand]:
    """Replace the cooperative's scale (an empty list removes it); the single entry point for
    every change, audited. Pledges already made keep their amount: the new minimums apply to
    the next change of pledge."""
    _check(bands)
    # Row by row, not one bulk DELETE: the governance history notes the change from the
    # session's deleted rows, and removing the whole scale leaves no new row to notice.
    for old in session.exec(select(PledgeScaleBand).where(PledgeScaleBand.coop_id == coop_id)).all():
        session.delete(old)
    session.flush()
    rows = [PledgeScaleBand(coop_id=coop_id, position=i, code=band.code.upper(), label=band.label.strip(),
                            income_up_to_cents=band.income_up_to_cents, base_minutes=band.base_minutes,
                            per_child_minutes=band.per_child_minutes) for i, band in enumerate(bands)]
    session.add_all(rows)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="pledge_scale",
           object_id=coop_id)
    return rows


def children_count(session: Session, *, household_id: int, period: date) -> int:
    """Children of the household born before the end of the month starting ``period``."""
    end = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return session.exec(select(func.count()).select_from(Child).where(
        Child.household_id == household_id, Child.birth_date < end)).one()


def declared_band(session: Session, *, household_id: int, period: date) -> str | None:
    """The income band declared with the household's pledge in effect for the month ``period``."""
    return session.exec(select(PledgeChange.income_band).where(
        PledgeChange.household_id == household_id, PledgeChange.effective_month <= period)
        .order_by(col(PledgeChange.effective_month).desc(), col(PledgeChange.id).desc())).first()


def minimum_for(session: Session, *, household: Household, period: date) -> int:
    """The least the household must pledge for the month ``period``, for the band it declared."""
    return minimum_for_band(session, household=household, period=period,
                            income_band=declared_band(session, household_id=household.id, period=period))


def minimum_for_band(session: Session, *, household: Household, period: date, income_band: str | None) -> int:
    """The least a household must pledge for the month ``period``, in minutes (hours plus euros
    converted at the cooperative's rate count together): the band's value for its children,
    or the plain minimum when there is no such band (no scale, or no band declared)."""
    if income_band is not None:
        for band in get_scale(session, coop_id=household.coop_id):
            if band.code == income_band:
                return band_minimum(band, children_count(session, household_id=household.id, period=period))
    return get_settings(session, coop_id=household.coop_id).minimum_pledge_minutes


def is_known_band(session: Session, *, coop_id: int, code: str) -> bool:
    return session.exec(select(PledgeScaleBand.id).where(PledgeScaleBand.coop_id == coop_id,
                                                         PledgeScaleBand.code == code)).first() is not None
