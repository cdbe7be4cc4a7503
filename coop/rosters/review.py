"""Reading one stored roster for the coordinator's review: its shifts and assignments, the
cooperative's sites, caregivers and households, shaped by `coop.rosters.grid`."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.cooperatives.models import Cooperative, Site
from coop.cooperatives.service import list_sites
from coop.errors import NotFound
from coop.members.service import list_households
from coop.rosters import grid
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from coop.rosters.problem import week_shares


@dataclass(frozen=True)
class Review:
    roster: Roster
    grids: list[grid.SiteGrid]
    loads: list[grid.Load]
    fairness: list[grid.FairRow]
    penalties: list[tuple[str, int]]
    gap: float | None
    names: dict[int, str]
    site_names: dict[int, str]

    @property
    def missing(self) -> int:
        return sum(site.missing for site in self.grids)


@dataclass(frozen=True)
class ShiftDetail:
    shift: RosterShift
    roster: Roster
    site: Site
    cell: grid.Cell
    caregiver_options: list[tuple[int, str, str]]


def _workers(session: Session, *, coop_id: int) -> dict[int, grid.Worker]:
    """The cooperative's caregivers as the review shows them, reading only those columns: the
    review runs on every opening of the grid, and a whole person row is not needed for a name."""
    rows = session.exec(
        select(CaregiverProfile.id, Person.display_name, CaregiverProfile.kind, CaregiverProfile.household_id,
               CaregiverProfile.contract_minutes_per_week)
        .join(Person, col(Person.id) == CaregiverProfile.person_id).where(CaregiverProfile.coop_id == coop_id)
    ).all()
    return {cid: grid.Worker(caregiver_id=cid, name=name, kind=kind, household_id=household_id,
                             contract_minutes=contract)
            for cid, name, kind, household_id, contract in rows}


def _options(workers: dict[int, grid.Worker]) -> list[tuple[int, str, str]]:
    """(id, name, kind) of every caregiver, by name."""
    return sorted(((cid, w.name, w.kind) for cid, w in workers.items()), key=lambda option: option[1])


def roster_review(session: Session, *, coop: Cooperative, roster: Roster) -> Review:
    """Everything the review page shows about `roster` (a roster of `coop`)."""
    shifts = session.exec(select(RosterShift).where(RosterShift.roster_id == roster.id)
                          .order_by(RosterShift.start_at, RosterShift.site_id)).all()
    assignments = session.exec(select(RosterAssignment).where(RosterAssignment.roster_id == roster.id)).all()
    workers = _workers(session, coop_id=coop.id)
    names = {cid: w.name for cid, w in workers.items()}
    volunteering = {w.household_id for w in workers.values() if w.kind == "volunteer" and w.household_id}
    # The week's share of each volunteering household's pledge, as the solve reads it.
    households = [h for h in list_households(session, coop_id=coop.id) if h.id in volunteering]
    shares = week_shares(session, households=households, week_start=roster.week_start)
    sites = [(site.id, site.name) for site in list_sites(session, coop_id=coop.id)]
    grids = grid.week_grid(monday=roster.week_start, timezone=coop.timezone, sites=sites, shifts=shifts,
                           assignments=assignments, names=names, reasons=grid.unmet_reasons(roster.unmet, shifts))
    loads = grid.loads(shifts=shifts, assignments=assignments, workers=workers, timezone=coop.timezone)
    fairness = grid.fairness_rows(loads=loads, workers=workers,
                                  household_names={h.id: h.name for h in households},
                                  targets=shares)
    return Review(roster=roster, grids=grids, loads=loads, fairness=fairness,
                  penalties=grid.penalty_rows(roster.penalties), gap=grid.gap(roster.objective, roster.bound),
                  names=names, site_names=dict(sites))


def get_run(session: Session, *, coop_id: int, run_id: int) -> SolveRun:
    """One of the cooperative's solve runs."""
    run = session.get(SolveRun, run_id)
    if run is None or run.coop_id != coop_id:
        raise NotFound(_l("This solve run does not exist."))
    return run


def shift_detail(session: Session, *, coop: Cooperative, shift_id: int) -> ShiftDetail:
    """One shift of one of the cooperative's rosters, with who works it."""
    row = session.exec(select(RosterShift, Roster).join(Roster, Roster.id == RosterShift.roster_id)
                       .where(RosterShift.id == shift_id, Roster.coop_id == coop.id)).first()
    if row is None:
        raise NotFound(_l("This shift does not exist."))
    shift, roster = row
    workers = _workers(session, coop_id=coop.id)
    assignments = session.exec(select(RosterAssignment).where(RosterAssignment.shift_id == shift.id)).all()
    placed = grid.placements(assignments, {cid: w.name for cid, w in workers.items()}).get(shift.id, [])
    cell = grid.cell_of(shift, day=grid.local(shift.start_at, coop.timezone).date(), placed=placed,
                        reasons=grid.unmet_reasons(roster.unmet, [shift]))
    site = session.get(Site, shift.site_id)
    return ShiftDetail(shift=shift, roster=roster, site=site, cell=cell, caregiver_options=_options(workers))
