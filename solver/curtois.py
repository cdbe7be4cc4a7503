"""Reader, writer and command line for the Curtois & Qu shift-scheduling benchmark.

An instance becomes an ordinary `Problem` whose rules are the engine's general ones:
staff are paid staff without contract, shifts start at midnight with no minimum rest
(the format only has forbidden successions), and only coverage and requests are priced.

    python -m solver.curtois INSTANCE.txt --time-limit 60 --workers 2 --seed 0 --out r.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from solver.cpsat import solve
from solver.model import (
    Caregiver,
    Demand,
    Kind,
    Problem,
    Request,
    Rules,
    ShiftType,
    Solution,
    Weights,
)

#: The benchmark prices nothing but coverage and requests.
CURTOIS_WEIGHTS = Weights(
    qualification_shortfall=0,
    professional_shortfall=0,
    fairness_worst=0,
    fairness_total=0,
    night_spread=0,
    weekend_spread=0,
    contract_deviation=0,
    professional_minute=0,
    stability=0,
)


def read_sections(text: str) -> dict[str, list[list[str]]]:
    """Split the text into sections of comma-separated rows, comments dropped."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line.removeprefix("SECTION_"), [])
        else:
            current.append([field.strip() for field in line.split(",")])
    return sections


def parse_instance(text: str, name: str = "") -> Problem:
    """Build a `Problem` from the text of a Curtois & Qu instance."""
    sections = read_sections(text)
    horizon = int(sections["HORIZON"][0][0])
    shifts = tuple(
        ShiftType(
            id=row[0],
            start_minute=0,
            length_minutes=int(row[1]),
            forbidden_successors=frozenset(s for s in row[2].split("|") if s)
            if len(row) > 2
            else frozenset(),
        )
        for row in sections["SHIFTS"]
    )
    days_off = {
        row[0]: frozenset(int(d) for d in row[1:] if d) for row in sections.get("DAYS_OFF", [])
    }
    caregivers = []
    for row in sections["STAFF"]:
        limits = dict(pair.split("=") for pair in row[1].split("|") if pair)
        rules = Rules(
            max_per_shift={shift: int(n) for shift, n in limits.items()},
            max_minutes=int(row[2]),
            min_minutes=int(row[3]),
            max_consecutive_days=int(row[4]),
            min_consecutive_days=int(row[5]),
            min_consecutive_days_off=int(row[6]),
            max_weekends=int(row[7]),
            min_rest_hours=0,
        )
        caregivers.append(
            Caregiver(
                id=row[0], kind=Kind.STAFF, days_off=days_off.get(row[0], frozenset()), rules=rules
            )
        )
    requests = [
        Request(row[0], int(row[1]), row[2], int(row[3]), is_on=is_on)
        for section, is_on in (("SHIFT_ON_REQUESTS", True), ("SHIFT_OFF_REQUESTS", False))
        for row in sections.get(section, [])
    ]
    cover = {(int(row[0]), row[1]): row for row in sections.get("COVER", [])}
    demands = []
    for day in range(horizon):
        for shift in shifts:
            line = cover.get((day, shift.id), ["", "", "0", "0", "0"])
            required, under, over = (int(n) for n in line[2:5])
            demands.append(Demand(day, shift.id, required, under_weight=under, over_weight=over))
    return Problem(
        horizon_days=horizon,
        shift_types=shifts,
        demands=tuple(demands),
        caregivers=tuple(caregivers),
        requests=tuple(requests),
        weights=CURTOIS_WEIGHTS,
        name=name,
    )


def read_instance(path: Path) -> Problem:
    """Read an instance file."""
    return parse_instance(path.read_text(encoding="utf-8"), name=path.stem)


def write_instance(problem: Problem) -> str:
    """Write a `Problem` built from (or compatible with) the format back as text."""
    lines = ["SECTION_HORIZON", str(problem.horizon_days), "", "SECTION_SHIFTS"]
    for s in problem.shift_types:
        lines.append(f"{s.id},{s.length_minutes},{'|'.join(sorted(s.forbidden_successors))}")
    lines += ["", "SECTION_STAFF"]
    for cg in problem.caregivers:
        r = cg.rules
        limits = "|".join(f"{s}={n}" for s, n in r.max_per_shift.items())
        lines.append(
            f"{cg.id},{limits},{r.max_minutes},{r.min_minutes},{r.max_consecutive_days},"
            f"{r.min_consecutive_days},{r.min_consecutive_days_off},{r.max_weekends}"
        )
    lines += ["", "SECTION_DAYS_OFF"]
    lines += [",".join([cg.id, *map(str, sorted(cg.days_off))]) for cg in problem.caregivers]
    for title, is_on in (
        ("SECTION_SHIFT_ON_REQUESTS", True),
        ("SECTION_SHIFT_OFF_REQUESTS", False),
    ):
        lines += ["", title]
        lines += [
            f"{r.caregiver},{r.day},{r.shift},{r.weight}"
            for r in problem.requests
            if r.is_on == is_on
        ]
    lines += ["", "SECTION_COVER"]
    lines += [
        f"{d.day},{d.shift},{d.required},{d.under_weight},{d.over_weight}" for d in problem.demands
    ]
    return "\n".join(lines) + "\n"


def roster_table(problem: Problem, solution: Solution) -> dict[str, list[str]]:
    """Staff id -> one shift id (or "") per day."""
    table = {cg.id: [""] * problem.horizon_days for cg in problem.caregivers}
    for a in solution.assignments:
        table[a.caregiver][a.day] = a.shift
    return table


def main(argv: list[str] | None = None) -> int:
    """Solve one instance and write the roster as JSON."""
    parser = argparse.ArgumentParser(prog="python -m solver.curtois", description=main.__doc__)
    parser.add_argument("instance", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--log", action="store_true", help="print CP-SAT's search log")
    args = parser.parse_args(argv)
    problem = read_instance(args.instance)
    solution = solve(
        problem, time_limit_s=args.time_limit, workers=args.workers, seed=args.seed, log=args.log
    )
    summary: dict[str, Any] = {
        "instance": problem.name,
        "objective": solution.objective,
        "bound": solution.bound,
        "status": str(solution.status),
        "wall_s": round(solution.wall_s, 2),
    }
    print(json.dumps(summary))
    if args.out:
        payload = {**summary, "roster": roster_table(problem, solution)}
        args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0 if solution.objective is not None else 1


if __name__ == "__main__":
    sys.exit(main())
