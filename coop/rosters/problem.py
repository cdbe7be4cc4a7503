"""A cooperative's week as a `solver.Problem`, and the solver's ids back to database rows.

Shift templates differ per site and per day, while a solver `ShiftType` repeats every day:
each distinct (site, code, local start, length) becomes one shift type, demanded only on
the days it occurs. Times are the cooperative's wall clock (a 23:00–07:00 night over a
clock change keeps its 23:00 start and lasts 7 or 9 real hours).

`build_problem` reads the demand from the bookings (a solve); `problem_for_roster` reads it
from the shifts stored with a roster, so checking a stored or hand-edited roster never
depends on bookings changed since.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import solver
from coop.caregivers.models import CaregiverProfile
from coop.cooperatives.models import Cooperative
from coop.credits.pledges import pledges_for
from coop.credits.service import balances
from coop.members.models import Household
from coop.rosters.availability import availability_of
from coop.rosters.demand import week_demand
from coop.rosters.models import Roster, RosterAssignment, RosterRules, RosterShift
from coop.rosters.rules import get_rules

DAY = 1440
#: Paid staff and flying professionals: the EU working-time cap of 48 hours a week.
PAID_MAX_WEEK_MINUTES = 48 * 60
#: Children are never left without care to spare a household: a missing caregiver (or a
#: missing qualification or professional) outweighs any fairness, contract or stability
#: gain (fairness counts relative deviations, which grow large for small pledges).
MISSING_CAREGIVER_WEIGHT = 1_000_000
MISSING_QUALIFIED_WEIGHT = 500_000
#: A shift nobody is booked on stays empty, for the same reason the other way round.
EMPTY_SHIFT_OVER_WEIGHT = 1_000_000
#: The weekly share of a monthly pledge (12 months over 52 weeks).
MONTHS_PER_YEAR, WEEKS_PER_YEAR = 12, 52


class Slot(Protocol):
    """A shift occurrence and its demand: a `demand.ShiftDemand` or a stored `RosterShift`."""

    site_id: int
    code: str
    start_at: datetime
    end_at: datetime
    is_night: bool
    required: int
    qualified: dict[str, int]
    min_professionals: int
    derivation: dict[str, Any]


#: A shift occurrence by what identifies it across solves: (site id, code, start in UTC).
SlotKey = tuple[int, str, datetime]


def slot_key(slot: Slot) -> SlotKey:
    """What identifies a shift occurrence across solves and rosters."""
    return (slot.site_id, slot.code, slot.start_at)


def solver_caregiver_id(profile_id: int) -> str:
    """The solver's id of a caregiver profile."""
    return f"c{profile_id}"


@dataclass
class Index:
    """Solver ids back to the database: caregivers to profile ids, (day, shift type) to the
    slot they came from, and (for a stored roster) roster shift ids to occurrences."""

    week_start: date
    timezone: str
    caregivers: dict[str, int] = field(default_factory=dict)
    occurrences: dict[tuple[int, str], Slot] = field(default_factory=dict)
    by_key: dict[SlotKey, tuple[int, str]] = field(default_factory=dict)
    by_shift_row: dict[int, tuple[int, str]] = field(default_factory=dict)

    def profile_id(self, caregiver: str) -> int:
        """The caregiver profile id of a solver caregiver id."""
        return self.caregivers[caregiver]

    def slot(self, day: int, shift: str) -> Slot:
        """The slot of one solver occurrence."""
        return self.occurrences[day, shift]

    def assignment(self, profile_id: int, key: SlotKey) -> solver.Assignment | None:
        """The solver assignment of a caregiver on a slot, if the slot is in this problem."""
        occurrence = self.by_key.get(key)
        return solver.Assignment(solver_caregiver_id(profile_id), *occurrence) if occurrence else None


@dataclass(frozen=True)
class Placed:
    """A caregiver on a slot, as stored in a roster."""

    caregiver_id: int
    key: SlotKey
    is_pinned: bool = False


def shift_type_id(site_id: int, code: str, start_minute: int, length: int) -> str:
    """Readable and unique per (site, code, local start, length)."""
    return f"s{site_id}-{code}-{start_minute // 60:02d}{start_minute % 60:02d}-{length}"


def wall_span(slot: Slot, week_start: date, tz: ZoneInfo) -> tuple[int, int, int]:
    """(day in the week, local start minute, local end minute from that day's midnight)."""
    start, end = slot.start_at.astimezone(tz), slot.end_at.astimezone(tz)
    day = (start.date() - week_start).days
    end_minute = (end.date() - start.date()).days * DAY + end.hour * 60 + end.minute
    return day, start.hour * 60 + start.minute, end_minute


def qualifications_of(profile: CaregiverProfile) -> frozenset[str]:
    """The solver's qualification names held by a profile."""
    flags = {"first_aid": profile.has_first_aid, "infant_care": profile.has_infant_care,
             "inclusive_care": profile.has_inclusive_care, "night_certified": profile.is_night_certified}
    return frozenset(name for name, held in flags.items() if held)


def rules_for(profile: CaregiverProfile, rules: RosterRules) -> solver.Rules:
    """The hard rules of one caregiver: rest for everyone, a weekly cap by kind."""
    cap = rules.volunteer_max_week_minutes if profile.kind == "volunteer" else PAID_MAX_WEEK_MINUTES
    return solver.Rules(min_rest_hours=rules.min_rest_hours, max_week_minutes=cap)


def week_shares(session: Session, *, households: Sequence[Household], week_start: date) -> dict[int, int]:
    """Each household's week share of its monthly hours pledge, in minutes, by household id."""
    due = pledges_for(session, households=households, period=week_start.replace(day=1))
    return {household_id: minutes * MONTHS_PER_YEAR // WEEKS_PER_YEAR
            for household_id, (minutes, _cents) in due.items()}


def households_of(session: Session, *, coop_id: int, household_ids: set[int],
                  week_start: date) -> tuple[solver.Household, ...]:
    """Volunteer households with their week's share of the monthly hours pledge and their
    contribution balance (negative: behind their pledge, so asked first)."""
    if not household_ids:
        return ()
    owed = balances(session, coop_id=coop_id)
    rows = session.exec(select(Household).where(col(Household.id).in_(sorted(household_ids)))
                        .order_by(col(Household.id))).all()
    shares = week_shares(session, households=rows, week_start=week_start)
    return tuple(solver.Household(id=f"h{household.id}", balance_minutes=owed.get(household.id, 0),
                                  pledge_minutes=shares[household.id]) for household in rows)


def _demands(slots: Iterable[Slot], index: Index) -> tuple[tuple[solver.ShiftType, ...], tuple[solver.Demand, ...]]:
    """One shift type per distinct (site, code, start, length), one demand per occurrence."""
    tz = ZoneInfo(index.timezone)
    types: dict[str, solver.ShiftType] = {}
    demands = []
    for slot in slots:
        day, start_minute, _ = wall_span(slot, index.week_start, tz)
        length = int((slot.end_at - slot.start_at).total_seconds() // 60)
        type_id = shift_type_id(slot.site_id, slot.code, start_minute, length)
        types.setdefault(type_id, solver.ShiftType(id=type_id, start_minute=start_minute, length_minutes=length,
                                                   site=str(slot.site_id), is_night=slot.is_night))
        index.occurrences[day, type_id] = slot
        index.by_key[slot_key(slot)] = (day, type_id)
        demands.append(solver.Demand(
            day=day, shift=type_id, required=slot.required, under_weight=MISSING_CAREGIVER_WEIGHT,
            over_weight=100 if slot.required else EMPTY_SHIFT_OVER_WEIGHT,
            qualified={q: n for q, n in slot.qualified.items() if n > 0},
            min_professionals=slot.min_professionals))
    return tuple(types.values()), tuple(demands)


def _assemble(session: Session, *, coop: Cooperative, week_start: date, slots: Sequence[Slot],
              previous: Iterable[Placed], pinned: Iterable[Placed], stability_weight: int | None,
              name: str) -> tuple[solver.Problem, Index]:
    assert coop.id is not None
    index = Index(week_start=week_start, timezone=coop.timezone)
    shift_types, demands = _demands(slots, index)
    rules = get_rules(session, coop_id=coop.id)
    profiles = session.exec(select(CaregiverProfile).where(CaregiverProfile.coop_id == coop.id)
                            .order_by(col(CaregiverProfile.id))).all()
    starts, ends = [s.start_at for s in slots], [s.end_at for s in slots]
    available = availability_of(session, coop_id=coop.id, profiles=profiles, rest_minutes=rules.min_rest_hours * 60,
                                span=(min(starts), max(ends)) if slots else None)
    tz = ZoneInfo(coop.timezone)
    spans = {occurrence: wall_span(slot, week_start, tz) for occurrence, slot in index.occurrences.items()}
    caregivers = []
    volunteer_households: set[int] = set()
    for profile in profiles:
        assert profile.id is not None
        sid = solver_caregiver_id(profile.id)
        index.caregivers[sid] = profile.id
        free = available[profile.id]
        unavailable = frozenset(
            occurrence for occurrence, (day, start, end) in spans.items()
            if not free.covers(week_start + timedelta(days=day), start, end)
            or free.is_busy(index.occurrences[occurrence].start_at, index.occurrences[occurrence].end_at))
        is_volunteer = profile.kind == "volunteer"
        if is_volunteer and profile.household_id is not None:
            volunteer_households.add(profile.household_id)
        caregivers.append(solver.Caregiver(
            id=sid, kind=solver.Kind(profile.kind), qualifications=qualifications_of(profile),
            household=f"h{profile.household_id}" if is_volunteer and profile.household_id else None,
            unavailable=unavailable, contract_minutes_per_week=profile.contract_minutes_per_week,
            rules=rules_for(profile, rules)))
    households = households_of(session, coop_id=coop.id, household_ids=volunteer_households, week_start=week_start)

    def assignments(placed: Iterable[Placed]) -> tuple[solver.Assignment, ...]:
        found = (index.assignment(p.caregiver_id, p.key) for p in placed)
        return tuple(sorted({a for a in found if a is not None and a.caregiver in index.caregivers}))

    weights = solver.Weights(qualification_shortfall=MISSING_QUALIFIED_WEIGHT,
                             professional_shortfall=MISSING_QUALIFIED_WEIGHT,
                             stability=solver.Weights.stability if stability_weight is None else stability_weight)
    problem = solver.Problem(horizon_days=7, shift_types=shift_types, demands=demands, caregivers=tuple(caregivers),
                             households=households, previous=assignments(previous), pinned=assignments(pinned),
                             weights=weights, start_weekday=0, name=name)
    return problem, index


def placed_in(session: Session, roster: Roster) -> list[Placed]:
    """Who is on which slot of a stored roster."""
    rows = session.exec(select(RosterAssignment, RosterShift)
                        .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                        .where(RosterAssignment.roster_id == roster.id)
                        .order_by(col(RosterAssignment.id))).all()
    return [Placed(a.caregiver_id, slot_key(s), a.is_pinned) for a, s in rows]


def build_problem(session: Session, *, coop: Cooperative, week_start: date, previous: Roster | None,
                  pinned: Iterable[Placed] = (), stability_weight: int | None = None) -> tuple[solver.Problem, Index]:
    """The week's problem from the current bookings, caregivers, availability, pledges and
    balances; ``previous`` (its assignments still possible) is kept where it costs little."""
    slots = week_demand(session, coop=coop, week_start=week_start)
    before = placed_in(session, previous) if previous is not None else []
    return _assemble(session, coop=coop, week_start=week_start, slots=slots, previous=before, pinned=pinned,
                     stability_weight=stability_weight, name=f"{coop.slug} {week_start.isoformat()}")


def roster_shifts(session: Session, roster: Roster) -> list[RosterShift]:
    """A roster's shifts by start, then site and code."""
    return list(session.exec(select(RosterShift).where(RosterShift.roster_id == roster.id)
                             .order_by(col(RosterShift.start_at), col(RosterShift.site_id),
                                       col(RosterShift.code))).all())


def problem_for_roster(session: Session, roster: Roster) -> tuple[solver.Problem, Index]:
    """The problem a stored roster answers: its own shifts and demand, today's caregivers and
    availability, the roster it was based on as previous, its pinned assignments."""
    coop = session.get(Cooperative, roster.coop_id)
    assert coop is not None
    shifts = roster_shifts(session, roster)
    based_on = session.get(Roster, roster.based_on_id) if roster.based_on_id else None
    before = placed_in(session, based_on) if based_on is not None else []
    pins = [p for p in placed_in(session, roster) if p.is_pinned]
    problem, index = _assemble(session, coop=coop, week_start=roster.week_start, slots=shifts, previous=before,
                               pinned=pins, stability_weight=None, name=f"roster {roster.id}")
    index.by_shift_row = {s.id: index.by_key[slot_key(s)] for s in shifts if s.id is not None}
    return problem, index


def solution_assignments(session: Session, roster: Roster, index: Index) -> tuple[solver.Assignment, ...]:
    """A stored roster's assignments as solver assignments (with `problem_for_roster`'s index)."""
    rows = session.exec(select(RosterAssignment).where(RosterAssignment.roster_id == roster.id)).all()
    return tuple(sorted(solver.Assignment(solver_caregiver_id(a.caregiver_id), *index.by_shift_row[a.shift_id])
                        for a in rows))


def as_solution(assignments: Iterable[solver.Assignment]) -> solver.Solution:
    """A roster to check with `solver.validate` (only its assignments matter there)."""
    return solver.Solution(status=solver.Status.FEASIBLE, objective=None, bound=None,
                           assignments=tuple(sorted(assignments)))


def slot_json(slot: Slot) -> dict[str, Any]:
    """A slot as JSON: site and ISO 8601 start and end."""
    return {"site_id": slot.site_id, "code": slot.code, "start": slot.start_at.isoformat(),
            "end": slot.end_at.isoformat()}
