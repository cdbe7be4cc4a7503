"""Benchmark the engine on generated childcare weeks: one cooperative, and a city.

    .venv/bin/python bench/childcare.py [--time-limit 10] [--city-time-limit 60] [--workers 2]

The cooperative week has 2 sites with early (07-15), late (15-23) and night (23-07)
shifts over 7 days, 40 volunteer households, 6 paid staff and 3 flying professionals
(target: proven optimal within 10 s). The city has 20 sites and 600 caregivers (target:
gap <= 2 % within 60 s). Both are generated deterministically from --seed; the script
prints status, objective, bound, gap, wall time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver import (  # noqa: E402
    Caregiver,
    Demand,
    Household,
    Kind,
    Problem,
    Request,
    Rules,
    ShiftType,
    solve,
    validate,
)

DAYS = 7
SHIFTS = (("early", 7 * 60, False), ("late", 15 * 60, False), ("night", 23 * 60, True))


def site_shifts(site: str) -> list[ShiftType]:
    """The three daily shifts of one site; a night may not be followed by an early."""
    return [
        ShiftType(
            id=f"{site}-{name}",
            start_minute=start,
            length_minutes=8 * 60,
            site=site,
            is_night=is_night,
            forbidden_successors=frozenset({f"{site}-early"}) if is_night else frozenset(),
        )
        for name, start, is_night in SHIFTS
    ]


def generate(sites: int, households: int, staff: int, pros: int, seed: int) -> Problem:
    """A deterministic childcare week: demand from bookings, caregivers near their site."""
    rng = random.Random(seed)
    names = [f"S{i:02d}" for i in range(sites)]
    shifts = [s for site in names for s in site_shifts(site)]
    demands = []
    for day in range(DAYS):
        for s in shifts:
            weekend = day >= 5
            required = rng.randint(1, 2) if s.is_night or weekend else rng.randint(2, 3)
            demands.append(
                Demand(
                    day,
                    s.id,
                    required,
                    under_weight=10_000,
                    over_weight=300,
                    qualified={"first_aid": 1},
                    min_professionals=int(s.is_night),
                )
            )
    caregivers: list[Caregiver] = []
    homes: list[Household] = []
    requests: list[Request] = []
    volunteer_rules = Rules(max_week_minutes=16 * 60, max_consecutive_nights=1, max_weekends=1)
    for h in range(households):
        site = names[h % sites]
        pledge = rng.choice([4, 6, 8, 8, 12, 16]) * 60
        homes.append(Household(f"h{h}", pledge, rng.choice([-240, -120, 0, 0, 120, 240])))
        own = [s.id for s in shifts if s.site == site]
        unavailable = {(d, s) for d in range(DAYS) for s in own if rng.random() < 0.5}
        cid = f"v{h}"
        caregivers.append(
            Caregiver(
                cid,
                Kind.VOLUNTEER,
                household=f"h{h}",
                rules=volunteer_rules,
                qualifications=frozenset({"first_aid"}) if rng.random() < 0.4 else frozenset(),
                unavailable=frozenset(unavailable) | outside(shifts, {site}),
            )
        )
        if rng.random() < 0.3:
            requests.append(Request(cid, rng.randrange(DAYS), None, 50, is_on=False))
    staff_rules = Rules(max_consecutive_days=5, max_consecutive_nights=3, max_week_minutes=48 * 60)
    for i in range(staff):
        site = names[i % sites]
        caregivers.append(
            Caregiver(
                f"staff{i}",
                Kind.STAFF,
                qualifications=frozenset({"first_aid"}),
                contract_minutes_per_week=rng.choice([24, 32, 38]) * 60,
                days_off=frozenset({rng.randrange(DAYS)}),
                rules=staff_rules,
                unavailable=outside(shifts, {site}),
            )
        )
    for i in range(pros):
        region = {names[(i * 4 + k) % sites] for k in range(4)}
        caregivers.append(
            Caregiver(
                f"pro{i}",
                Kind.PROFESSIONAL,
                qualifications=frozenset({"first_aid", "nurse"}),
                rules=staff_rules,
                unavailable=outside(shifts, region),
            )
        )
    return Problem(
        horizon_days=DAYS,
        shift_types=tuple(shifts),
        demands=tuple(demands),
        caregivers=tuple(caregivers),
        households=tuple(homes),
        requests=tuple(requests),
        name=f"childcare-{sites}-sites",
    )


def outside(shifts: list[ShiftType], region: set[str]) -> frozenset[tuple[int, str]]:
    """Occurrences at every site outside `region`."""
    return frozenset((d, s.id) for d in range(DAYS) for s in shifts if s.site not in region)


def run(problem: Problem, time_limit: float, workers: int, seed: int) -> None:
    """Solve, validate and print one line of figures."""
    started = time.monotonic()
    solution = solve(problem, time_limit_s=time_limit, workers=workers, seed=seed)
    wall = time.monotonic() - started
    report = validate(problem, solution)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gap = f"{solution.gap:.2%}" if solution.gap is not None else "-"
    unmet = sum(u.missing for u in solution.unmet)
    print(
        f"{problem.name}: {len(problem.caregivers)} caregivers, {len(problem.demands)} shifts | "
        f"status {solution.status} objective {solution.objective} bound {solution.bound} "
        f"gap {gap} | wall {wall:.1f} s | valid {report.is_valid} | unmet {unmet} | "
        f"peak memory {peak_mib:.0f} MiB",
        flush=True,
    )


def main() -> None:
    """Run the cooperative week, then the city."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--city-time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-city", action="store_true")
    args = parser.parse_args()
    run(generate(2, 40, 6, 3, args.seed), args.time_limit, args.workers, args.seed)
    if not args.skip_city:
        city = generate(20, 480, 80, 40, args.seed)
        run(city, args.city_time_limit, args.workers, args.seed)


if __name__ == "__main__":
    main()
