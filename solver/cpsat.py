"""The CP-SAT model: every rule listed in one place (hard first), and `solve()`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.explain import caregiver_stats, explain_unmet
from solver.lns import SearchSettings, search
from solver.model import Assignment, Problem, Solution, Status
from solver.neighbourhoods import Cells, Shape
from solver.rules_hard import HARD_RULES
from solver.rules_soft import SOFT_RULES
from solver.score import score
from solver.variables import RosterVars, Var, build_vars

#: Upper bound of one rule's penalty; keeps every sum far from int64 overflow.
PENALTY_CAP = 2**40


@dataclass
class BuiltModel:
    """A CP-SAT model of a problem with its variables and one penalty variable per rule."""

    model: cp_model.CpModel
    v: RosterVars
    penalties: dict[str, Var]


def build_model(problem: Problem) -> BuiltModel:
    """Add the hard rules as constraints and minimise the sum of the soft rules."""
    model = cp_model.CpModel()
    v = build_vars(model, problem)
    for hard_rule in HARD_RULES:
        hard_rule(model, v, problem)
    penalties: dict[str, Var] = {}
    for name, soft_rule, weight in SOFT_RULES:
        if weight is not None and getattr(problem.weights, weight) == 0:
            continue
        terms = soft_rule(model, v, problem)
        if terms:
            penalty = model.new_int_var(0, PENALTY_CAP, f"penalty_{name}")
            model.add(penalty == sum(terms))
            penalties[name] = penalty
    model.minimize(sum(penalties.values()))
    index = {cg.id: c for c, cg in enumerate(problem.caregivers)}
    for a in problem.previous:
        var = v.x.get((index[a.caregiver], a.day, a.shift))
        if var is not None:
            model.add_hint(var, 1)
    return BuiltModel(model, v, penalties)


def shape_of(problem: Problem, v: RosterVars) -> Shape:
    """People, days and who can staff each demanded occurrence, for the LNS."""
    staffing: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for (c, day, shift), var in v.x.items():
        staffing.setdefault((day, shift), []).append((c, var.index))
    occurrences = [
        (d.day, d.required, d.under_weight, d.over_weight, staffing.get((d.day, d.shift), []))
        for d in problem.demands
    ]
    lengths = {s.id: s.length_minutes for s in problem.shift_types}
    worked: dict[int, list[tuple[int, int]]] = {}
    for (c, _, shift), var in v.x.items():
        worked.setdefault(c, []).append((var.index, lengths[shift]))
    caps = {
        c: (cap - min(minutes for _, minutes in shifts), shifts)
        for c, shifts in worked.items()
        if (cap := problem.caregivers[c].rules.max_minutes) is not None
    }
    return Shape(len(problem.caregivers), problem.horizon_days, occurrences, caps)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    deterministic_time: float | None = None,
    stop: threading.Event | None = None,
    use_lns: bool = True,
    log: bool = False,
) -> Solution:
    """Find the best roster within the limits; setting `stop` returns the best so far.

    Results are reproducible for a given seed and worker count when `deterministic_time`
    (CP-SAT's machine-independent work units) is the binding limit.
    """
    started = time.monotonic()
    built = build_model(problem)
    cells: Cells = {}
    for (c, day, _), var in built.v.x.items():
        cells.setdefault((c, day), []).append(var.index)
    remaining = max(0.1, time_limit_s - (time.monotonic() - started))
    settings = SearchSettings(remaining, workers, seed, deterministic_time, stop, use_lns, log)
    result = search(built.model, cells, shape_of(problem, built.v), settings)
    wall = time.monotonic() - started
    if result.values is None:
        return Solution(status=result.status, objective=None, bound=None, wall_s=wall)
    values = result.values
    assignments = tuple(
        sorted(
            Assignment(problem.caregivers[c].id, day, shift)
            for (c, day, shift), var in built.v.x.items()
            if values[var.index]
        )
    )
    penalties = score(problem, assignments)
    objective = sum(penalties.values())
    bound = None if result.bound is None else min(result.bound, objective)
    is_optimal = result.status is Status.OPTIMAL or objective == bound
    return Solution(
        status=Status.OPTIMAL if is_optimal else result.status,
        objective=objective,
        bound=bound,
        assignments=assignments,
        penalties=penalties,
        unmet=explain_unmet(problem, assignments),
        stats=caregiver_stats(problem, assignments),
        wall_s=wall,
        steps=tuple(result.steps),
        solver_objective=result.objective,
    )
