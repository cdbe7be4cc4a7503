"""Property tests: random small problems solve to valid rosters; tiny ones to the optimum."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Assignment,
    Caregiver,
    Demand,
    Household,
    Kind,
    Problem,
    Request,
    Rules,
    Solution,
    Status,
    Weights,
    validate,
)
from tests.solver.factories import EARLY, LATE, NIGHT, solve_checked

SHIFTS = (EARLY, replace(LATE, forbidden_successors=frozenset({"early"})), NIGHT)


@st.composite
def problems(draw: st.DrawFn, max_days: int = 4, max_people: int = 3) -> Problem:
    days = draw(st.integers(1, max_days))
    shifts = tuple(draw(st.lists(st.sampled_from(SHIFTS), min_size=1, max_size=2, unique=True)))
    ids = [s.id for s in shifts]
    households = (Household("h0", draw(st.integers(0, 2000)), draw(st.integers(-500, 500))),)
    caregivers = []
    for i in range(draw(st.integers(1, max_people))):
        rules = Rules(
            max_per_shift={ids[0]: draw(st.integers(0, days))},
            max_minutes=draw(st.sampled_from([None, 480, 960])),
            min_minutes=draw(st.sampled_from([0, 0, 480])),
            max_week_minutes=draw(st.sampled_from([None, 960])),
            max_consecutive_days=draw(st.sampled_from([None, 1, 2])),
            min_consecutive_days=draw(st.integers(1, 2)),
            min_consecutive_days_off=draw(st.integers(1, 2)),
            max_consecutive_nights=draw(st.sampled_from([None, 1])),
            max_weekends=draw(st.sampled_from([None, 0, 1])),
            min_rest_hours=draw(st.sampled_from([0, 11])),
        )
        kind = draw(st.sampled_from(list(Kind)))
        caregivers.append(
            Caregiver(
                id=f"c{i}",
                kind=kind,
                qualifications=frozenset(draw(st.sets(st.sampled_from(["nurse"])))),
                household="h0" if kind is Kind.VOLUNTEER else None,
                days_off=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=1))),
                contract_minutes_per_week=draw(st.sampled_from([0, 960])),
                rules=rules,
            )
        )
    demands = tuple(
        Demand(
            d,
            s,
            draw(st.integers(0, 2)),
            under_weight=draw(st.integers(0, 50)),
            over_weight=draw(st.integers(0, 5)),
            qualified=draw(st.sampled_from([{}, {"nurse": 1}])),
            min_professionals=draw(st.integers(0, 1)),
        )
        for d in range(days)
        for s in ids
    )
    cells = st.tuples(st.sampled_from([c.id for c in caregivers]), st.integers(0, days - 1))
    requests = tuple(
        Request(
            c, d, draw(st.sampled_from([None, *ids])), draw(st.integers(1, 9)), draw(st.booleans())
        )
        for c, d in draw(st.lists(cells, max_size=3))
    )
    previous = tuple(
        Assignment(c, d, ids[0]) for c, d in draw(st.lists(cells, max_size=2, unique=True))
    )
    weights = Weights(
        *(draw(st.integers(0, 3)) for _ in range(9))  # every Weights field, small
    )
    return Problem(
        horizon_days=days,
        shift_types=shifts,
        demands=demands,
        caregivers=tuple(caregivers),
        households=households,
        requests=requests,
        previous=previous,
        weights=weights,
        start_weekday=draw(st.integers(0, 6)),
    )


def brute_force(problem: Problem) -> int | None:
    """Best objective over every roster, checked by the validator (None: none valid)."""
    options = []
    for cg in problem.caregivers:
        for day in range(problem.horizon_days):
            free = [s.id for s in problem.shift_types if problem.is_available(cg, day, s.id)]
            options.append([None, *(Assignment(cg.id, day, s) for s in free)])
    best: int | None = None
    for choice in itertools.product(*options):
        roster = Solution(Status.FEASIBLE, 0, 0, tuple(a for a in choice if a is not None))
        report = validate(problem, roster)
        if report.is_valid and (best is None or report.objective < best):
            best = report.objective
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_days=7, max_people=4))
def test_random_problems_give_valid_rosters(problem: Problem) -> None:
    solution = solve_checked(problem, time_limit_s=5.0, workers=1)
    assert solution.status in (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_days=3, max_people=2))
def test_tiny_problems_match_brute_force(problem: Problem) -> None:
    solution = solve_checked(problem, time_limit_s=5.0, workers=1)
    expected = brute_force(problem)
    if expected is None:
        assert solution.status is Status.INFEASIBLE
    else:
        assert solution.status is Status.OPTIMAL
        assert solution.objective == expected
