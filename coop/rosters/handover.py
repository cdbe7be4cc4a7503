"""The handover sheet: which children are expected at a site during the current and the next
shift, with their allergies and who may (and who must not) collect them.

This is child and family data, so it goes only to a caregiver who is on a published shift
right now (for the sites of that shift) and to coordinators, and every view is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from coop.audit.service import record
from coop.bookings.models import Booking
from coop.bookings.service import list_bookings
from coop.cooperatives.models import Site
from coop.errors import Forbidden
from coop.members.models import Child, PickupPerson
from coop.rosters.models import Roster, RosterAssignment, RosterShift


@dataclass(frozen=True)
class Expected:
    """One child's booking during a shift, with the child and their pick-up persons."""

    booking: Booking
    child: Child
    authorised: tuple[PickupPerson, ...]
    barred: tuple[PickupPerson, ...]


@dataclass(frozen=True)
class ShiftSheet:
    shift: RosterShift
    children: tuple[Expected, ...]


@dataclass
class SiteSheet:
    """The current shift of one site and the one after it (None when none is published)."""

    site: Site
    current: ShiftSheet
    following: ShiftSheet | None = None
    barred_count: int = field(default=0)


def _published_shifts(coop_id: int) -> SelectOfScalar[RosterShift]:
    return (select(RosterShift).join(Roster, col(Roster.id) == RosterShift.roster_id)
            .where(Roster.coop_id == coop_id, Roster.status == "published"))


def current_shifts(session: Session, *, coop_id: int, now: datetime,
                   caregiver_id: int | None = None) -> Sequence[RosterShift]:
    """Published shifts spanning ``now``; only those the caregiver works when given (a
    caregiver who announced they cannot come is not on the shift)."""
    stmt = _published_shifts(coop_id).where(col(RosterShift.start_at) <= now,
                                                      col(RosterShift.end_at) > now)
    if caregiver_id is not None:
        stmt = stmt.join(RosterAssignment, col(RosterAssignment.shift_id) == RosterShift.id).where(
            RosterAssignment.caregiver_id == caregiver_id, col(RosterAssignment.attendance).is_(None))
    return session.exec(stmt.order_by(RosterShift.site_id, RosterShift.start_at)).all()


def _next_shift(session: Session, *, coop_id: int, after: RosterShift) -> RosterShift | None:
    stmt = _published_shifts(coop_id).where(RosterShift.site_id == after.site_id,
                                                      col(RosterShift.start_at) >= after.end_at)
    return session.exec(stmt.order_by(RosterShift.start_at)).first()


def _sheet(session: Session, *, coop_id: int, shift: RosterShift) -> ShiftSheet:
    bookings = list_bookings(session, coop_id=coop_id, household_ids=None, start_at=shift.start_at,
                             end_at=shift.end_at, site_id=shift.site_id)
    child_ids = sorted({b.child_id for b in bookings})
    children = {c.id: c for c in session.exec(select(Child).where(col(Child.id).in_(child_ids)))}
    pickups: dict[int, list[PickupPerson]] = {}
    for person in session.exec(select(PickupPerson).where(col(PickupPerson.child_id).in_(child_ids))
                               .order_by(PickupPerson.name)):
        pickups.setdefault(person.child_id, []).append(person)
    seen: set[int] = set()
    expected = []
    for booking in bookings:
        if booking.child_id in seen:
            continue
        seen.add(booking.child_id)
        people = pickups.get(booking.child_id, [])
        expected.append(Expected(booking, children[booking.child_id], tuple(p for p in people if not p.is_barred),
                                 tuple(p for p in people if p.is_barred)))
    return ShiftSheet(shift, tuple(expected))


def handover(session: Session, *, coop_id: int, actor_id: int, caregiver_id: int | None, is_coordinator: bool,
             now: datetime) -> list[SiteSheet]:
    """Per site of the shifts the caregiver works now (every site with a shift now, for a
    coordinator): the children expected in this shift and the next. Refused to a caregiver
    not on shift; each site shown is recorded in the audit log."""
    shifts = current_shifts(session, coop_id=coop_id, now=now,
                            caregiver_id=None if is_coordinator else caregiver_id)
    if not is_coordinator and (caregiver_id is None or not shifts):
        raise Forbidden(_l("The handover is shown only to caregivers on a shift now."), code="not_on_shift")
    sites = {s.id: s for s in session.exec(select(Site).where(Site.coop_id == coop_id))}
    sheets: dict[int, SiteSheet] = {}
    for shift in shifts:
        if shift.site_id in sheets:
            continue
        following = _next_shift(session, coop_id=coop_id, after=shift)
        sheet = SiteSheet(sites[shift.site_id], _sheet(session, coop_id=coop_id, shift=shift),
                          _sheet(session, coop_id=coop_id, shift=following) if following else None)
        sheet.barred_count = sum(len(e.barred) for part in (sheet.current, sheet.following) if part
                                 for e in part.children)
        sheets[shift.site_id] = sheet
        record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="handover",
               object_id=shift.id)
    return list(sheets.values())
