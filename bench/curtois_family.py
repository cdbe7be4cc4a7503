"""Benchmark the engine on new instances of the Curtois & Qu family, unseen while tuning it.

    .venv/bin/python bench/curtois_family.py --time-limit 60 --workers 2 --seed 1 [--instances 5 8]

The public instances 1–12 are what the search was tuned on. Each new instance keeps one
public instance's staff, rules and shift types and redraws, from `--seed`, what changes
from one roster period to the next: every person's days off (as many as before, on other
days), the days of their shift requests, and every cover requirement (one more, one fewer
or the same). No best known value exists for them, so each line gives our objective, our
lower bound and the gap between them, and the plain CP-SAT model's objective with the same
limits in the same run. `--write DIR` saves the instances in the benchmark's format.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curtois import INSTANCES, solve_plain  # noqa: E402

from solver import Problem, Status, solve, validate  # noqa: E402
from solver.curtois import read_instance, write_instance  # noqa: E402


def redraw(problem: Problem, rng: random.Random) -> Problem:
    """The same staff and rules with new days off, request days and cover requirements."""
    days = range(problem.horizon_days)
    caregivers = tuple(
        replace(cg, days_off=frozenset(rng.sample(days, len(cg.days_off))))
        for cg in problem.caregivers
    )
    requests = tuple(replace(r, day=rng.choice(days)) for r in problem.requests)
    demands = tuple(
        replace(d, required=max(0, d.required + rng.choice((-1, 0, 1)))) for d in problem.demands
    )
    name = f"{problem.name}-{rng.randrange(10**6):06d}"
    return replace(problem, caregivers=caregivers, requests=requests, demands=demands, name=name)


def main() -> None:
    """Generate the instances, solve each with both models, print one line per instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, nargs="*", default=list(range(5, 13)))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="draws the instances and seeds the solvers")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain model")
    parser.add_argument("--write", type=Path, help="directory to save the instances in")
    args = parser.parse_args()
    print(f"time limit {args.time_limit:g} s, {args.workers} workers, seed {args.seed}")
    print("instance             ours  bound    gap  status     wall_s valid  plain  ours/plain")
    for number in args.instances:
        public = read_instance(INSTANCES / f"Instance{number}.txt")
        problem = redraw(public, random.Random(args.seed * 1000 + number))
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / f"{problem.name}.txt").write_text(write_instance(problem))
        ours = solve(problem, time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
        is_valid = ours.status is not Status.INFEASIBLE and validate(problem, ours).is_valid
        plain = None if args.no_plain else solve_plain(problem, args.time_limit, args.workers, args.seed)
        gap = "-"
        if ours.objective and ours.bound is not None:
            gap = f"{(ours.objective - ours.bound) / ours.objective:.2%}"
        versus = f"{ours.objective / plain:.4f}" if ours.objective is not None and plain else "-"
        print(
            f"{problem.name:<19}{ours.objective!s:>6}{ours.bound!s:>7}{gap:>7}  {ours.status!s:<9}"
            f"{ours.wall_s:>7.1f}  {is_valid!s:<6}{plain!s:>6}  {versus}",
            flush=True,
        )


if __name__ == "__main__":
    main()
