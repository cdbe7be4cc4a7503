"""The validator flags each broken hard rule on hand-made rosters, without CP-SAT."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import Assignment, Caregiver, Demand, Kind, Problem, Rules, Solution, Status, validate
from solver.validate import CHECKS
from tests.solver.factories import EARLY, LATE, NIGHT, make_problem


def roster(*cells: tuple[str, int, str]) -> Solution:
    return Solution(Status.FEASIBLE, 0, 0, tuple(Assignment(*cell) for cell in cells))


def worked(days: list[int], shift: str = "early") -> Solution:
    return roster(*(("c0", d, shift) for d in days))


CASES: list[tuple[str, Problem, Solution]] = [
    ("check_known_ids", make_problem(days=1), roster(("ghost", 0, "early"))),
    (
        "check_one_shift_per_day",
        make_problem(days=1, shifts=(EARLY, LATE)),
        roster(("c0", 0, "early"), ("c0", 0, "late")),
    ),
    (
        "check_availability",
        make_problem(days=2, caregivers=(Caregiver("c0", Kind.STAFF, days_off=frozenset({1})),)),
        worked([1]),
    ),
    (
        "check_min_rest",
        make_problem(days=2, shifts=(EARLY, LATE), rules=Rules(min_rest_hours=11)),
        roster(("c0", 0, "late"), ("c0", 1, "early")),
    ),
    (
        "check_forbidden_successions",
        make_problem(
            days=2, shifts=(EARLY, replace(LATE, forbidden_successors=frozenset({"early"})))
        ),
        roster(("c0", 0, "late"), ("c0", 1, "early")),
    ),
    (
        "check_max_per_shift",
        make_problem(days=2, rules=Rules(max_per_shift={"early": 1})),
        worked([0, 1]),
    ),
    ("check_total_minutes", make_problem(days=2, rules=Rules(max_minutes=480)), worked([0, 1])),
    ("check_total_minutes", make_problem(days=2, rules=Rules(min_minutes=960)), worked([0])),
    ("check_week_minutes", make_problem(days=7, rules=Rules(max_week_minutes=480)), worked([0, 3])),
    ("check_week_minutes", make_problem(days=7, rules=Rules(min_week_minutes=960)), worked([0])),
    (
        "check_max_consecutive_days",
        make_problem(days=3, rules=Rules(max_consecutive_days=2)),
        worked([0, 1, 2]),
    ),
    (
        "check_min_consecutive_days",
        make_problem(days=3, rules=Rules(min_consecutive_days=2)),
        worked([1]),
    ),
    (
        "check_min_consecutive_days_off",
        make_problem(days=3, rules=Rules(min_consecutive_days_off=2)),
        worked([0, 2]),
    ),
    (
        "check_max_consecutive_nights",
        make_problem(
            days=3, shifts=(NIGHT,), rules=Rules(max_consecutive_nights=1, min_rest_hours=0)
        ),
        worked([0, 1], "night"),
    ),
    ("check_max_weekends", make_problem(days=14, rules=Rules(max_weekends=1)), worked([5, 13])),
    ("check_pinned", make_problem(days=1, pinned=(Assignment("c0", 0, "early"),)), roster()),
    (
        "check_hard_coverage",
        make_problem(
            days=1, demands=(Demand(0, "early", 1, qualified={"nurse": 1}, is_coverage_hard=True),)
        ),
        worked([0]),
    ),
]


@pytest.mark.parametrize(("check", "problem", "solution"), CASES, ids=[c[0] for c in CASES])
def test_each_check_flags_its_rule(check: str, problem: Problem, solution: Solution) -> None:
    by_name = {c.__name__: c for c in CHECKS}
    assert by_name[check](problem, solution)
    assert not validate(problem, solution).is_valid


def test_every_check_is_exercised() -> None:
    assert {c.__name__ for c in CHECKS} == {case[0] for case in CASES}


def test_boundary_stretches_are_exempt_from_minimums() -> None:
    rules = Rules(min_consecutive_days=3, min_consecutive_days_off=2)
    problem = make_problem(days=4, rules=rules)
    assert validate(problem, worked([0, 3])).is_valid


def test_objective_is_recomputed() -> None:
    problem = make_problem(days=3, required=2, people=3)
    report = validate(problem, worked([0]))
    assert report.penalties["under_coverage"] == 5 * 100
    assert report.objective == 500
