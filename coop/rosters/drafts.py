"""A solver's answer stored as a draft roster: every shift with its demand and derivation,
the assignments, and the solver's account (status, objective, bound, penalties per rule,
unmet demand with its reason, per-caregiver figures), so the review never re-runs it."""

from __future__ import annotations

from sqlmodel import Session

import solver
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from coop.rosters.problem import Index, slot_json


def store_roster(session: Session, *, run: SolveRun, problem: solver.Problem, index: Index,
                 solution: solver.Solution, based_on_id: int | None) -> Roster:
    """A draft roster with every shift (demand and derivation), the assignments found and the
    solver's account: status, objective, bound, penalties, unmet demand, per-caregiver figures."""
    household_of = {cg.id: cg.household for cg in problem.caregivers}
    kind_of = {cg.id: cg.kind.value for cg in problem.caregivers}
    contract_of = {cg.id: cg.contract_minutes_per_week for cg in problem.caregivers}
    roster = Roster(
        coop_id=run.coop_id, week_start=run.week_start, status="draft", based_on_id=based_on_id,
        solver_status=solution.status.value, objective=solution.objective, bound=solution.bound,
        penalties=dict(solution.penalties),
        unmet=[{**slot_json(index.slot(u.day, u.shift)), "missing": u.missing, "reason": u.reason,
                "missing_qualified": dict(u.missing_qualified), "missing_professionals": u.missing_professionals}
               for u in solution.unmet],
        stats=[{"caregiver_id": index.profile_id(s.caregiver), "kind": kind_of[s.caregiver],
                "household_id": int(h[1:]) if (h := household_of[s.caregiver]) else None,
                "minutes": s.minutes, "shifts": s.shifts, "nights": s.nights, "weekends": s.weekends,
                "target_minutes": s.target_minutes, "contract_minutes": contract_of[s.caregiver]}
               for s in solution.stats])
    session.add(roster)
    session.flush()
    rows: dict[tuple[int, str], RosterShift] = {}
    for occurrence, slot in index.occurrences.items():
        rows[occurrence] = RosterShift(
            roster_id=roster.id, site_id=slot.site_id, code=slot.code, start_at=slot.start_at, end_at=slot.end_at,
            is_night=slot.is_night, required=slot.required, qualified=dict(slot.qualified),
            min_professionals=slot.min_professionals, derivation=dict(slot.derivation))
    session.add_all(rows.values())
    session.flush()
    pinned = set(problem.pinned)
    session.add_all(RosterAssignment(roster_id=roster.id, shift_id=rows[a.day, a.shift].id,
                                     caregiver_id=index.profile_id(a.caregiver), is_pinned=a in pinned)
                    for a in solution.assignments)
    session.flush()
    return roster
