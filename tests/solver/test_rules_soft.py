"""Each soft rule on a tiny problem, with its exact penalty."""

from __future__ import annotations

from dataclasses import replace

from solver import Assignment, Caregiver, Demand, Household, Kind, Request, Rules
from tests.solver.factories import NEUTRAL, NIGHT, make_problem, optimal

FREE = Rules(min_rest_hours=0)


def test_under_and_over_coverage() -> None:
    short = optimal(make_problem(days=1, people=2, required=3))
    assert short.penalties["under_coverage"] == 100
    assert short.unmet[0].missing == 1
    assert short.unmet[0].reason == "unavailable"
    floor = Rules(min_minutes=480, min_rest_hours=0)
    over = optimal(make_problem(days=1, people=2, required=1, over=7, rules=floor))
    assert over.penalties["over_coverage"] == 7


def test_requests_on_and_off() -> None:
    requests = (
        Request("c0", 0, "early", 5, is_on=False),
        Request("c1", 0, "early", 3, is_on=True),
        Request("c0", 1, None, 2, is_on=False),
    )
    solution = optimal(make_problem(days=2, people=2, requests=requests, under=1000))
    assert Assignment("c1", 0, "early") in solution.assignments
    assert Assignment("c1", 1, "early") in solution.assignments
    assert solution.objective == 0
    forced = optimal(make_problem(days=1, people=1, requests=requests[:1], under=1000))
    assert forced.penalties["requests"] == 5


def test_fairness_minimises_worst_relative_deviation_first() -> None:
    households = (Household("h0", 960), Household("h1", 480))
    caregivers = tuple(
        Caregiver(f"v{i}", Kind.VOLUNTEER, household=f"h{i}", rules=FREE) for i in range(2)
    )
    weights = replace(NEUTRAL, fairness_worst=20, fairness_total=1)
    problem = make_problem(
        days=2, caregivers=caregivers, households=households, weights=weights, over=100_000
    )
    solution = optimal(problem)
    minutes = {s.caregiver: s.minutes for s in solution.stats}
    assert minutes == {"v0": 480, "v1": 480}
    assert solution.penalties["fairness"] == 20 * 500 + 500
    assert {s.target_minutes for s in solution.stats} == {960, 480}


def test_fairness_target_follows_contribution_balance() -> None:
    households = (Household("h0", 480, balance_minutes=-480), Household("h1", 480, 480))
    caregivers = tuple(
        Caregiver(f"v{i}", Kind.VOLUNTEER, household=f"h{i}", rules=FREE) for i in range(2)
    )
    weights = replace(NEUTRAL, fairness_worst=20, fairness_total=1)
    problem = make_problem(days=2, caregivers=caregivers, households=households, weights=weights)
    solution = optimal(problem)
    assert {a.caregiver for a in solution.assignments} == {"v0"}


def test_night_spread() -> None:
    weights = replace(NEUTRAL, night_spread=50)
    problem = make_problem(days=4, shifts=(NIGHT,), people=2, rules=FREE, weights=weights)
    solution = optimal(problem)
    assert sorted(s.nights for s in solution.stats) == [2, 2]
    assert solution.penalties["night_spread"] == 0
    lone = replace(problem, demands=tuple(Demand(d, "night", 1, 100, 1000) for d in range(3)))
    assert optimal(lone).penalties["night_spread"] == 50


def test_weekend_spread() -> None:
    weights = replace(NEUTRAL, weekend_spread=40)
    demands = tuple(Demand(d, "early", 1, 100, 1) for d in (5, 12, 13))
    problem = make_problem(days=14, people=2, rules=FREE, weights=weights, demands=demands)
    solution = optimal(problem)
    assert sorted(s.weekends for s in solution.stats) == [1, 1]
    assert solution.penalties["weekend_spread"] == 0


def test_contract_deviation() -> None:
    staff = Caregiver("s", Kind.STAFF, contract_minutes_per_week=960, rules=FREE)
    weights = replace(NEUTRAL, contract_deviation=1)
    solution = optimal(make_problem(days=7, caregivers=(staff,), weights=weights))
    assert solution.stats[0].minutes == 960
    assert solution.objective == 500
    assert solution.penalties["contract_deviation"] == 0


def test_professional_cost_prefers_volunteers() -> None:
    pro = Caregiver("p", Kind.PROFESSIONAL, rules=FREE)
    volunteer = Caregiver("v", Kind.VOLUNTEER, rules=FREE)
    weights = replace(NEUTRAL, professional_minute=1)
    solution = optimal(make_problem(days=1, caregivers=(pro, volunteer), weights=weights))
    assert [a.caregiver for a in solution.assignments] == ["v"]
    both = optimal(
        make_problem(days=1, required=2, under=10_000, caregivers=(pro, volunteer), weights=weights)
    )
    assert both.penalties["professional_cost"] == 480


def test_soft_qualification_and_professional_shortfall() -> None:
    volunteer = Caregiver("v", Kind.VOLUNTEER, rules=FREE)
    demand = Demand(0, "early", 1, 100, 1, qualified={"nurse": 1}, min_professionals=1)
    weights = replace(NEUTRAL, qualification_shortfall=30, professional_shortfall=20)
    solution = optimal(
        make_problem(days=1, caregivers=(volunteer,), demands=(demand,), weights=weights)
    )
    assert solution.penalties["qualification_shortfall"] == 30
    assert solution.penalties["professional_shortfall"] == 20
    assert solution.unmet[0].reason == "no_qualified_available"
    assert solution.unmet[0].missing_qualified == {"nurse": 1}


def test_stability_moves_as_few_people_as_possible() -> None:
    weights = replace(NEUTRAL, stability=300)
    previous = (Assignment("c1", 0, "early"), Assignment("c2", 1, "early"))
    problem = make_problem(
        days=2, people=3, rules=FREE, previous=previous, weights=weights, under=10_000
    )
    assert set(optimal(problem).assignments) == set(previous)
    cancelled = replace(
        problem,
        caregivers=(
            *problem.caregivers[:2],
            Caregiver("c2", Kind.STAFF, days_off=frozenset({1}), rules=FREE),
        ),
    )
    solution = optimal(cancelled)
    assert Assignment("c1", 0, "early") in solution.assignments
    assert solution.penalties["stability"] == 600
