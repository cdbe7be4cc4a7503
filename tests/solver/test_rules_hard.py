"""Each hard rule on a tiny problem where it binds."""

from __future__ import annotations

from dataclasses import replace

from solver import Assignment, Caregiver, Demand, Kind, Rules, Solution, Status
from tests.solver.factories import EARLY, LATE, NIGHT, make_problem, optimal, solve_checked


def covered(solution: Solution) -> int:
    return len(solution.assignments)


def test_one_shift_per_day() -> None:
    solution = optimal(make_problem(days=1, shifts=(EARLY, LATE)))
    assert covered(solution) == 1
    assert solution.objective == 100


def test_min_rest_blocks_late_then_early() -> None:
    demands = (Demand(0, "late", 1, 100, 1), Demand(1, "early", 1, 100, 1))
    problem = make_problem(
        days=2, shifts=(EARLY, LATE), rules=Rules(min_rest_hours=11), demands=demands
    )
    solution = optimal(problem)
    assert covered(solution) == 1
    assert [u.reason for u in solution.unmet] == ["rest_rule"]
    relaxed = replace(
        problem, caregivers=(Caregiver("c0", Kind.STAFF, rules=Rules(min_rest_hours=8)),)
    )
    assert covered(optimal(relaxed)) == 2


def test_overlap_across_midnight_is_forbidden_even_without_rest() -> None:
    long_night = replace(NIGHT, length_minutes=10 * 60)
    demands = (Demand(0, "night", 1, 100, 1), Demand(1, "early", 1, 100, 1))
    problem = make_problem(days=2, shifts=(EARLY, long_night), demands=demands)
    assert covered(optimal(problem)) == 1


def test_forbidden_succession() -> None:
    late = replace(LATE, forbidden_successors=frozenset({"early"}))
    demands = (Demand(0, "late", 1, 100, 1), Demand(1, "early", 1, 100, 1))
    problem = make_problem(days=2, shifts=(EARLY, late), demands=demands)
    solution = optimal(problem)
    assert covered(solution) == 1
    assert solution.unmet[0].reason == "rest_rule"


def test_max_per_shift() -> None:
    solution = optimal(
        make_problem(days=3, rules=Rules(max_per_shift={"early": 2}, min_rest_hours=0))
    )
    assert covered(solution) == 2
    assert solution.unmet[0].reason == "shift_limit"


def test_max_total_minutes() -> None:
    solution = optimal(make_problem(days=3, rules=Rules(max_minutes=960, min_rest_hours=0)))
    assert covered(solution) == 2
    assert solution.unmet[0].reason == "hours_cap"


def test_min_total_minutes_forces_over_coverage() -> None:
    solution = optimal(
        make_problem(days=3, required=0, rules=Rules(min_minutes=960, min_rest_hours=0))
    )
    assert covered(solution) == 2
    assert solution.penalties["over_coverage"] == 2


def test_week_minutes_max_and_min_on_complete_weeks_only() -> None:
    capped = optimal(make_problem(days=14, rules=Rules(max_week_minutes=480, min_rest_hours=0)))
    assert covered(capped) == 2
    floor = Rules(min_week_minutes=960, min_rest_hours=0)
    solution = optimal(make_problem(days=10, required=0, rules=floor))
    assert covered(solution) == 2
    assert all(a.day < 7 for a in solution.assignments)


def test_max_consecutive_days() -> None:
    solution = optimal(make_problem(days=5, rules=Rules(max_consecutive_days=2, min_rest_hours=0)))
    assert covered(solution) == 4


def test_min_consecutive_days_inside_and_at_horizon_end() -> None:
    rules = Rules(min_consecutive_days=2, min_rest_hours=0)
    inside = make_problem(days=5, rules=rules, demands=(Demand(2, "early", 1, 100, 1),))
    with_other_days = replace(
        inside, demands=tuple(Demand(d, "early", int(d == 2), 100, 1) for d in range(5))
    )
    solution = optimal(with_other_days)
    assert covered(solution) == 2
    assert solution.objective == 1
    at_start = replace(
        with_other_days, demands=tuple(Demand(d, "early", int(d == 0), 100, 1) for d in range(5))
    )
    assert optimal(at_start).objective == 0


def test_min_consecutive_days_off() -> None:
    loose = Rules(max_consecutive_days=3, min_rest_hours=0)
    assert covered(optimal(make_problem(days=7, rules=loose))) == 6
    strict = replace(loose, min_consecutive_days_off=2)
    assert covered(optimal(make_problem(days=7, rules=strict))) == 5


def test_max_consecutive_nights() -> None:
    rules = Rules(max_consecutive_nights=2, min_rest_hours=0)
    solution = optimal(make_problem(days=4, shifts=(NIGHT,), rules=rules))
    assert covered(solution) == 3
    assert solution.stats[0].nights == 3


def test_max_weekends() -> None:
    solution = optimal(make_problem(days=14, rules=Rules(max_weekends=1, min_rest_hours=0)))
    assert covered(solution) == 12
    assert solution.stats[0].weekends == 1
    assert solution.unmet[0].reason == "sequence_rule"


def test_availability_and_days_off() -> None:
    cg = Caregiver("c0", Kind.STAFF, days_off=frozenset({1}), unavailable=frozenset({(2, "early")}))
    solution = optimal(make_problem(days=3, caregivers=(cg,)))
    assert [a.day for a in solution.assignments] == [0]
    assert {u.reason for u in solution.unmet} == {"unavailable"}


def test_pinned_assignment_holds_and_impossible_pin_is_infeasible() -> None:
    pin = Assignment("c1", 0, "early")
    solution = optimal(make_problem(days=1, people=2, pinned=(pin,)))
    assert solution.assignments == (pin,)
    off = Caregiver("c1", Kind.STAFF, days_off=frozenset({0}))
    impossible = make_problem(days=1, caregivers=(off,), pinned=(pin,))
    assert solve_checked(impossible).status is Status.INFEASIBLE


def test_hard_qualification_coverage() -> None:
    nurse = Caregiver("c0", Kind.VOLUNTEER, qualifications=frozenset({"nurse"}))
    other = Caregiver("c1", Kind.VOLUNTEER)
    demand = Demand(0, "early", 1, 100, 1, qualified={"nurse": 1}, is_coverage_hard=True)
    solution = optimal(make_problem(days=1, caregivers=(nurse, other), demands=(demand,)))
    assert [a.caregiver for a in solution.assignments] == ["c0"]
    impossible = make_problem(days=1, caregivers=(other,), demands=(demand,))
    assert solve_checked(impossible).status is Status.INFEASIBLE


def test_hard_professional_coverage() -> None:
    volunteer = Caregiver("v", Kind.VOLUNTEER)
    pro = Caregiver("p", Kind.PROFESSIONAL)
    demand = Demand(0, "early", 2, 100, 1, min_professionals=1, is_coverage_hard=True)
    solution = optimal(make_problem(days=1, caregivers=(volunteer, pro), demands=(demand,)))
    assert {a.caregiver for a in solution.assignments} == {"v", "p"}
