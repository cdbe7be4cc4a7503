"""Factories for small solver problems and a solve-then-validate helper."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from solver import (
    Caregiver,
    Demand,
    Kind,
    Problem,
    Rules,
    ShiftType,
    Solution,
    Status,
    solve,
    validate,
)
from solver.curtois import CURTOIS_WEIGHTS

CURTOIS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "curtois"

#: Only coverage (and requests) are priced unless a test turns a rule on: the benchmark's weights.
NEUTRAL = CURTOIS_WEIGHTS

EARLY = ShiftType("early", 7 * 60, 8 * 60)
LATE = ShiftType("late", 15 * 60, 8 * 60)
NIGHT = ShiftType("night", 23 * 60, 8 * 60, is_night=True)


def make_problem(
    *,
    days: int = 3,
    shifts: tuple[ShiftType, ...] = (EARLY,),
    required: int = 1,
    people: int = 1,
    rules: Rules | None = None,
    kind: Kind = Kind.STAFF,
    under: int = 100,
    over: int = 1,
    **overrides: Any,
) -> Problem:
    """A problem with `people` identical caregivers and flat demand on every occurrence."""
    caregivers = tuple(
        Caregiver(id=f"c{i}", kind=kind, rules=rules or Rules(min_rest_hours=0))
        for i in range(people)
    )
    demands = tuple(
        Demand(d, s.id, required, under_weight=under, over_weight=over)
        for d in range(days)
        for s in shifts
    )
    base = Problem(
        horizon_days=days,
        shift_types=shifts,
        demands=demands,
        caregivers=caregivers,
        weights=NEUTRAL,
    )
    return replace(base, **overrides)


def solve_checked(problem: Problem, **kwargs: Any) -> Solution:
    """Solve quickly, then assert the roster passes `validate` with the same objective."""
    params: dict[str, Any] = {"time_limit_s": 5.0, "workers": 1, "seed": 0}
    params.update(kwargs)
    solution = solve(problem, **params)
    if solution.objective is not None:
        report = validate(problem, solution)
        assert report.is_valid, report.violations
        assert report.objective == solution.objective
        assert report.penalties == solution.penalties
        assert solution.solver_objective is not None
        assert solution.solver_objective >= solution.objective
        if solution.status is Status.OPTIMAL:
            assert solution.solver_objective == solution.objective
    return solution


def optimal(problem: Problem) -> Solution:
    """Solve to proven optimality (the tiny test problems always get there)."""
    solution = solve_checked(problem)
    assert solution.status is Status.OPTIMAL
    return solution
