"""Independent check of a solution: every hard rule, and the objective, without CP-SAT.

Each `check_<rule>(problem, solution)` returns human-readable violations (empty when the
rule holds); `validate` runs them all and recomputes the penalties with `solver.score`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from solver.model import MINUTES_PER_DAY, Caregiver, Problem, Solution
from solver.roster import (
    Roster,
    is_rest_respected,
    minutes_worked,
    roster_of,
    stretches,
    weekends_worked,
)
from solver.score import score

Check = Callable[[Problem, Solution], list[str]]


def _each(problem: Problem, solution: Solution) -> list[tuple[Caregiver, dict[int, str]]]:
    """Every caregiver with their day -> shift roster."""
    roster: Roster = roster_of(problem, solution.assignments)
    return [(cg, roster[cg.id]) for cg in problem.caregivers]


def check_known_ids(problem: Problem, solution: Solution) -> list[str]:
    """Every assignment names a known caregiver and a demanded occurrence."""
    ids = {cg.id for cg in problem.caregivers}
    return [
        f"{a}: unknown caregiver or occurrence"
        for a in solution.assignments
        if a.caregiver not in ids or (a.day, a.shift) not in problem.demand_by_occurrence
    ]


def check_one_shift_per_day(problem: Problem, solution: Solution) -> list[str]:
    """At most one shift per caregiver per day."""
    seen: set[tuple[str, int]] = set()
    errors = []
    for a in solution.assignments:
        if (a.caregiver, a.day) in seen:
            errors.append(f"{a.caregiver} works twice on day {a.day}")
        seen.add((a.caregiver, a.day))
    return errors


def check_availability(problem: Problem, solution: Solution) -> list[str]:
    """Nobody works when unavailable or on a day off."""
    by_id = {cg.id: cg for cg in problem.caregivers}
    return [
        f"{a.caregiver} is unavailable on day {a.day} shift {a.shift}"
        for a in solution.assignments
        if a.caregiver in by_id and not problem.is_available(by_id[a.caregiver], a.day, a.shift)
    ]


def check_min_rest(problem: Problem, solution: Solution) -> list[str]:
    """Shifts of one caregiver neither overlap nor leave less than the minimum rest."""
    errors = []
    longest = max((s.start_minute + s.length_minutes for s in problem.shift_types), default=0)
    for cg, days in _each(problem, solution):
        reach = (longest + cg.rules.min_rest_hours * 60) // MINUTES_PER_DAY + 1
        for day, shift in days.items():
            for gap in range(1, reach + 1):
                later = days.get(day + gap)
                if later and not is_rest_respected(problem, cg, (day, shift), (day + gap, later)):
                    errors.append(f"{cg.id}: too little rest after day {day} {shift}")
    return errors


def check_forbidden_successions(problem: Problem, solution: Solution) -> list[str]:
    """No shift is followed the next day by one of its forbidden successors."""
    errors = []
    for cg, days in _each(problem, solution):
        for day, shift in days.items():
            following = days.get(day + 1)
            if following in problem.shift_by_id[shift].forbidden_successors:
                errors.append(f"{cg.id}: {following} on day {day + 1} may not follow {shift}")
    return errors


def check_max_per_shift(problem: Problem, solution: Solution) -> list[str]:
    """Per-type maximum counts hold."""
    errors = []
    for cg, days in _each(problem, solution):
        for shift, limit in cg.rules.max_per_shift.items():
            count = sum(s == shift for s in days.values())
            if count > limit:
                errors.append(f"{cg.id}: {count} x {shift} > {limit}")
    return errors


def check_total_minutes(problem: Problem, solution: Solution) -> list[str]:
    """Minutes over the horizon lie within the caregiver's bounds."""
    errors = []
    for cg, days in _each(problem, solution):
        total = minutes_worked(problem, days, range(problem.horizon_days))
        top = cg.rules.max_minutes
        if total < cg.rules.min_minutes or (top is not None and total > top):
            errors.append(f"{cg.id}: {total} minutes outside bounds")
    return errors


def check_week_minutes(problem: Problem, solution: Solution) -> list[str]:
    """Minutes per week within bounds (minimum on complete weeks only)."""
    errors = []
    for cg, days in _each(problem, solution):
        for week, is_complete in problem.weeks():
            total = minutes_worked(problem, days, week)
            top = cg.rules.max_week_minutes
            if (is_complete and total < cg.rules.min_week_minutes) or (
                top is not None and total > top
            ):
                errors.append(f"{cg.id}: {total} minutes in week from day {week[0]}")
    return errors


def _runs(problem: Problem, days: dict[int, str]) -> list[tuple[int, int, bool]]:
    """Work and day-off stretches over the horizon."""
    return stretches([d in days for d in range(problem.horizon_days)])


def _inside(problem: Problem, start: int, length: int) -> bool:
    """True when a stretch touches neither end of the horizon (minimums apply)."""
    return start > 0 and start + length < problem.horizon_days


def check_max_consecutive_days(problem: Problem, solution: Solution) -> list[str]:
    """Work stretches are not too long."""
    errors = []
    for cg, days in _each(problem, solution):
        limit = cg.rules.max_consecutive_days
        for start, length, worked in _runs(problem, days):
            if worked and limit is not None and length > limit:
                errors.append(f"{cg.id}: works {length} days from day {start}")
    return errors


def check_min_consecutive_days(problem: Problem, solution: Solution) -> list[str]:
    """Work stretches not touching the horizon ends are long enough."""
    errors = []
    for cg, days in _each(problem, solution):
        for start, length, worked in _runs(problem, days):
            if worked and _inside(problem, start, length):
                if length < cg.rules.min_consecutive_days:
                    errors.append(f"{cg.id}: works only {length} days from day {start}")
    return errors


def check_min_consecutive_days_off(problem: Problem, solution: Solution) -> list[str]:
    """Day-off stretches not touching the horizon ends are long enough."""
    errors = []
    for cg, days in _each(problem, solution):
        for start, length, worked in _runs(problem, days):
            if not worked and _inside(problem, start, length):
                if length < cg.rules.min_consecutive_days_off:
                    errors.append(f"{cg.id}: only {length} days off from day {start}")
    return errors


def check_max_consecutive_nights(problem: Problem, solution: Solution) -> list[str]:
    """Night stretches are not too long."""
    errors = []
    for cg, days in _each(problem, solution):
        limit = cg.rules.max_consecutive_nights
        nights = [
            d in days and problem.shift_by_id[days[d]].is_night for d in range(problem.horizon_days)
        ]
        for start, length, is_night in stretches(nights):
            if is_night and limit is not None and length > limit:
                errors.append(f"{cg.id}: {length} nights from day {start}")
    return errors


def check_max_weekends(problem: Problem, solution: Solution) -> list[str]:
    """Weekends worked stay within the maximum."""
    errors = []
    for cg, days in _each(problem, solution):
        count = weekends_worked(problem, days)
        if cg.rules.max_weekends is not None and count > cg.rules.max_weekends:
            errors.append(f"{cg.id}: works {count} weekends")
    return errors


def check_pinned(problem: Problem, solution: Solution) -> list[str]:
    """Every pinned assignment is in the roster."""
    chosen = set(solution.assignments)
    return [f"pinned {pin} missing" for pin in problem.pinned if pin not in chosen]


def check_hard_coverage(problem: Problem, solution: Solution) -> list[str]:
    """Hard qualification and professional minimums are met."""
    by_id = {cg.id: cg for cg in problem.caregivers}
    errors = []
    for d in problem.demands:
        if not d.is_coverage_hard:
            continue
        people = [
            by_id[a.caregiver]
            for a in solution.assignments
            if (a.day, a.shift) == (d.day, d.shift) and a.caregiver in by_id
        ]
        for q, needed in d.qualified.items():
            if sum(q in cg.qualifications for cg in people) < needed:
                errors.append(f"day {d.day} {d.shift}: fewer than {needed} with {q}")
        if sum(cg.is_professional for cg in people) < d.min_professionals:
            errors.append(f"day {d.day} {d.shift}: too few professionals")
    return errors


CHECKS: tuple[Check, ...] = (
    check_known_ids,
    check_one_shift_per_day,
    check_availability,
    check_min_rest,
    check_forbidden_successions,
    check_max_per_shift,
    check_total_minutes,
    check_week_minutes,
    check_max_consecutive_days,
    check_min_consecutive_days,
    check_min_consecutive_days_off,
    check_max_consecutive_nights,
    check_max_weekends,
    check_pinned,
    check_hard_coverage,
)


@dataclass(frozen=True)
class Report:
    """Hard-rule violations and the recomputed penalties and objective."""

    violations: tuple[str, ...]
    penalties: dict[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> int:
        """Sum of the recomputed penalties."""
        return sum(self.penalties.values())

    @property
    def is_valid(self) -> bool:
        """True when no hard rule is violated."""
        return not self.violations


def validate(problem: Problem, solution: Solution) -> Report:
    """Check every hard rule and recompute the objective of `solution`."""
    violations = tuple(v for check in CHECKS for v in check(problem, solution))
    return Report(violations, score(problem, solution.assignments))
