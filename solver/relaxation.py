"""The linear relaxation of a CP-SAT roster model, solved by GLOP: a lower bound.

CP-SAT reports a bound from its own LP, but on large rosters that bound says little: on
the largest Curtois instance it stays at 22 against an optimum of 4040. Its LP gets a
few thousand simplex iterations per call, and after presolve the links between shifts
and weekends worked are clauses outside it (with presolve off, the bound climbs to
about 3600, but only after 30 s and at the cost of the search). The same model read
as a linear program by GLOP (OR-Tools' simplex) gives 3628, in about 13 s (1 s on the
medium instances). So the engine solves that relaxation once, beside the search, and
reports the better of the two bounds.

Every constraint the relaxation cannot state exactly is relaxed or left out, so the
bound stays valid for any model: a linear constraint under enforcement literals is
dropped, a `lin_max` keeps only `target >= expression`, and a domain with holes keeps
its outer limits.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Iterable
from typing import Any

from ortools.linear_solver import pywraplp

#: Int64 limits of CP-SAT domains, read as unbounded.
UNBOUNDED = 2**62
#: The relaxation's thread gives way to the search's CP-SAT workers: it runs on the CPU
#: time they leave idle between rounds.
NICENESS = 10
#: Tolerance when rounding the LP's objective up to the next integer.
EPSILON = 1e-6


def literal(columns: list[Any], ref: int) -> Any:
    """The LP expression of a CP-SAT literal: the variable, or one minus it."""
    return columns[ref] if ref >= 0 else 1 - columns[-ref - 1]


def linear_expression(columns: list[Any], refs: Iterable[int], coeffs: Iterable[int]) -> Any:
    """sum(coeff * var) over CP-SAT references (a negative one means minus the variable)."""
    total: Any = 0
    for ref, coeff in zip(refs, coeffs, strict=True):
        total += coeff * columns[ref] if ref >= 0 else -coeff * columns[-ref - 1]
    return total


def finite(value: int) -> float:
    """A domain limit as a float, infinite beyond the int64 range CP-SAT uses."""
    if value >= UNBOUNDED:
        return math.inf
    if value <= -UNBOUNDED:
        return -math.inf
    return float(value)


def limits(domain: Any) -> tuple[float, float]:
    """The outer limits of a CP-SAT domain (its repeated field ignores negative indices)."""
    return finite(domain[0]), finite(domain[len(domain) - 1])


def add_constraint(lp: pywraplp.Solver, columns: list[Any], ct: Any) -> None:
    """State one CP-SAT constraint, or a relaxation of it, in the LP."""
    enforcement = [literal(columns, ref) for ref in ct.enforcement_literal]
    slack = sum((1 - e for e in enforcement), 0)
    if ct.has_bool_or():
        lp.Add(sum((literal(columns, ref) for ref in ct.bool_or.literals), slack) >= 1)
    elif ct.has_bool_and():
        for ref in ct.bool_and.literals:
            lp.Add(literal(columns, ref) + slack >= 1)
    elif enforcement:
        return
    elif ct.has_at_most_one():
        lp.Add(sum(literal(columns, ref) for ref in ct.at_most_one.literals) <= 1)
    elif ct.has_exactly_one():
        lp.Add(sum(literal(columns, ref) for ref in ct.exactly_one.literals) == 1)
    elif ct.has_linear():
        linear = ct.linear
        expression = linear_expression(columns, linear.vars, linear.coeffs)
        low, high = limits(linear.domain)
        if low > -math.inf:
            lp.Add(expression >= low)
        if high < math.inf:
            lp.Add(expression <= high)
    elif ct.has_lin_max():
        target = ct.lin_max.target
        top = linear_expression(columns, target.vars, target.coeffs) + target.offset
        for e in ct.lin_max.exprs:
            lp.Add(top >= linear_expression(columns, e.vars, e.coeffs) + e.offset)


def solve_relaxation(
    proto: Any,
    time_limit_s: float,
    lp: pywraplp.Solver | None = None,
    stopped: threading.Event | None = None,
) -> int | None:
    """The LP relaxation's optimum of `proto`, rounded up (CP-SAT objectives are integral).

    None if GLOP does not reach it in time, or for a maximisation (whose bound would be
    an upper one). `lp`, an empty GLOP solver, lets another thread interrupt the solve;
    `stopped` tells it not to start.
    """
    lp = lp or pywraplp.Solver.CreateSolver("GLOP")
    objective = proto.objective
    scale = objective.scaling_factor or 1.0
    if time_limit_s <= 0 or scale < 0:
        return None
    columns = [lp.NumVar(*limits(var.domain), "") for var in proto.variables]
    for ct in proto.constraints:
        add_constraint(lp, columns, ct)
    lp.Minimize(linear_expression(columns, objective.vars, objective.coeffs))
    lp.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    if (stopped is not None and stopped.is_set()) or lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    value = float(scale * (lp.Objective().Value() + objective.offset))
    return math.ceil(value - EPSILON)


class BackgroundRelaxation:
    """The relaxation solved in a thread while the search goes on.

    GLOP releases the interpreter while it solves, so the search's own threads keep
    running; `stop` interrupts it when the search ends first.
    """

    def __init__(self, proto: Any, time_limit_s: float) -> None:
        self.result: int | None = None
        self._lp = pywraplp.Solver.CreateSolver("GLOP")
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(proto, time_limit_s), daemon=True
        )
        self._thread.start()

    def _run(self, proto: Any, time_limit_s: float) -> None:
        with contextlib.suppress(AttributeError, OSError):  # Linux nices threads one by one
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        self.result = solve_relaxation(proto, time_limit_s, self._lp, self._stopped)

    def is_done(self) -> bool:
        """True once the relaxation is solved, or given up."""
        return not self._thread.is_alive()

    def wait(self) -> int | None:
        """The relaxation's bound, once its thread has ended."""
        self._thread.join()
        return self.result

    def stop(self) -> None:
        """Interrupt the solve (or keep it from starting) and wait for the thread to end."""
        self._stopped.set()
        self._lp.InterruptSolve()
        self._thread.join()
