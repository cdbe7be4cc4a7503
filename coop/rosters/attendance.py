"""Who turns up for published shifts: a caregiver saying ahead "I can't make it", and the
coordinator confirming, once a shift has ended, who worked it.

A worked volunteer shift posts its minutes to the household's contribution ledger through
`coop.credits.service.post_hours_worked`; a night shift's minutes all count as night minutes
(weighted by the cooperative's setting). The ledger key ``roster-attendance:<assignment id>``
makes a second confirmation, or two coordinators confirming at once, post once. Paid staff
and flying professionals are paid by contract: their attendance posts nothing to a household.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.bookings.times import local, to_utc
from coop.caregivers.models import AvailabilityException, CaregiverProfile
from coop.cooperatives.models import Cooperative
from coop.credits.service import post_hours_worked
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.outbox.service import in_language
from coop.rosters.feed import PublishedShift, published_shifts
from coop.rosters.models import ATTENDANCE, Roster, RosterAssignment, RosterShift, ShiftSwap, SolveRun
from coop.rosters.runs import enqueue
from coop.rosters.swaps import coordinator_ids, own_future_shift, person_of, tell


@dataclass(frozen=True)
class AttendanceRow:
    item: PublishedShift
    caregiver: CaregiverProfile
    name: str

    @property
    def is_confirmed(self) -> bool:
        return self.item.assignment.attendance is not None


def ledger_key(assignment_id: int) -> str:
    """The contribution ledger's idempotency key for one assignment's worked hours."""
    return f"roster-attendance:{assignment_id}"


def ended_shifts(session: Session, *, coop_id: int, week_start: date, timezone: str,
                 now: datetime) -> list[AttendanceRow]:
    """Published assignments of the local week starting ``week_start`` whose shift has ended."""
    start_at, end_at = to_utc(week_start, 0, timezone), to_utc(week_start + timedelta(days=7), 0, timezone)
    items = [item for item in published_shifts(session, coop_id=coop_id, start_at=start_at, end_at=end_at)
             if start_at <= item.shift.start_at < end_at and item.shift.end_at <= now]
    ids = {item.assignment.caregiver_id for item in items}
    people = {profile.id: (profile, name) for profile, name in session.exec(
        select(CaregiverProfile, Person.display_name).join(Person, col(Person.id) == CaregiverProfile.person_id)
        .where(col(CaregiverProfile.id).in_(ids)))}
    return [AttendanceRow(item, *people[item.assignment.caregiver_id]) for item in items]


def _credit(session: Session, *, row: AttendanceRow, coop_id: int, timezone: str, actor_id: int) -> None:
    if row.caregiver.kind != "volunteer" or row.caregiver.household_id is None:
        return
    shift = row.item.shift
    post_hours_worked(session, household_id=row.caregiver.household_id, minutes=row.item.minutes,
                      night_minutes=row.item.minutes if shift.is_night else 0,
                      key=ledger_key(row.item.assignment.id), on_date=local(shift.start_at, timezone).date(),
                      actor_id=actor_id, coop_id=coop_id)


def confirm(session: Session, *, coop_id: int, week_start: date, timezone: str, marks: Mapping[int, str],
            actor_id: int, now: datetime) -> int:
    """Record ``marks`` (assignment id → worked/absent) for ended shifts of that week and credit
    the worked volunteer shifts; returns how many changed. A mark equal to the one already
    recorded changes nothing; a different one is refused (the hours may already be credited)."""
    bad = [assignment_id for assignment_id, mark in marks.items() if mark not in ATTENDANCE]
    if bad:
        raise ValidationFailed(_l("Choose worked or absent."), fields={f"a{i}": _l("Choose worked or absent.")
                                                                          for i in bad})
    # Lock the rows first so two coordinators confirming at once take turns (PostgreSQL).
    session.exec(select(RosterAssignment.id).where(col(RosterAssignment.id).in_(list(marks)))
                 .with_for_update()).all()
    rows = {row.item.assignment.id: row for row in ended_shifts(session, coop_id=coop_id, week_start=week_start,
                                                                timezone=timezone, now=now)}
    todo = []
    for assignment_id, mark in marks.items():
        row = rows.get(assignment_id)
        if row is None:
            raise NotFound(_l("This shift does not exist or has not ended yet."))
        session.refresh(row.item.assignment)
        if row.item.assignment.attendance == mark:
            continue
        if row.item.assignment.attendance is not None:
            raise Conflict(_l("This shift's attendance was already confirmed."), code="attendance_confirmed")
        todo.append((row, mark))
    for row, mark in todo:
        assignment = row.item.assignment
        assignment.attendance, assignment.confirmed_at, assignment.confirmed_by_id = mark, now, actor_id
        session.add(assignment)
        if mark == "worked":
            _credit(session, row=row, coop_id=coop_id, timezone=timezone, actor_id=actor_id)
    session.flush()
    return len(todo)


def confirm_as_planned(session: Session, *, coop_id: int, week_start: date, timezone: str, actor_id: int,
                       now: datetime) -> int:
    """One click: every ended, unconfirmed shift of the week was worked as planned."""
    pending = {row.item.assignment.id: "worked" for row in ended_shifts(
        session, coop_id=coop_id, week_start=week_start, timezone=timezone, now=now) if not row.is_confirmed}
    return confirm(session, coop_id=coop_id, week_start=week_start, timezone=timezone, marks=pending,
                   actor_id=actor_id, now=now)


def _mark_absent(session: Session, assignment: RosterAssignment, *, actor_id: int, now: datetime) -> None:
    """A published future shift given up: it stays on record, marked absent, no longer pinned."""
    assignment.attendance, assignment.confirmed_at = "absent", now
    assignment.confirmed_by_id, assignment.is_pinned = actor_id, False
    session.add(assignment)


def release_shifts_of(session: Session, *, coop_id: int, person_ids: list[int], now: datetime,
                      actor_id: int) -> int:
    """The shifts of people who leave (an erased household's parents) that have not started:
    absent in published rosters, as if each had said "I can't make it", with a repair of each
    week queued; gone from drafts. Returns how many published shifts were released."""
    if not person_ids:
        return 0
    theirs = select(CaregiverProfile.id).where(col(CaregiverProfile.person_id).in_(person_ids))
    rows = session.exec(
        select(RosterAssignment, Roster).join(Roster, col(Roster.id) == RosterAssignment.roster_id)
        .join(RosterShift, col(RosterShift.id) == RosterAssignment.shift_id)
        .where(Roster.coop_id == coop_id, col(Roster.status).in_(("draft", "published")),
               col(RosterAssignment.caregiver_id).in_(theirs), col(RosterAssignment.attendance).is_(None),
               RosterShift.start_at > now)
        .order_by(col(Roster.id), col(RosterAssignment.id))
    ).all()
    # The same lock as "I can't make it" takes, so a publish never crosses this.
    session.exec(select(Roster.id).where(col(Roster.id).in_(sorted({roster.id for _, roster in rows})))
                 .order_by(col(Roster.id)).with_for_update()).all()
    weeks = set()
    for assignment, roster in rows:
        if roster.status == "draft":
            session.delete(assignment)
            continue
        _mark_absent(session, assignment, actor_id=actor_id, now=now)
        weeks.add(roster.week_start)
    session.flush()
    for week in sorted(weeks):
        enqueue(session, coop_id=coop_id, week_start=week, kind="repair", requested_by_id=actor_id)
    return sum(roster.status == "published" for _, roster in rows)


def cancel_shift(session: Session, *, coop_id: int, assignment_id: int, caregiver_id: int | None, actor_id: int,
                 now: datetime) -> SolveRun:
    """"I can't make it": the caregiver (or a coordinator for them) gives up a published future
    shift. The assignment stays in the published roster marked absent (what people were told
    stays on record), its open offers are withdrawn, the caregiver is marked away that day so
    the repair does not put them back, a repair run is queued and the coordinators are told."""
    held = own_future_shift(session, coop_id=coop_id, assignment_id=assignment_id, caregiver_id=caregiver_id,
                            now=now)
    session.exec(select(Roster.id).where(Roster.id == held.roster.id).with_for_update()).one()
    session.refresh(held.assignment)
    if held.assignment.attendance is not None:
        raise Conflict(_l("This shift is no longer in the published roster."), code="shift_not_published")
    coop = session.get(Cooperative, coop_id)
    _mark_absent(session, held.assignment, actor_id=actor_id, now=now)
    for swap in session.exec(select(ShiftSwap).where(ShiftSwap.assignment_id == assignment_id,
                                                     ShiftSwap.status == "open")).all():
        swap.status, swap.decided_at = "withdrawn", now
        session.add(swap)
    day = local(held.shift.start_at, coop.timezone).date()
    caregiver = session.get(CaregiverProfile, held.assignment.caregiver_id)
    with in_language(session.get(Person, caregiver.person_id), coop):
        note = _("Cannot make the shift at %(site)s", site=held.site.name)[:200]
    session.add(AvailabilityException(caregiver_id=caregiver.id, start_date=day, end_date=day, is_available=False,
                                      note=note))
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="roster_assignment",
           object_id=held.assignment.id)
    run = enqueue(session, coop_id=coop_id, week_start=held.roster.week_start, kind="repair",
                  requested_by_id=actor_id)
    person_id, name = person_of(session, held.assignment.caregiver_id)
    if person_id is not None and person_id != actor_id:
        tell(session, coop=coop, person_ids=[person_id], topic="shift_cancelled", held=held,
             subject=lambda: _("You no longer work a shift"),
             body=lambda shift: _("A coordinator noted that you cannot make the shift %(shift)s. You no longer "
                                  "work it.", shift=shift), link=f"/c/{coop.slug}/shifts/")
    tell(session, coop=coop, person_ids=coordinator_ids(session, coop_id=coop_id), topic="shift_cancelled",
         held=held, subject=lambda: _("A caregiver cannot make a shift"),
         body=lambda shift: _("%(name)s cannot make the shift %(shift)s. A repair of the roster was queued: "
                              "review who would move and publish it.", name=name, shift=shift),
         link=f"/c/{coop.slug}/rosters/")
    return run
