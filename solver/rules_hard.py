"""Hard rules: each `add_<rule>(model, v, problem)` adds constraints and returns nothing.

Sequence rules use the strong formulations known from nurse rostering: clique
constraints for successions and rest, sliding windows for maxima, and forbidden
stretch patterns (one clause per too-short stretch) for minima.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.model import MINUTES_PER_DAY, Caregiver, Problem
from solver.variables import RosterVars, Var

HardRule = Callable[[cp_model.CpModel, RosterVars, Problem], None]


def add_one_shift_per_day(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """At most one shift a day; defines `works[c, day]` as the day's sum."""
    for (c, day), worked in v.works.items():
        model.add(sum(var for _, var in v.on_day(c, day)) == worked)


def rest_conflicts(problem: Problem, rest_minutes: int, first: str, gap_days: int) -> list[str]:
    """Shift ids that may not start `gap_days` after `first` (overlap or short rest)."""
    shift = problem.shift_by_id[first]
    end = shift.start_minute + shift.length_minutes
    return [
        other.id
        for other in problem.shift_types
        if gap_days * MINUTES_PER_DAY + other.start_minute - end < rest_minutes
    ]


def add_min_rest(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """No overlap and at least `min_rest_hours` between the end and the next start."""
    longest = max((s.start_minute + s.length_minutes for s in problem.shift_types), default=0)
    cache: dict[tuple[int, str, int], frozenset[str]] = {}
    for (c, day, shift), var in v.x.items():
        rest = problem.caregivers[c].rules.min_rest_hours * 60
        for gap in range(1, (longest + rest) // MINUTES_PER_DAY + 2):
            key = (rest, shift, gap)
            if key not in cache:
                cache[key] = frozenset(rest_conflicts(problem, rest, shift, gap))
            later = [w for s, w in v.on_day(c, day + gap) if s in cache[key]]
            if later:
                model.add_at_most_one([var, *later])


def add_forbidden_successions(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """A shift may not be followed the next day by one of its forbidden successors."""
    for (c, day, shift), var in v.x.items():
        banned = problem.shift_by_id[shift].forbidden_successors
        later = [w for s, w in v.on_day(c, day + 1) if s in banned]
        if later:
            model.add_at_most_one([var, *later])


def add_max_per_shift(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Each caregiver works each shift type at most its per-type maximum."""
    groups: dict[tuple[int, str], list[Var]] = {}
    for (c, _, shift), var in v.x.items():
        groups.setdefault((c, shift), []).append(var)
    for (c, shift), worked in groups.items():
        limit = problem.caregivers[c].rules.max_per_shift.get(shift)
        if limit is not None and len(worked) > limit:
            model.add(sum(worked) <= limit)


def minutes_expr(v: RosterVars, problem: Problem, c: int, days: list[int]) -> Var:
    """Minutes caregiver `c` works over `days`."""
    shifts = problem.shift_by_id
    return sum(shifts[s].length_minutes * var for d in days for s, var in v.on_day(c, d))


def add_total_minutes(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Minutes over the horizon stay within [min_minutes, max_minutes]."""
    days = list(range(problem.horizon_days))
    for c, caregiver in enumerate(problem.caregivers):
        rules = caregiver.rules
        total = minutes_expr(v, problem, c, days)
        if rules.min_minutes > 0:
            model.add(total >= rules.min_minutes)
        if rules.max_minutes is not None:
            model.add(total <= rules.max_minutes)


def add_week_minutes(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Minutes per calendar week within bounds; the minimum only binds on complete weeks."""
    for c, caregiver in enumerate(problem.caregivers):
        rules = caregiver.rules
        for days, is_complete in problem.weeks():
            total = minutes_expr(v, problem, c, days)
            if rules.min_week_minutes > 0 and is_complete:
                model.add(total >= rules.min_week_minutes)
            if rules.max_week_minutes is not None:
                model.add(total <= rules.max_week_minutes)


def add_max_windows(model: cp_model.CpModel, series: list[Var], limit: int) -> None:
    """Every window of `limit + 1` consecutive entries holds at most `limit` trues."""
    for start in range(len(series) - limit):
        model.add(sum(series[start : start + limit + 1]) <= limit)


def add_max_consecutive_days(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Work stretches are at most `max_consecutive_days` long."""
    for c, caregiver in enumerate(problem.caregivers):
        limit = caregiver.rules.max_consecutive_days
        if limit is not None:
            add_max_windows(model, [v.works[c, d] for d in range(problem.horizon_days)], limit)


def forbid_short_stretches(model: cp_model.CpModel, series: list[Var], minimum: int) -> None:
    """Forbid true-stretches shorter than `minimum` that touch neither horizon end.

    One clause per pattern false, true*k, false (k < minimum): the formulation whose
    propagation is complete for this rule.
    """
    horizon = len(series)
    for length in range(1, minimum):
        for start in range(1, horizon - length):
            stretch = series[start : start + length]
            model.add_bool_or(
                [series[start - 1], *(lit.negated() for lit in stretch), series[start + length]]
            )


def add_min_consecutive_days(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Work stretches inside the horizon last at least `min_consecutive_days`."""
    for c, caregiver in enumerate(problem.caregivers):
        series = [v.works[c, d] for d in range(problem.horizon_days)]
        forbid_short_stretches(model, series, caregiver.rules.min_consecutive_days)


def add_min_consecutive_days_off(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Day-off stretches inside the horizon last at least `min_consecutive_days_off`."""
    for c, caregiver in enumerate(problem.caregivers):
        series = [v.works[c, d].negated() for d in range(problem.horizon_days)]
        forbid_short_stretches(model, series, caregiver.rules.min_consecutive_days_off)


def add_max_consecutive_nights(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Night stretches are at most `max_consecutive_nights` long."""
    for c, caregiver in enumerate(problem.caregivers):
        limit = caregiver.rules.max_consecutive_nights
        if limit is None:
            continue
        series = [sum(v.night(problem, c, d)) for d in range(problem.horizon_days)]
        add_max_windows(model, series, limit)


def add_max_weekends(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Weekends worked (Saturday or Sunday) are at most `max_weekends`."""
    count = len(problem.weekends())
    for c, caregiver in enumerate(problem.caregivers):
        limit = caregiver.rules.max_weekends
        if limit is not None and limit < count:
            model.add(sum(v.weekend(model, problem, c, k) for k in range(count)) <= limit)


def add_pinned(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Assignments fixed by a coordinator hold; a pin on an unavailable slot is infeasible."""
    index = {cg.id: c for c, cg in enumerate(problem.caregivers)}
    for pin in problem.pinned:
        var = v.x.get((index[pin.caregiver], pin.day, pin.shift))
        if var is None:
            model.add_bool_or([])
        else:
            model.add(var == 1)


def qualified_vars(
    v: RosterVars, problem: Problem, day: int, shift: str, accept: Callable[[Caregiver], bool]
) -> list[Var]:
    """Literals of the caregivers accepted by `accept` at one occurrence."""
    return [
        var
        for c, cg in enumerate(problem.caregivers)
        if (var := v.x.get((c, day, shift))) is not None and accept(cg)
    ]


def holder_of(qualification: str) -> Callable[[Caregiver], bool]:
    """Predicate: the caregiver holds `qualification`."""
    return lambda cg: qualification in cg.qualifications


def add_hard_coverage(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> None:
    """Qualification and professional minimums, where the demand makes them hard."""
    for demand in problem.demands:
        if not demand.is_coverage_hard:
            continue
        for qualification, needed in demand.qualified.items():
            holders = qualified_vars(v, problem, demand.day, demand.shift, holder_of(qualification))
            model.add(sum(holders) >= needed)
        if demand.min_professionals > 0:
            pros = qualified_vars(
                v, problem, demand.day, demand.shift, lambda cg: cg.is_professional
            )
            model.add(sum(pros) >= demand.min_professionals)


#: Every hard rule, in the order `solve()` adds them.
HARD_RULES: tuple[HardRule, ...] = (
    add_one_shift_per_day,
    add_min_rest,
    add_forbidden_successions,
    add_max_per_shift,
    add_total_minutes,
    add_week_minutes,
    add_max_consecutive_days,
    add_min_consecutive_days,
    add_min_consecutive_days_off,
    add_max_consecutive_nights,
    add_max_weekends,
    add_pinned,
    add_hard_coverage,
)
