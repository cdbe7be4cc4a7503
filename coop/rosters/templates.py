"""Shift templates: each site's staffing windows per weekday, from which the weekly shifts
(and their demand) are built.

A new site gets the defaults (early 07–15, late 15–23, night 23–07) on every day it is open;
the coordinator then edits them day by day. Times are wall-clock minutes from local midnight,
so a night shift stays "23:00 to 07:00" across a clock change (and lasts 7 or 9 real hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.audit.service import record
from coop.cooperatives.models import Site, SiteHours
from coop.errors import NotFound, ValidationFailed
from coop.rosters.models import ShiftTemplate

CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,18}[a-z0-9])?$")
MIN_LENGTH, MAX_LENGTH = 30, 1440
MAX_SHIFTS_PER_DAY = 8
DAY = 1440


@dataclass(frozen=True)
class ShiftInput:
    """One shift of a day as the coordinator gives it, before the service checks it."""

    code: str
    start_minute: int
    length_minutes: int
    is_night: bool = False

    @property
    def end_minute(self) -> int:
        """Minutes from the day's midnight; above 1440 the shift ends the next day."""
        return self.start_minute + self.length_minutes


SHIFT_LABELS = {"early": _l("Early shift"), "late": _l("Late shift"), "night": _l("Night shift")}

DEFAULT_SHIFTS: tuple[ShiftInput, ...] = (
    ShiftInput(code="early", start_minute=7 * 60, length_minutes=8 * 60),
    ShiftInput(code="late", start_minute=15 * 60, length_minutes=8 * 60),
    ShiftInput(code="night", start_minute=23 * 60, length_minutes=8 * 60, is_night=True),
)


def shift_label(code: str) -> Any:
    """The translated name of a default shift; a code the coordinator made up is its own name."""
    return SHIFT_LABELS.get(code, code)


def default_shifts_for(site: Site, hours: dict[int, tuple[int, int]]) -> dict[int, list[ShiftInput]]:
    """The default shifts of each weekday: all of them when the site never closes, otherwise
    those overlapping that day's opening hours (a day without hours gets none)."""
    if site.is_always_open:
        return {weekday: list(DEFAULT_SHIFTS) for weekday in range(7)}
    result: dict[int, list[ShiftInput]] = {}
    for weekday in range(7):
        if weekday not in hours:
            result[weekday] = []
            continue
        opens, closes = hours[weekday]
        result[weekday] = [s for s in DEFAULT_SHIFTS if s.start_minute < closes and opens < s.end_minute]
    return result


def seed_defaults(session: Session, *, site: Site) -> int:
    """Give a site the default shifts, only when it has no template at all (so running it
    again, or after the coordinator emptied a day, changes nothing). Returns how many rows."""
    assert site.id is not None
    has_any = session.exec(select(ShiftTemplate.id).where(ShiftTemplate.site_id == site.id).limit(1)).first()
    if has_any is not None:
        return 0
    count = 0
    hours = _opening_hours(session, site_id=site.id)
    for weekday, shifts in default_shifts_for(site, hours).items():
        for shift in shifts:
            session.add(_row(site, weekday, shift))
            count += 1
    session.flush()
    return count


def templates_of(session: Session, *, coop_id: int, site_id: int) -> dict[int, list[ShiftTemplate]]:
    """A site's templates by weekday (0 = Monday, every weekday present), each day sorted by
    start time then code. Another cooperative's site is not found."""
    _site(session, coop_id=coop_id, site_id=site_id)
    rows = session.exec(select(ShiftTemplate).where(ShiftTemplate.site_id == site_id)
                        .order_by(col(ShiftTemplate.weekday), col(ShiftTemplate.start_minute),
                                  col(ShiftTemplate.code))).all()
    result: dict[int, list[ShiftTemplate]] = {weekday: [] for weekday in range(7)}
    for row in rows:
        result[row.weekday].append(row)
    return result


def check_shifts(shifts: list[ShiftInput]) -> dict[str, object]:
    """Field errors of one day's shifts, keyed ``code_<i>``, ``start_<i>``, ``length_<i>``
    by the shift's position in the list (empty when all is well)."""
    errors: dict[str, object] = {}
    if len(shifts) > MAX_SHIFTS_PER_DAY:
        errors["shifts"] = _l("At most %(n)d shifts a day.", n=MAX_SHIFTS_PER_DAY)
    seen: set[str] = set()
    for i, shift in enumerate(shifts):
        if not CODE_RE.match(shift.code or ""):
            errors[f"code_{i}"] = _l("Use 1 to 20 lower-case letters, digits, dashes or underscores.")
        elif shift.code in seen:
            errors[f"code_{i}"] = _l("Another shift of this day already has this name.")
        seen.add(shift.code)
        if not 0 <= shift.start_minute < DAY:
            errors[f"start_{i}"] = _l("Enter a time like 07:30.")
        if not MIN_LENGTH <= shift.length_minutes <= MAX_LENGTH:
            errors[f"length_{i}"] = _l("A shift lasts from 30 minutes to 24 hours.")
    return errors


def save_day_templates(session: Session, *, coop_id: int, site_id: int, weekday: int, shifts: list[ShiftInput],
                       actor_id: int | None) -> list[ShiftTemplate]:
    """Replace one weekday's shifts of a site (an empty list closes that day to staffing).

    Everything is checked before anything changes, so a refused day keeps its old shifts.
    """
    site = _site(session, coop_id=coop_id, site_id=site_id)
    errors = check_shifts(shifts)
    if not 0 <= weekday <= 6:
        errors["weekday"] = _l("Choose a value from the list.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    old = session.exec(select(ShiftTemplate).where(ShiftTemplate.site_id == site_id,
                                                   ShiftTemplate.weekday == weekday)).all()
    for row in old:
        session.delete(row)
    session.flush()
    rows = [_row(site, weekday, shift) for shift in sorted(shifts, key=lambda s: (s.start_minute, s.code))]
    session.add_all(rows)
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="site", object_id=site_id)
    session.flush()
    return rows


def copy_day_to_all(session: Session, *, coop_id: int, site_id: int, weekday: int,
                    actor_id: int | None) -> int:
    """Make every other day of the week like ``weekday`` (for a site with opening hours,
    only the days it opens: a closed day stays without shifts). Returns the days changed."""
    site = _site(session, coop_id=coop_id, site_id=site_id)
    source = templates_of(session, coop_id=coop_id, site_id=site_id).get(weekday, [])
    shifts = [ShiftInput(code=t.code, start_minute=t.start_minute, length_minutes=t.length_minutes,
                         is_night=t.is_night) for t in source]
    open_days = set(range(7)) if site.is_always_open else set(_opening_hours(session, site_id=site_id))
    changed = 0
    for day in sorted(open_days - {weekday}):
        save_day_templates(session, coop_id=coop_id, site_id=site_id, weekday=day, shifts=shifts, actor_id=actor_id)
        changed += 1
    return changed


def _site(session: Session, *, coop_id: int, site_id: int) -> Site:
    # Not cooperatives.service.get_site: that module seeds new sites' templates from here.
    site = session.get(Site, site_id)
    if site is None or site.coop_id != coop_id:
        raise NotFound(_l("This site does not exist."))
    return site


def _opening_hours(session: Session, *, site_id: int) -> dict[int, tuple[int, int]]:
    rows = session.exec(select(SiteHours).where(SiteHours.site_id == site_id)).all()
    return {row.weekday: (row.opens_minute, row.closes_minute) for row in rows}


def _row(site: Site, weekday: int, shift: ShiftInput) -> ShiftTemplate:
    assert site.id is not None
    return ShiftTemplate(coop_id=site.coop_id, site_id=site.id, weekday=weekday, code=shift.code,
                         start_minute=shift.start_minute, length_minutes=shift.length_minutes,
                         is_night=shift.is_night)
