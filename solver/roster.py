"""Plain-Python views of a roster, shared by the validator and the explanations."""

from __future__ import annotations

from collections.abc import Iterable

from solver.model import MINUTES_PER_DAY, Assignment, Caregiver, Problem

#: caregiver id -> day -> shift id
Roster = dict[str, dict[int, str]]


def roster_of(problem: Problem, assignments: Iterable[Assignment]) -> Roster:
    """Group assignments by caregiver and day (a second shift on a day is kept aside)."""
    roster: Roster = {cg.id: {} for cg in problem.caregivers}
    for a in assignments:
        roster.setdefault(a.caregiver, {}).setdefault(a.day, a.shift)
    return roster


def minutes_worked(problem: Problem, days: dict[int, str], within: Iterable[int]) -> int:
    """Minutes worked on the given days."""
    shifts = problem.shift_by_id
    return sum(shifts[days[d]].length_minutes for d in within if d in days)


def nights_worked(problem: Problem, days: dict[int, str]) -> int:
    """Night shifts worked."""
    return sum(problem.shift_by_id[s].is_night for s in days.values())


def weekends_worked(problem: Problem, days: dict[int, str]) -> int:
    """Weekends with a Saturday or Sunday worked."""
    return sum(any(d in days for d in weekend) for weekend in problem.weekends())


def is_rest_respected(
    problem: Problem, caregiver: Caregiver, first: tuple[int, str], second: tuple[int, str]
) -> bool:
    """True when `second` starts at least the minimum rest after `first` ends.

    Overlapping shifts fail too, since their gap is negative.
    """
    (day_a, shift_a), (day_b, shift_b) = sorted([first, second])
    a, b = problem.shift_by_id[shift_a], problem.shift_by_id[shift_b]
    end = day_a * MINUTES_PER_DAY + a.start_minute + a.length_minutes
    start = day_b * MINUTES_PER_DAY + b.start_minute
    return start - end >= caregiver.rules.min_rest_hours * 60


def stretches(worked: list[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs `(start, length, value)` of a boolean series."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for day in range(1, len(worked) + 1):
        if day == len(worked) or worked[day] != worked[start]:
            runs.append((start, day - start, worked[start]))
            start = day
    return runs
