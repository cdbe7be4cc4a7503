"""Recompute every soft-rule penalty of a roster in plain Python (no CP-SAT).

Mirrors `solver.rules_soft` rule by rule, from the rules' definitions rather than the
model's variables, so a wrong CP-SAT encoding shows up as a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from solver.model import PER_MILLE, Assignment, Kind, Problem
from solver.roster import Roster, minutes_worked, nights_worked, roster_of, weekends_worked

Scorer = Callable[[Problem, Roster, frozenset[Assignment]], int]


def staffed(problem: Problem, chosen: frozenset[Assignment], day: int, shift: str) -> list[str]:
    """Ids of the caregivers assigned to one occurrence."""
    return [a.caregiver for a in chosen if a.day == day and a.shift == shift]


def score_under_coverage(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Under-coverage: weight per missing caregiver."""
    counts = count_staffed(chosen)
    return sum(
        d.under_weight * max(0, d.required - counts.get((d.day, d.shift), 0))
        for d in problem.demands
    )


def score_over_coverage(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Over-coverage: weight per caregiver beyond the requirement."""
    counts = count_staffed(chosen)
    return sum(
        d.over_weight * max(0, counts.get((d.day, d.shift), 0) - d.required)
        for d in problem.demands
    )


def count_staffed(chosen: Iterable[Assignment]) -> dict[tuple[int, str], int]:
    """Number of caregivers per occurrence."""
    counts: dict[tuple[int, str], int] = {}
    for a in chosen:
        counts[a.day, a.shift] = counts.get((a.day, a.shift), 0) + 1
    return counts


def score_qualification_shortfall(
    problem: Problem, roster: Roster, chosen: frozenset[Assignment]
) -> int:
    """Soft qualification minimums: weight per missing holder."""
    quals = {cg.id: cg.qualifications for cg in problem.caregivers}
    missing = 0
    for d in problem.demands:
        if d.is_coverage_hard:
            continue
        people = staffed(problem, chosen, d.day, d.shift)
        for q, needed in d.qualified.items():
            missing += max(0, needed - sum(q in quals[c] for c in people))
    return problem.weights.qualification_shortfall * missing


def score_professional_shortfall(
    problem: Problem, roster: Roster, chosen: frozenset[Assignment]
) -> int:
    """Soft professional minimums: weight per missing professional."""
    pro = {cg.id: cg.is_professional for cg in problem.caregivers}
    missing = 0
    for d in problem.demands:
        if d.is_coverage_hard or d.min_professionals == 0:
            continue
        people = staffed(problem, chosen, d.day, d.shift)
        missing += max(0, d.min_professionals - sum(pro[c] for c in people))
    return problem.weights.professional_shortfall * missing


def score_requests(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Weight of each on-request not granted and each off-request violated."""
    total = 0
    for r in problem.requests:
        shift = roster[r.caregiver].get(r.day)
        worked = shift is not None and (r.shift is None or shift == r.shift)
        if worked != r.is_on:
            total += r.weight
    return total


def score_fairness(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Worst and total relative deviation (per mille) of households from their target."""
    worked: dict[str, int] = {}
    days = range(problem.horizon_days)
    for cg in problem.caregivers:
        if cg.kind is Kind.VOLUNTEER and cg.household in problem.household_by_id:
            minutes = minutes_worked(problem, roster[cg.id], days)
            worked[cg.household] = worked.get(cg.household, 0) + minutes
    relative = []
    for household_id, minutes in worked.items():
        target = problem.household_by_id[household_id].target_minutes
        relative.append(-(-PER_MILLE * abs(minutes - target) // target))
    if not relative:
        return 0
    weights = problem.weights
    return weights.fairness_worst * max(relative) + weights.fairness_total * sum(relative)


def score_night_spread(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Max minus min nights among non-professionals who can work a night."""
    counts = [
        nights_worked(problem, roster[cg.id])
        for cg in problem.caregivers
        if cg.kind != Kind.PROFESSIONAL
        and any(
            problem.is_available(cg, d, s.id)
            for d in range(problem.horizon_days)
            for s in problem.shift_types
            if s.is_night
        )
    ]
    return problem.weights.night_spread * (max(counts) - min(counts)) if len(counts) > 1 else 0


def score_weekend_spread(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Max minus min weekends among non-professionals who can work a weekend."""
    weekend_days = [d for days in problem.weekends() for d in days]
    counts = [
        weekends_worked(problem, roster[cg.id])
        for cg in problem.caregivers
        if cg.kind != Kind.PROFESSIONAL
        and any(
            problem.is_available(cg, d, s.id) for d in weekend_days for s in problem.shift_types
        )
    ]
    return problem.weights.weekend_spread * (max(counts) - min(counts)) if len(counts) > 1 else 0


def score_contract_deviation(
    problem: Problem, roster: Roster, chosen: frozenset[Assignment]
) -> int:
    """Minutes paid staff work away from their pro-rata contract."""
    days = range(problem.horizon_days)
    total = 0
    for cg in problem.caregivers:
        if cg.kind == Kind.STAFF and cg.contract_minutes_per_week:
            target = cg.contract_minutes_per_week * problem.horizon_days // 7
            total += abs(minutes_worked(problem, roster[cg.id], days) - target)
    return problem.weights.contract_deviation * total


def score_professional_cost(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Minutes worked by flying professionals."""
    days = range(problem.horizon_days)
    minutes = sum(
        minutes_worked(problem, roster[cg.id], days)
        for cg in problem.caregivers
        if cg.kind == Kind.PROFESSIONAL
    )
    return problem.weights.professional_minute * minutes


def score_stability(problem: Problem, roster: Roster, chosen: frozenset[Assignment]) -> int:
    """Assignments dropped from or added to the previous roster."""
    if not problem.previous:
        return 0
    return problem.weights.stability * len(chosen.symmetric_difference(problem.previous))


SCORERS: tuple[tuple[str, Scorer], ...] = (
    ("under_coverage", score_under_coverage),
    ("over_coverage", score_over_coverage),
    ("qualification_shortfall", score_qualification_shortfall),
    ("professional_shortfall", score_professional_shortfall),
    ("requests", score_requests),
    ("fairness", score_fairness),
    ("night_spread", score_night_spread),
    ("weekend_spread", score_weekend_spread),
    ("contract_deviation", score_contract_deviation),
    ("professional_cost", score_professional_cost),
    ("stability", score_stability),
)


def score(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, int]:
    """Penalty of every soft rule for a roster (zero penalties included)."""
    chosen = frozenset(assignments)
    roster = roster_of(problem, chosen)
    return {name: scorer(problem, roster, chosen) for name, scorer in SCORERS}
