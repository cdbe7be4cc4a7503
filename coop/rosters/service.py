"""Rosters of a week: which are current, what breaks a rule, who would move, and publishing.

Publishing is the moment people are told: only a roster with no hard violation (checked by
`solver.validate` against the roster's own stored shifts) may be published; it supersedes
the week's previous published roster, and every caregiver whose shifts it changes gets a
notice in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative, Site
from coop.errors import Conflict, NotFound
from coop.outbox.service import in_language, notify
from coop.rosters.models import Roster, RosterAssignment, RosterShift, ShiftSwap
from coop.rosters.problem import as_solution, problem_for_roster, solution_assignments
from coop.rosters.weeks import format_week
from solver.validate import CHECKS

DAY_RE = re.compile(r"\bday[= ](\d+)")
#: The validator names a caregiver first, or inside an assignment (shift ids may contain "c1").
CAREGIVER_RE = re.compile(r"(?:^|caregiver=')c(\d+)\b")
RULE_MESSAGES = {
    "known_ids": _l("%(who)s is on a shift that no longer exists, or is no longer a caregiver here."),
    "one_shift_per_day": _l("%(who)s works two shifts on %(day)s."),
    "availability": _l("%(who)s is not available for the shift on %(day)s."),
    "min_rest": _l("%(who)s does not get enough rest between two shifts (%(day)s)."),
    "week_minutes": _l("%(who)s works more hours this week than the rules allow."),
    "pinned": _l("A fixed assignment is missing on %(day)s."),
}
OTHER_RULE = _l("%(who)s: a rostering rule is broken on %(day)s.")


@dataclass(frozen=True)
class CurrentRosters:
    """The week's published roster and the newest draft made after it (either may be None)."""

    published: Roster | None
    draft: Roster | None


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with a message for the coordinator."""

    rule: str
    message: str
    caregiver_id: int | None = None
    day: date | None = None


@dataclass(frozen=True)
class ShiftRef:
    """A shift occurrence as people know it: where and when."""

    site_id: int
    code: str
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class Move:
    """How one caregiver's week would change: shifts taken off and shifts given."""

    caregiver_id: int
    removed: tuple[ShiftRef, ...] = ()
    added: tuple[ShiftRef, ...] = ()


def week_rosters(session: Session, *, coop_id: int, week_start: date, lock: bool = False) -> Sequence[Roster]:
    """Every roster of a cooperative's week, oldest first (locked when asked, in id order)."""
    stmt = select(Roster).where(Roster.coop_id == coop_id, Roster.week_start == week_start).order_by(col(Roster.id))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).all()


def current_rosters(session: Session, *, coop_id: int, week_start: date) -> CurrentRosters:
    """The published roster of the week and the newest draft made after it."""
    rosters = week_rosters(session, coop_id=coop_id, week_start=week_start)
    published = next((r for r in reversed(rosters) if r.status == "published"), None)
    drafts = [r for r in rosters if r.status == "draft" and (published is None or r.id > published.id)]
    return CurrentRosters(published=published, draft=drafts[-1] if drafts else None)


def get_roster(session: Session, *, coop_id: int, roster_id: int) -> Roster:
    """A roster of this cooperative; another cooperative's is not found."""
    roster = session.get(Roster, roster_id)
    if roster is None or roster.coop_id != coop_id:
        raise NotFound(_l("This roster does not exist."))
    return roster


def _names(session: Session, profile_ids: set[int]) -> dict[int, str]:
    if not profile_ids:
        return {}
    rows = session.exec(select(CaregiverProfile.id, Person.display_name)
                        .join(Person, col(Person.id) == col(CaregiverProfile.person_id))
                        .where(col(CaregiverProfile.id).in_(sorted(profile_ids)))).all()
    return {pid: name for pid, name in rows if pid is not None}


def violations(session: Session, roster: Roster) -> list[Violation]:
    """Every hard rule the roster breaks, checked against its own stored shifts and today's
    caregivers and availability; empty when it may be published."""
    problem, index = problem_for_roster(session, roster)
    solution = as_solution(solution_assignments(session, roster, index))
    found: list[tuple[str, int | None, date | None]] = []
    for check in CHECKS:
        rule = check.__name__.removeprefix("check_")
        for text in check(problem, solution):
            who, when = CAREGIVER_RE.search(text), DAY_RE.search(text)
            day = roster.week_start + timedelta(days=int(when.group(1))) if when else None
            found.append((rule, int(who.group(1)) if who else None, day))
    names = _names(session, {pid for _, pid, _ in found if pid is not None})
    result = []
    for rule, pid, day in found:
        template = RULE_MESSAGES.get(rule, OTHER_RULE)
        who = names.get(pid, _("Someone")) if pid is not None else _("Someone")
        when = format_date(day, "EEEE d MMMM") if day else ""
        result.append(Violation(rule=rule, message=str(template % {"who": who, "day": when}), caregiver_id=pid,
                                day=day))
    return result


def _placements(session: Session, roster: Roster) -> dict[int, set[ShiftRef]]:
    rows = session.exec(select(RosterAssignment, RosterShift)
                        .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                        .where(RosterAssignment.roster_id == roster.id)).all()
    result: dict[int, set[ShiftRef]] = {}
    for assignment, shift in rows:
        result.setdefault(assignment.caregiver_id, set()).add(
            ShiftRef(shift.site_id, shift.code, shift.start_at, shift.end_at))
    return result


def moves(session: Session, *, draft: Roster, published: Roster | None) -> list[Move]:
    """Who would move if ``draft`` replaced ``published``: shifts removed and added per
    caregiver (everyone in the draft when nothing is published), by caregiver id."""
    after = _placements(session, draft)
    before = _placements(session, published) if published is not None else {}
    result = []
    for caregiver_id in sorted(set(after) | set(before)):
        old, new = before.get(caregiver_id, set()), after.get(caregiver_id, set())
        if old != new:
            result.append(Move(caregiver_id, removed=tuple(sorted(old - new, key=_order)),
                               added=tuple(sorted(new - old, key=_order))))
    return result


def _order(ref: ShiftRef) -> tuple[datetime, int, str]:
    return (ref.start_at, ref.site_id, ref.code)


def publish(session: Session, *, coop_id: int, roster_id: int, actor_id: int | None) -> Roster:
    """Publish a draft with no hard violation, superseding the week's published roster, and
    tell the caregivers whose shifts change (everyone on it when it is the week's first)."""
    roster = get_roster(session, coop_id=coop_id, roster_id=roster_id)
    week = week_rosters(session, coop_id=coop_id, week_start=roster.week_start, lock=True)
    if roster.status != "draft":
        raise Conflict(_l("Only a draft can be published; this roster is already published or replaced."),
                       code="roster_not_draft")
    broken = violations(session, roster)
    if broken:
        raise Conflict(_l("This roster breaks %(n)d rule(s): fix them (they are listed above the grid) before "
                          "publishing.", n=len(broken)), code="roster_has_violations")
    previous = next((r for r in reversed(week) if r.status == "published"), None)
    changes = moves(session, draft=roster, published=previous)
    if previous is not None:
        previous.status = "superseded"
        session.add(previous)
        _carry_open_offers(session, old=previous, new=roster)
    roster.status, roster.published_at, roster.published_by_id = "published", utcnow(), actor_id
    session.add(roster)
    session.flush()
    _tell(session, coop_id=coop_id, roster=roster, changes=changes, is_repair=previous is not None)
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="roster", object_id=roster.id)
    return roster


def _carry_open_offers(session: Session, *, old: Roster, new: Roster) -> None:
    """Open swap offers follow their shift into the newly published roster when the same
    caregiver still works it; an offer whose shift moved is withdrawn (the caregiver's notice
    already says what changed)."""
    def placed(roster_id: int | None) -> dict[tuple[int, int, str, datetime], int]:
        rows = session.exec(select(RosterAssignment, RosterShift)
                            .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                            .where(RosterAssignment.roster_id == roster_id)).all()
        return {(a.caregiver_id, s.site_id, s.code, s.start_at): a.id for a, s in rows if a.id is not None}

    before = {assignment_id: key for key, assignment_id in placed(old.id).items()}
    after = placed(new.id)
    offers = session.exec(select(ShiftSwap).where(ShiftSwap.status == "open",
                                                  col(ShiftSwap.assignment_id).in_(list(before)))).all()
    for offer in offers:
        moved_to = after.get(before[offer.assignment_id])
        if moved_to is None:
            offer.status, offer.decided_at = "withdrawn", utcnow()
        else:
            offer.assignment_id = moved_to
        session.add(offer)


def _tell(session: Session, *, coop_id: int, roster: Roster, changes: list[Move], is_repair: bool) -> None:
    """One notice per caregiver concerned, written in their language."""
    coop = session.get(Cooperative, coop_id)
    assert coop is not None
    tz = ZoneInfo(coop.timezone)
    sites = {s.id: s.name for s in session.exec(select(Site).where(Site.coop_id == coop_id)).all()}
    people = {p.id: person for p, person in session.exec(
        select(CaregiverProfile, Person).join(Person, col(Person.id) == col(CaregiverProfile.person_id))
        .where(col(CaregiverProfile.id).in_([m.caregiver_id for m in changes]))).all()}
    week = format_week(roster.week_start)

    def line(ref: ShiftRef) -> str:
        start, end = ref.start_at.astimezone(tz), ref.end_at.astimezone(tz)
        return "- " + _("%(day)s, %(start)s to %(end)s, %(site)s",
                        day=format_datetime(start, "EEEE d MMMM", rebase=False),
                        start=format_datetime(start, "HH:mm", rebase=False),
                        end=format_datetime(end, "HH:mm", rebase=False), site=sites.get(ref.site_id, ""))

    for change in changes:
        person = people.get(change.caregiver_id)
        if person is None or person.id is None:
            continue
        with in_language(person, coop):
            if is_repair:
                subject = _("Your shifts changed for week %(week)s", week=week)
                parts = [_("The roster of week %(week)s was changed.", week=week)]
                if change.removed:
                    parts += ["", _("You no longer work:"), *map(line, change.removed)]
                if change.added:
                    parts += ["", _("You now also work:"), *map(line, change.added)]
            else:
                subject = _("Your shifts for week %(week)s", week=week)
                parts = [_("The roster of week %(week)s is published. Your shifts:", week=week), "",
                         *map(line, change.added)]
            notify(session, coop_id=coop_id, person_id=person.id, topic="roster", subject=subject,
                   body="\n".join(parts))
