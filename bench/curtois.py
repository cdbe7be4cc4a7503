"""Benchmark the engine on the Curtois & Qu instances against a plain CP-SAT model.

    .venv/bin/python bench/curtois.py --time-limit 60 --workers 2 --seed 0 [--instances 1 2 3]

For every instance it prints our objective, its lower bound, the best known value and the
ratio, and, with the same limits in the same run, the objective and ratio of `plain_model`:
one boolean per person/day/shift with every rule written directly, solved by CP-SAT alone
(--no-plain skips it). Instances are read from ../shared/benchmarks/curtois next to the repository.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from pathlib import Path

from ortools.sat.python import cp_model

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver import Problem, solve, validate  # noqa: E402
from solver.curtois import read_instance  # noqa: E402

INSTANCES = ROOT / ".." / "shared" / "benchmarks" / "curtois"


def plain_model(problem: Problem) -> cp_model.CpModel:
    """The textbook formulation of a Curtois instance, without the engine's modelling."""
    model = cp_model.CpModel()
    days, shifts = range(problem.horizon_days), [s.id for s in problem.shift_types]
    length = {s.id: s.length_minutes for s in problem.shift_types}
    x = {
        (c, d, s): model.new_bool_var(f"x{c}_{d}_{s}")
        for c in range(len(problem.caregivers))
        for d in days
        for s in shifts
    }
    objective = []
    for c, cg in enumerate(problem.caregivers):
        rules = cg.rules
        work = [sum(x[c, d, s] for s in shifts) for d in days]
        for d in days:
            model.add(work[d] <= 1)
            if d in cg.days_off:
                model.add(work[d] == 0)
            for s in shifts:
                for t in problem.shift_by_id[s].forbidden_successors:
                    if d + 1 in days:
                        model.add(x[c, d, s] + x[c, d + 1, t] <= 1)
        for s, limit in rules.max_per_shift.items():
            model.add(sum(x[c, d, s] for d in days) <= limit)
        minutes = sum(length[s] * x[c, d, s] for d in days for s in shifts)
        model.add(minutes >= rules.min_minutes)
        model.add(minutes <= (rules.max_minutes or 0))
        top = rules.max_consecutive_days or len(days)
        for d in range(len(days) - top):
            model.add(sum(work[d : d + top + 1]) <= top)
        worked = [model.new_bool_var("") for _ in days]
        for d in days:
            model.add(worked[d] == work[d])
        for k in range(1, rules.min_consecutive_days):
            for d in range(1, len(days) - k):
                model.add_bool_or([worked[d - 1], *(~w for w in worked[d : d + k]), worked[d + k]])
        for k in range(1, rules.min_consecutive_days_off):
            for d in range(1, len(days) - k):
                model.add_bool_or([~worked[d - 1], *worked[d : d + k], ~worked[d + k]])
        weekends = []
        for weekend in problem.weekends():
            on = model.new_bool_var("")
            for d in weekend:
                model.add_implication(worked[d], on)
            weekends.append(on)
        model.add(sum(weekends) <= (rules.max_weekends or 0))
    index = {cg.id: c for c, cg in enumerate(problem.caregivers)}
    for r in problem.requests:
        var = x[index[r.caregiver], r.day, r.shift]
        objective.append(r.weight * (1 - var) if r.is_on else r.weight * var)
    for dem in problem.demands:
        staffed = sum(x[c, dem.day, dem.shift] for c in range(len(problem.caregivers)))
        under = model.new_int_var(0, dem.required, "")
        over = model.new_int_var(0, len(problem.caregivers), "")
        model.add(under >= dem.required - staffed)
        model.add(over >= staffed - dem.required)
        objective += [dem.under_weight * under, dem.over_weight * over]
    model.minimize(sum(objective))
    return model


def solve_plain(problem: Problem, time_limit: float, workers: int, seed: int) -> int | None:
    """Objective reached by CP-SAT on the plain model within the limits."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(plain_model(problem))
    return (
        round(solver.objective_value) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    )


def cpu_seconds() -> float:
    """CPU time used by this process so far (all threads): shows what a loaded machine
    actually gave the solver within its wall-clock limit."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_known() -> dict[str, int]:
    """Published best values by instance name."""
    with (INSTANCES / "best_known.csv").open() as f:
        return {row["instance"]: int(row["best_known"]) for row in csv.DictReader(f)}


def ratio(value: int | None, best: int) -> str:
    """Objective over best known, as text."""
    return f"{value / best:.4f}" if value is not None else "-"


def main() -> None:
    """Run the benchmark and print one table row per instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, nargs="*", default=list(range(1, 13)))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-plain", action="store_true", help="skip the plain model")
    args = parser.parse_args()
    known = best_known()
    print(f"time limit {args.time_limit:g} s, {args.workers} workers, seed {args.seed}")
    print("instance     ours  bound   best  ratio   status     wall_s  cpu_s valid  plain  plain_ratio")
    for number in args.instances:
        problem = read_instance(INSTANCES / f"Instance{number}.txt")
        started, cpu = time.monotonic(), cpu_seconds()
        ours = solve(problem, time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
        wall, cpu = time.monotonic() - started, cpu_seconds() - cpu
        report = validate(problem, ours)
        is_valid = report.is_valid and report.objective == ours.objective
        plain = (
            None
            if args.no_plain
            else solve_plain(problem, args.time_limit, args.workers, args.seed)
        )
        best = known[problem.name]
        print(
            f"{problem.name:<11}{ours.objective!s:>6}{ours.bound!s:>7}{best:>7}  {ratio(ours.objective, best)}"
            f"  {ours.status!s:<9}{wall:>7.1f}{cpu:>7.1f}  {is_valid!s:<6}{plain!s:>6}"
            f"  {ratio(plain, best)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
