"""The decision variables of the CP-SAT model and the derived per-day literals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from solver.model import Problem

#: A CP-SAT variable or literal (ortools ships no type stubs).
Var = Any


@dataclass
class RosterVars:
    """`x[c, day, shift]` is true when caregiver index `c` works that occurrence.

    Variables exist only for occurrences the caregiver is available for, so availability
    and days off hold by construction. `works[c, day]` is true when `c` works that day.
    """

    x: dict[tuple[int, int, str], Var]
    works: dict[tuple[int, int], Var]
    by_day: dict[tuple[int, int], list[tuple[str, Var]]]
    coverage: dict[int, tuple[Var, Var]] = field(default_factory=dict)
    _weekend: dict[tuple[int, int], Var] = field(default_factory=dict)

    def on_day(self, c: int, day: int) -> list[tuple[str, Var]]:
        """(shift id, literal) pairs of caregiver `c` on `day`."""
        return self.by_day.get((c, day), [])

    def night(self, problem: Problem, c: int, day: int) -> list[Var]:
        """Literals of the night shifts caregiver `c` may work on `day`."""
        shifts = problem.shift_by_id
        return [var for s, var in self.on_day(c, day) if shifts[s].is_night]

    def weekend(self, model: cp_model.CpModel, problem: Problem, c: int, k: int) -> Var:
        """Literal: caregiver `c` works on weekend `k` (created once, exact both ways)."""
        if (c, k) not in self._weekend:
            days = problem.weekends()[k]
            worked = [self.works[c, d] for d in days]
            var = model.new_bool_var(f"weekend_{c}_{k}")
            model.add_max_equality(var, worked)
            self._weekend[c, k] = var
        return self._weekend[c, k]


def build_vars(model: cp_model.CpModel, problem: Problem) -> RosterVars:
    """Create one boolean per available (caregiver, day, shift) and one per worked day."""
    x: dict[tuple[int, int, str], Var] = {}
    by_day: dict[tuple[int, int], list[tuple[str, Var]]] = {}
    works: dict[tuple[int, int], Var] = {}
    for c, caregiver in enumerate(problem.caregivers):
        for day in range(problem.horizon_days):
            for shift in problem.shift_types:
                if problem.is_available(caregiver, day, shift.id):
                    var = model.new_bool_var(f"x_{caregiver.id}_{day}_{shift.id}")
                    x[c, day, shift.id] = var
                    by_day.setdefault((c, day), []).append((shift.id, var))
            works[c, day] = model.new_bool_var(f"works_{caregiver.id}_{day}")
    return RosterVars(x=x, works=works, by_day=by_day)
