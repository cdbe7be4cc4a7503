"""Soft rules: each `add_<rule>(model, v, problem)` returns its weighted penalty terms.

Auxiliary variables are exact where minimisation alone would not make them so (maxima,
minima, absolute values, rounded ratios); shortfalls are only bounded below, so on a
non-optimal roster CP-SAT may over-count them. `solve()` therefore reports penalties
recomputed from the roster, and keeps CP-SAT's own figure as `solver_objective`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.model import PER_MILLE, Kind, Problem
from solver.rules_hard import holder_of, minutes_expr, qualified_vars
from solver.variables import RosterVars, Var

SoftRule = Callable[[cp_model.CpModel, RosterVars, Problem], list[Var]]


def shortfall(
    model: cp_model.CpModel, have: Var, need: int, cap: int, *, is_exact: bool = False
) -> tuple[Var, Var]:
    """`(under, over)` with `under >= need - have` and `over >= have - need`, both >= 0.

    Minimisation makes them exact wherever their weight is positive; `is_exact` adds a
    literal that makes them exact outright. That literal slows CP-SAT's search on large
    coverage problems but lets it prove optimality of the (smaller) qualification
    shortfalls far sooner, so only those use it.
    """
    under = model.new_int_var(0, max(need, 0), "under")
    over = model.new_int_var(0, max(cap - need, 0), "over")
    if is_exact:
        is_over = model.new_bool_var("is_over")
        model.add(have + under - over == need)
        model.add(under == 0).only_enforce_if(is_over)
        model.add(over == 0).only_enforce_if(is_over.negated())
    else:
        model.add(under >= need - have)
        model.add(over >= have - need)
    return under, over


def coverage(model: cp_model.CpModel, v: RosterVars, problem: Problem, i: int) -> tuple[Var, Var]:
    """(under, over) staffing of demand `i`, created once and shared by both rules."""
    if i not in v.coverage:
        demand = problem.demands[i]
        staffed = qualified_vars(v, problem, demand.day, demand.shift, lambda cg: True)
        v.coverage[i] = shortfall(model, sum(staffed), demand.required, len(staffed))
    return v.coverage[i]


def add_under_coverage(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Each missing caregiver at an occurrence costs its demand's `under_weight`."""
    return [
        demand.under_weight * coverage(model, v, problem, i)[0]
        for i, demand in enumerate(problem.demands)
        if demand.under_weight
    ]


def add_over_coverage(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Each caregiver beyond the requirement costs its demand's `over_weight`."""
    return [
        demand.over_weight * coverage(model, v, problem, i)[1]
        for i, demand in enumerate(problem.demands)
        if demand.over_weight
    ]


def add_qualification_shortfall(
    model: cp_model.CpModel, v: RosterVars, problem: Problem
) -> list[Var]:
    """Each missing qualified caregiver (soft demands only) costs the shortfall weight."""
    terms: list[Var] = []
    weight = problem.weights.qualification_shortfall
    for demand in problem.demands:
        if demand.is_coverage_hard:
            continue
        for qualification, needed in demand.qualified.items():
            holders = qualified_vars(v, problem, demand.day, demand.shift, holder_of(qualification))
            under, _ = shortfall(model, sum(holders), needed, len(holders), is_exact=True)
            terms.append(weight * under)
    return terms


def add_professional_shortfall(
    model: cp_model.CpModel, v: RosterVars, problem: Problem
) -> list[Var]:
    """Each missing professional (soft demands only) costs the shortfall weight."""
    terms: list[Var] = []
    for demand in problem.demands:
        if demand.is_coverage_hard or demand.min_professionals == 0:
            continue
        pros = qualified_vars(v, problem, demand.day, demand.shift, lambda cg: cg.is_professional)
        under, _ = shortfall(model, sum(pros), demand.min_professionals, len(pros), is_exact=True)
        terms.append(problem.weights.professional_shortfall * under)
    return terms


def add_requests(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """An on-request not granted or an off-request violated costs its weight."""
    index = {cg.id: c for c, cg in enumerate(problem.caregivers)}
    terms: list[Var] = []
    for request in problem.requests:
        c = index[request.caregiver]
        if request.shift is None:
            worked: Var = v.works[c, request.day]
        else:
            worked = v.x.get((c, request.day, request.shift), 0)
        terms.append(request.weight * (1 - worked) if request.is_on else request.weight * worked)
    return terms


def add_fairness(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Volunteer households work in proportion to their target (pledge minus balance).

    The relative deviation of a household is `ceil(1000 * |worked - target| / target)`;
    the worst one is weighted heavily (`fairness_worst`), their sum lightly, so the
    worst deviation is minimised first and the total second. When demand is below the
    sum of pledges this makes everyone's worked/target ratio as equal as possible.
    """
    members: dict[str, list[int]] = {}
    for c, cg in enumerate(problem.caregivers):
        if cg.kind is Kind.VOLUNTEER and cg.household in problem.household_by_id:
            members.setdefault(cg.household, []).append(c)
    weights = problem.weights
    if not members or not (weights.fairness_worst or weights.fairness_total):
        return []
    days = list(range(problem.horizon_days))
    steps: dict[int, int] = {}
    for c, _, shift in v.x:
        steps[c] = math.gcd(steps.get(c, 0), problem.shift_by_id[shift].length_minutes)
    relative: list[Var] = []
    for household_id, cs in sorted(members.items()):
        target = problem.household_by_id[household_id].target_minutes
        worked = sum(minutes_expr(v, problem, c, days) for c in cs)
        cap = max(target, problem.horizon_days * 1440 * len(cs))
        step = math.gcd(*(steps.get(c, 0) for c in cs))
        deviation = model.new_int_var(least_deviation(step, target), cap, f"dev_{household_id}")
        model.add_abs_equality(deviation, worked - target)
        rel = model.new_int_var(0, PER_MILLE * cap // target + 1, f"rel_{household_id}")
        model.add(rel * target >= PER_MILLE * deviation)
        model.add(rel * target - target + 1 <= PER_MILLE * deviation)
        relative.append(rel)
    worst = model.new_int_var(0, max(PER_MILLE * problem.horizon_days * 1440, 1), "worst")
    model.add_max_equality(worst, relative)
    return [weights.fairness_worst * worst, weights.fairness_total * sum(relative)]


def least_deviation(step: int, target: int) -> int:
    """Lower bound on `|worked - target|` when worked minutes are multiples of `step`.

    Stated as the deviation's domain, it gives the LP relaxation (and so the bound) the
    granularity of whole shifts, which it cannot see otherwise.
    """
    if step == 0:
        return target
    rest = target % step
    return min(rest, step - rest)


def spread(model: cp_model.CpModel, counts: list[Var], top: int, name: str) -> list[Var]:
    """`max(counts) - min(counts)`, or nothing when fewer than two people count."""
    if len(counts) < 2:
        return []
    high = model.new_int_var(0, top, f"{name}_max")
    low = model.new_int_var(0, top, f"{name}_min")
    model.add_max_equality(high, counts)
    model.add_min_equality(low, counts)
    return [high - low]


def add_night_spread(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Nights are spread evenly among the non-professionals who can do them."""
    counts = [
        sum(nights)
        for c, cg in enumerate(problem.caregivers)
        if not cg.kind == Kind.PROFESSIONAL
        and (nights := [n for d in range(problem.horizon_days) for n in v.night(problem, c, d)])
    ]
    weight = problem.weights.night_spread
    return [weight * term for term in spread(model, counts, problem.horizon_days, "nights")]


def add_weekend_spread(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Weekends are spread evenly among the non-professionals who can work them."""
    weekends = problem.weekends()
    counts = []
    for c, cg in enumerate(problem.caregivers):
        can_work = any(v.on_day(c, d) for days in weekends for d in days)
        if cg.kind != Kind.PROFESSIONAL and can_work:
            counts.append(sum(v.weekend(model, problem, c, k) for k in range(len(weekends))))
    weight = problem.weights.weekend_spread
    return [weight * term for term in spread(model, counts, len(weekends), "weekends")]


def contract_target(problem: Problem, minutes_per_week: int) -> int:
    """Contract minutes pro rata over the horizon."""
    return minutes_per_week * problem.horizon_days // 7


def add_contract_deviation(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Paid staff pay one unit per minute away from their contract hours."""
    days = list(range(problem.horizon_days))
    terms: list[Var] = []
    for c, cg in enumerate(problem.caregivers):
        if cg.kind != Kind.STAFF or cg.contract_minutes_per_week == 0:
            continue
        target = contract_target(problem, cg.contract_minutes_per_week)
        deviation = model.new_int_var(0, max(target, problem.horizon_days * 1440), "contract_dev")
        model.add_abs_equality(deviation, minutes_expr(v, problem, c, days) - target)
        terms.append(problem.weights.contract_deviation * deviation)
    return terms


def add_professional_cost(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Flying professionals cost per minute worked (they are shared and publicly funded)."""
    days = list(range(problem.horizon_days))
    weight = problem.weights.professional_minute
    return [
        weight * minutes_expr(v, problem, c, days)
        for c, cg in enumerate(problem.caregivers)
        if cg.kind == Kind.PROFESSIONAL
    ]


def add_stability(model: cp_model.CpModel, v: RosterVars, problem: Problem) -> list[Var]:
    """Each assignment dropped from or added to the previous roster costs `stability`."""
    if not problem.previous:
        return []
    index = {cg.id: c for c, cg in enumerate(problem.caregivers)}
    previous = {(index[a.caregiver], a.day, a.shift) for a in problem.previous}
    changes: list[Var] = [1 - v.x[key] if key in v.x else 1 for key in sorted(previous)]
    changes.extend(var for key, var in v.x.items() if key not in previous)
    return [problem.weights.stability * sum(changes)]


#: Every soft rule: its breakdown name, its function, and the `Weights` field that
#: switches it off when zero (None when the weights live on demands or requests).
SOFT_RULES: tuple[tuple[str, SoftRule, str | None], ...] = (
    ("under_coverage", add_under_coverage, None),
    ("over_coverage", add_over_coverage, None),
    ("qualification_shortfall", add_qualification_shortfall, "qualification_shortfall"),
    ("professional_shortfall", add_professional_shortfall, "professional_shortfall"),
    ("requests", add_requests, None),
    ("fairness", add_fairness, None),
    ("night_spread", add_night_spread, "night_spread"),
    ("weekend_spread", add_weekend_spread, "weekend_spread"),
    ("contract_deviation", add_contract_deviation, "contract_deviation"),
    ("professional_cost", add_professional_cost, "professional_minute"),
    ("stability", add_stability, "stability"),
)
