"""Demand: how many caregivers, with which qualifications, each shift of a week needs,
derived from the children booked at the site and the cooperative's ratios.

Each shift occurrence is built from its site's template on the cooperative's wall clock
(a 23:00–07:00 night over a clock change lasts 7 or 9 real hours) and stored in UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from coop.bookings.models import LONGEST_STAY, Booking
from coop.cooperatives.models import Cooperative, Site
from coop.cooperatives.service import list_sites
from coop.members.models import Child
from coop.rosters.models import RosterRules, ShiftTemplate
from coop.rosters.rules import get_rules
from coop.rosters.templates import templates_of

BANDS = ("infants", "toddlers", "children")
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class ShiftDemand:
    """One shift occurrence and what it needs. ``qualified`` maps a qualification
    (``first_aid``, ``infant_care``, ``inclusive_care``, ``night_certified``) to the number of
    caregivers holding it that the shift needs.

    ``derivation`` (JSON) says why: ``children_in_shift`` and ``required`` always; when
    children come, also ``busiest_at`` (ISO UTC), ``children`` per band there, ``ratios``,
    ``ratio_share`` ([numerator, denominator]) and ``ratio_share_text`` (2 decimals),
    ``ratio_need``, ``night_min_adults`` (0 by day), ``qualifications`` (reason code per
    qualification) and ``professionals`` ("night_shift" or "").
    """

    site_id: int
    code: str
    start_at: datetime
    end_at: datetime
    is_night: bool
    required: int
    qualified: dict[str, int] = field(default_factory=dict)
    min_professionals: int = 0
    derivation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stay:
    """A child at the site for ``[start_at, end_at)`` (an active booking)."""

    start_at: datetime
    end_at: datetime
    child: Child


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; a day the target month lacks becomes its last day
    (born 31 August: 18 months old on the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_band(birth_date: date, on: date) -> str:
    """``infants`` under 18 months, ``toddlers`` from 18 months to 3 years, ``children`` from
    3 years (children older than 12 are counted in that band too: they still need watching)."""
    if on < add_months(birth_date, 18):
        return "infants"
    if on < add_months(birth_date, 36):
        return "toddlers"
    return "children"


def ratio_share(counts: dict[str, int], rules: RosterRules) -> Fraction:
    """Caregivers the children need by the ratios, before rounding up (exact)."""
    return (Fraction(counts["infants"], rules.infant_ratio) + Fraction(counts["toddlers"], rules.toddler_ratio)
            + Fraction(counts["children"], rules.child_ratio))


def caregivers_needed(counts: dict[str, int], rules: RosterRules, *, is_night: bool) -> int:
    """Caregivers needed at one instant: ``ceil(infants/infant_ratio + toddlers/toddler_ratio
    + children/child_ratio)``, and at night at least ``night_min_adults`` when any child is there.

    Each child takes a share of one caregiver (a quarter for a baby at 1:4, an eighth for a
    school child at 1:8); the shares of a mixed group add up and are rounded up once. Rounding
    each band on its own would ask three caregivers for one baby, one toddler and one school
    child (shares 1/4 + 1/7 + 1/8, under one caregiver), which no cooperative could staff,
    while the sum never lets any band exceed its ratio. At night one adult alone could not
    handle an emergency and the other children at once, hence the night minimum.
    """
    present = sum(counts.values())
    if present == 0:
        return 0
    need = ceil(ratio_share(counts, rules))
    return max(need, rules.night_min_adults) if is_night else need


def week_demand(session: Session, *, coop: Cooperative, week_start: date) -> list[ShiftDemand]:
    """Every shift occurrence starting in the ISO week of local Monday ``week_start``, at
    every site of ``coop``, with its demand from the active bookings; sorted by site, start.

    ``required`` is the largest need over the shift, looked at each instant the children
    present can change (a booking starting or ending, a local midnight when a child may
    change age band). Qualifications are asked only when children are there: first aid
    always, infant care with a baby under 18 months, inclusive care with a child who needs it,
    night certification and one professional (paid or flying) on a night shift.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is not a Monday")
    assert coop.id is not None
    rules = get_rules(session, coop_id=coop.id)
    result: list[ShiftDemand] = []
    for site in list_sites(session, coop_id=coop.id):
        occurrences = shift_occurrences(session, coop=coop, site=site, week_start=week_start)
        if not occurrences:
            continue
        stays = _stays(session, coop_id=coop.id, site_id=site.id, start_at=occurrences[0][1],
                       end_at=max(end for _, _, end, _ in occurrences))
        for code, start_at, end_at, is_night in occurrences:
            inside = [s for s in stays if s.start_at < end_at and s.end_at > start_at]
            result.append(shift_demand(site_id=site.id, code=code, start_at=start_at, end_at=end_at,
                                       is_night=is_night, stays=inside, rules=rules, timezone=coop.timezone))
    return result


def shift_occurrences(session: Session, *, coop: Cooperative, site: Site,
                      week_start: date) -> list[tuple[str, datetime, datetime, bool]]:
    """``(code, start_at, end_at, is_night)`` of the site's shifts starting in the week, in UTC.

    Start and end are wall-clock times: one in the hour skipped in spring means the moment
    the clocks jump (so a shift lying wholly inside that hour does not happen), an ambiguous
    autumn time its first occurrence.
    """
    assert coop.id is not None and site.id is not None
    by_day = templates_of(session, coop_id=coop.id, site_id=site.id)
    result = []
    for weekday in range(7):
        day = week_start + timedelta(days=weekday)
        for template in by_day.get(weekday, []):
            start_at, end_at = _wall_span(day, template, coop.timezone)
            if end_at > start_at:
                result.append((template.code, start_at, end_at, template.is_night))
    return sorted(result, key=lambda o: (o[1], o[0]))


def _wall_span(day: date, template: ShiftTemplate, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time()) + timedelta(minutes=template.start_minute)
    end = start + timedelta(minutes=template.length_minutes)
    return _instant(start, tz), _instant(end, tz)


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time as UTC; one the spring change skips means the moment the
    clocks jump, and an ambiguous autumn one its first occurrence (``fold=0``)."""
    while True:
        aware = wall.replace(tzinfo=tz)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
            return aware.astimezone(UTC)
        wall += timedelta(minutes=1)


def _stays(session: Session, *, coop_id: int, site_id: int, start_at: datetime, end_at: datetime) -> list[Stay]:
    rows = session.exec(
        select(Booking, Child).join(Child, col(Child.id) == col(Booking.child_id))
        .where(Booking.coop_id == coop_id, Booking.site_id == site_id, col(Booking.cancelled_at).is_(None),
               Child.coop_id == coop_id, Booking.start_at < end_at, Booking.start_at > start_at - LONGEST_STAY,
               Booking.end_at > start_at)
        .order_by(col(Booking.start_at))
    ).all()
    return [Stay(start_at=b.start_at, end_at=b.end_at, child=c) for b, c in rows]


def shift_demand(*, site_id: int, code: str, start_at: datetime, end_at: datetime, is_night: bool,
                 stays: Iterable[Stay], rules: RosterRules, timezone: str) -> ShiftDemand:
    """The demand of one shift from the stays overlapping it (see `week_demand`)."""
    stays = list(stays)
    tz = ZoneInfo(timezone)
    busiest: tuple[int, int, datetime, dict[str, int]] | None = None
    has_infant = has_inclusive = False
    children_seen: set[int] = set()
    for instant in _change_points(start_at, end_at, stays, tz):
        present = {s.child.id: s.child for s in stays if s.start_at <= instant < s.end_at}
        if not present:
            continue
        today = instant.astimezone(tz).date()
        counts = dict.fromkeys(BANDS, 0)
        for child in present.values():
            counts[age_band(child.birth_date, today)] += 1
            has_inclusive = has_inclusive or child.needs_inclusive_care
        has_infant = has_infant or counts["infants"] > 0
        children_seen.update(k for k in present if k is not None)
        need = caregivers_needed(counts, rules, is_night=is_night)
        if busiest is None or (need, sum(counts.values())) > busiest[:2]:
            busiest = (need, sum(counts.values()), instant, counts)
    if busiest is None:
        return ShiftDemand(site_id=site_id, code=code, start_at=start_at, end_at=end_at, is_night=is_night,
                           required=0, derivation={"children_in_shift": 0, "required": 0})
    need, _, instant, counts = busiest
    qualified = {"first_aid": 1}
    reasons = {"first_aid": "children_present"}
    if has_infant:
        qualified["infant_care"], reasons["infant_care"] = 1, "infant_present"
    if has_inclusive:
        qualified["inclusive_care"], reasons["inclusive_care"] = 1, "inclusive_present"
    if is_night:
        qualified["night_certified"], reasons["night_certified"] = 1, "night_shift"
    share = ratio_share(counts, rules)
    derivation = {
        "children_in_shift": len(children_seen),
        "busiest_at": instant.isoformat(),
        "children": counts,
        "ratios": {"infants": rules.infant_ratio, "toddlers": rules.toddler_ratio, "children": rules.child_ratio},
        "ratio_share": [share.numerator, share.denominator],
        "ratio_share_text": str((Decimal(share.numerator) / share.denominator).quantize(CENTS, ROUND_HALF_UP)),
        "ratio_need": ceil(share),
        "night_min_adults": rules.night_min_adults if is_night else 0,
        "required": need,
        "qualifications": reasons,
        "professionals": "night_shift" if is_night else "",
    }
    return ShiftDemand(site_id=site_id, code=code, start_at=start_at, end_at=end_at, is_night=is_night,
                       required=need, qualified=qualified, min_professionals=1 if is_night else 0,
                       derivation=derivation)


def _change_points(start_at: datetime, end_at: datetime, stays: list[Stay], tz: ZoneInfo) -> list[datetime]:
    """The instants inside ``[start_at, end_at)`` after which who is there, or their age
    band, may change: between two of them nothing does, so the need is constant."""
    points = {start_at}
    for stay in stays:
        points.update(t for t in (stay.start_at, stay.end_at) if start_at < t < end_at)
    local_day = start_at.astimezone(tz).date()
    while True:
        local_day += timedelta(days=1)
        midnight = datetime.combine(local_day, time(), tzinfo=tz).astimezone(UTC)
        if midnight >= end_at:
            break
        points.add(midnight)
    return sorted(points)
