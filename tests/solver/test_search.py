"""Determinism, early stop and the large-neighbourhood search."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from solver import Status, solve
from solver.curtois import read_instance
from tests.solver.factories import solve_checked


@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_and_workers_give_the_same_roster(curtois_dir: Path, workers: int) -> None:
    problem = read_instance(curtois_dir / "Instance3.txt")
    runs = [
        solve(problem, time_limit_s=60.0, deterministic_time=0.5, workers=workers, seed=3)
        for _ in range(2)
    ]
    assert runs[0].objective == runs[1].objective
    assert runs[0].assignments == runs[1].assignments
    assert runs[0].steps == runs[1].steps
    assert any(step.startswith("lns step") for step in runs[0].steps)


def test_stop_event_returns_the_best_roster_so_far(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance7.txt")
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    solution = solve_checked(problem, time_limit_s=60.0, workers=2, stop=stop)
    timer.join()
    assert solution.wall_s < 10
    assert solution.status in (Status.FEASIBLE, Status.OPTIMAL)


def test_lns_runs_after_the_first_solve(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance4.txt")
    solution = solve_checked(problem, time_limit_s=6.0, workers=2)
    assert solution.steps[0].startswith("initial")
    assert solution.steps[-1].startswith("lns")
    assert "sub-solves {}" not in solution.steps[-1]


def test_informative_bound_hands_the_end_to_the_whole_model(curtois_dir: Path) -> None:
    # With this little work the first solve finds the optimum without proving it, its
    # bound already close: the LNS gives way to the whole model, which proves it.
    problem = read_instance(curtois_dir / "Instance1.txt")
    solution = solve_checked(problem, time_limit_s=60.0, deterministic_time=0.3, workers=2)
    assert "whole model: objective 607, bound 607" in solution.steps
    assert solution.status is Status.OPTIMAL


def test_uninformative_bound_leaves_all_the_time_to_the_lns(curtois_dir: Path) -> None:
    # Instance 9's bounds stay far below any roster found with this work (its linear
    # relaxation gives 39 against an optimum of 439), whatever path the LNS takes.
    problem = read_instance(curtois_dir / "Instance9.txt")
    solution = solve_checked(problem, time_limit_s=60.0, deterministic_time=1.0, workers=2)
    assert solution.bound is not None and solution.objective is not None
    assert solution.objective - solution.bound > 0.25 * solution.objective
    assert not any(step.startswith("whole model") for step in solution.steps)
