"""The linear relaxation: a valid lower bound on any model, strong on the benchmark."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from solver import Problem, Status, solve
from solver.cpsat import build_model
from solver.curtois import read_instance
from solver.relaxation import BackgroundRelaxation, solve_relaxation
from tests.solver.factories import CURTOIS_DIR, make_problem, solve_checked
from tests.solver.test_properties import brute_force, problems


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_days=3, max_people=2))
def test_the_relaxation_never_exceeds_the_optimum(problem: Problem) -> None:
    bound = solve_relaxation(build_model(problem).model.proto, 10.0)
    optimum = brute_force(problem)
    if bound is None:
        assert optimum is None
    elif optimum is not None:
        assert bound <= optimum


def test_a_linear_problem_is_bounded_exactly() -> None:
    # Three people for a demand of four each day: one missing person a day, whatever the roster.
    problem = make_problem(days=3, required=4, people=3, under=100)
    bound = solve_relaxation(build_model(problem).model.proto, 10.0)
    assert bound is not None
    assert bound == 300
    assert solve_checked(problem, time_limit_s=5.0).objective == 300


def test_negated_literals_and_enforced_constraints_are_relaxed_soundly() -> None:
    model = cp_model.CpModel()
    a, b, switch = model.new_bool_var("a"), model.new_bool_var("b"), model.new_bool_var("s")
    model.add_bool_or([a.negated(), b.negated()])  # not both
    model.add(a + b >= 2).only_enforce_if(switch)  # dropped: it holds only when switch is on
    model.minimize(10 * (1 - a) + 10 * (1 - b) - 5 * switch)
    bound = solve_relaxation(model.proto, 10.0)
    assert bound is not None
    # Integer optimum: one of a and b, switch off (the enforced constraint would fail): 10 - 0.
    # Relaxation: a = b = 1/2 and switch on: 10 - 5 = 5.
    assert bound == 5


def test_the_relaxation_bounds_a_benchmark_instance_tightly() -> None:
    problem = read_instance(CURTOIS_DIR / "Instance3.txt")
    bound = solve_relaxation(build_model(problem).model.proto, 30.0)
    assert bound is not None
    assert 990 <= bound <= 1001  # the optimum is 1001


def test_the_search_reports_the_relaxation_bound() -> None:
    # CP-SAT's own bound on this instance stays far below the relaxation's (9 against 4616).
    problem = read_instance(CURTOIS_DIR / "Instance10.txt")
    bound = solve_relaxation(build_model(problem).model.proto, 30.0)
    assert bound is not None
    # A deterministic budget makes the search wait for the relaxation; under a wall-clock
    # one, a busy machine may starve the relaxation's low-priority thread until the end.
    solution = solve(problem, time_limit_s=60.0, workers=2, seed=0, deterministic_time=2.0)
    assert solution.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert solution.bound is not None and solution.objective is not None
    assert bound <= solution.bound <= solution.objective
    assert f"linear relaxation: bound {bound}" in solution.steps


def test_a_relaxation_stopped_early_gives_nothing_and_ends() -> None:
    proto = build_model(read_instance(CURTOIS_DIR / "Instance12.txt")).model.proto
    relaxing = BackgroundRelaxation(proto, 600.0)
    relaxing.stop()
    assert relaxing.is_done()
    assert relaxing.result is None


def test_a_maximisation_gets_no_lower_bound() -> None:
    model = cp_model.CpModel()
    model.maximize(model.new_bool_var("a"))
    assert solve_relaxation(model.proto, 10.0) is None
