"""Explanations for a coordinator: why demand stayed unmet, and who does what."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from solver.model import Assignment, Caregiver, CaregiverStats, Kind, Problem, Unmet
from solver.roster import (
    Roster,
    is_rest_respected,
    minutes_worked,
    nights_worked,
    roster_of,
    weekends_worked,
)

#: Order in which blocking reasons are preferred when several are equally common.
REASONS = ("already_working", "rest_rule", "hours_cap", "shift_limit", "sequence_rule")


def blocking_reason(
    problem: Problem, cg: Caregiver, days: dict[int, str], day: int, shift: str
) -> str | None:
    """Why an available caregiver could not simply be added here (None: nothing blocks)."""
    if day in days:
        return "already_working"
    for other_day, other in days.items():
        if abs(other_day - day) <= 3 and not is_rest_respected(
            problem, cg, (day, shift), (other_day, other)
        ):
            return "rest_rule"
    if days.get(day + 1) in problem.shift_by_id[shift].forbidden_successors or shift in (
        problem.shift_by_id[days[day - 1]].forbidden_successors if day - 1 in days else ()
    ):
        return "rest_rule"
    rules = cg.rules
    length = problem.shift_by_id[shift].length_minutes
    total = minutes_worked(problem, days, range(problem.horizon_days))
    week = next(w for w, _ in problem.weeks() if day in w)
    if (rules.max_minutes is not None and total + length > rules.max_minutes) or (
        rules.max_week_minutes is not None
        and minutes_worked(problem, days, week) + length > rules.max_week_minutes
    ):
        return "hours_cap"
    limit = rules.max_per_shift.get(shift)
    if limit is not None and sum(s == shift for s in days.values()) >= limit:
        return "shift_limit"
    run = 1
    while day - run in days:
        run += 1
    ahead = 1
    while day + ahead in days:
        ahead += 1
    if rules.max_consecutive_days is not None and run + ahead - 1 > rules.max_consecutive_days:
        return "sequence_rule"
    if rules.max_weekends is not None and any(day in w for w in problem.weekends()):
        with_day = dict(days)
        with_day[day] = shift
        if weekends_worked(problem, with_day) > rules.max_weekends:
            return "sequence_rule"
    return None


def explain_unmet(problem: Problem, assignments: Iterable[Assignment]) -> tuple[Unmet, ...]:
    """Unmet demand per occurrence with the dominant reason nobody else was added."""
    chosen = list(assignments)
    roster: Roster = roster_of(problem, chosen)
    by_id = {cg.id: cg for cg in problem.caregivers}
    staffed: dict[tuple[int, str], list[Caregiver]] = {}
    for a in chosen:
        staffed.setdefault((a.day, a.shift), []).append(by_id[a.caregiver])
    unmet = []
    for d in problem.demands:
        people = staffed.get((d.day, d.shift), [])
        missing = max(0, d.required - len(people))
        short_quals = {
            q: n - have
            for q, n in d.qualified.items()
            if (have := sum(q in cg.qualifications for cg in people)) < n
        }
        short_pros = max(0, d.min_professionals - sum(cg.is_professional for cg in people))
        if not (missing or short_quals or short_pros):
            continue
        candidates = [
            cg
            for cg in problem.caregivers
            if cg not in people and problem.is_available(cg, d.day, d.shift)
        ]
        qualified = [
            cg
            for cg in candidates
            if all(q in cg.qualifications for q in short_quals)
            and (not short_pros or cg.is_professional)
        ]
        if (short_quals or short_pros) and not qualified:
            reason = "no_qualified_available"
        elif not candidates:
            reason = "unavailable"
        else:
            blocked = [
                blocking_reason(problem, cg, roster[cg.id], d.day, d.shift) for cg in qualified
            ]
            if None in blocked:
                reason = "cost_tradeoff"
            else:
                counts = Counter(blocked)
                reason = max(REASONS, key=lambda r: (counts[r], -REASONS.index(r)))
        unmet.append(Unmet(d.day, d.shift, missing, reason, short_quals, short_pros))
    return tuple(unmet)


def caregiver_stats(
    problem: Problem, assignments: Iterable[Assignment]
) -> tuple[CaregiverStats, ...]:
    """Minutes, shifts, nights and weekends of everyone; fair-share target for volunteers."""
    roster = roster_of(problem, assignments)
    stats = []
    for cg in problem.caregivers:
        days = roster[cg.id]
        household = problem.household_by_id.get(cg.household or "")
        target = household.target_minutes if household and cg.kind is Kind.VOLUNTEER else None
        stats.append(
            CaregiverStats(
                caregiver=cg.id,
                minutes=minutes_worked(problem, days, range(problem.horizon_days)),
                shifts=len(days),
                nights=nights_worked(problem, days),
                weekends=weekends_worked(problem, days),
                target_minutes=target,
            )
        )
    return tuple(stats)
