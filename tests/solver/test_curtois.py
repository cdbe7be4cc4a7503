"""The Curtois & Qu reader, writer and command line on the public instances."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver import Kind, Status, validate
from solver.curtois import main, parse_instance, read_instance, write_instance
from tests.solver.factories import solve_checked


def test_instance1_parses_with_the_right_counts(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance1.txt")
    assert problem.horizon_days == 14
    assert [s.id for s in problem.shift_types] == ["D"]
    assert len(problem.caregivers) == 8
    assert len(problem.demands) == 14
    assert sum(r.is_on for r in problem.requests) == 21
    assert sum(not r.is_on for r in problem.requests) == 5
    a = problem.caregivers[0]
    assert a.kind is Kind.STAFF
    assert a.days_off == frozenset({0})
    assert (a.rules.max_minutes, a.rules.min_minutes, a.rules.max_weekends) == (4320, 3360, 1)
    assert (a.rules.max_consecutive_days, a.rules.min_consecutive_days) == (5, 2)


@pytest.mark.parametrize("number", [1, 8, 12])
def test_writer_round_trips(curtois_dir: Path, number: int) -> None:
    problem = read_instance(curtois_dir / f"Instance{number}.txt")
    assert parse_instance(write_instance(problem), name=problem.name) == problem


def test_instance12_forbidden_successions(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance12.txt")
    assert problem.shift_by_id["n1"].forbidden_successors >= {"a1", "d3", "p3"}
    assert len(problem.caregivers) == 60


def test_instance1_solves_to_the_best_known_value(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance1.txt")
    solution = solve_checked(problem, time_limit_s=10.0, workers=2)
    assert solution.status is Status.OPTIMAL
    assert solution.objective == 607


def test_instance3_short_solve_is_valid(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance3.txt")
    solution = solve_checked(problem, time_limit_s=3.0, workers=2)
    assert solution.objective is not None
    assert validate(problem, solution).objective == solution.objective


def test_command_writes_the_roster(
    curtois_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "roster.json"
    args = [
        str(curtois_dir / "Instance1.txt"),
        "--time-limit",
        "5",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    payload = json.loads(out.read_text())
    assert set(payload) == {"instance", "objective", "bound", "status", "wall_s", "roster"}
    assert payload["objective"] == 607
    assert len(payload["roster"]) == 8
    assert all(len(days) == 14 for days in payload["roster"].values())
    printed = json.loads(capsys.readouterr().out)
    assert printed["instance"] == "Instance1"
