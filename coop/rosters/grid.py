"""Shaping a stored roster for the coordinator's review: the week grid (sites × shifts ×
days), per-caregiver figures and the fairness rows. Pure functions over rows already read,
so they are tested with hand-made rows and no database.

Coverage and hours are counted from the roster's current assignments, not from the solver's
stored statistics: after a manual edit (pin, remove, add) the grid must show the roster as
it now is. The solver's reasons for unmet demand are kept only where a shift is still short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from coop.rosters.models import RosterAssignment, RosterShift

DAYS = 7
#: Default shift codes first, in the order of the day; other codes follow by start time.
CODE_ORDER = ("early", "late", "night")


@dataclass(frozen=True)
class Worker:
    """A caregiver as the review shows them."""

    caregiver_id: int
    name: str
    kind: str
    household_id: int | None = None
    contract_minutes: int = 0


@dataclass(frozen=True)
class Placed:
    """One assignment in a grid cell."""

    assignment_id: int
    caregiver_id: int
    name: str
    is_pinned: bool
    is_absent: bool = False


@dataclass(frozen=True)
class Cell:
    """One shift occurrence (or none that day: `shift` is None)."""

    day: date
    shift: RosterShift | None = None
    people: tuple[Placed, ...] = ()
    reason: str | None = None
    #: "HH:MM–HH:MM" when this occurrence's hours differ from its row's (a short Friday).
    times: str = ""

    @property
    def required(self) -> int:
        return self.shift.required if self.shift else 0

    @property
    def covered(self) -> int:
        """People who will be there: a caregiver who called off a published shift is shown
        (struck through) but no longer counts."""
        return sum(not p.is_absent for p in self.people)

    @property
    def missing(self) -> int:
        return max(0, self.required - self.covered)


@dataclass(frozen=True)
class Row:
    """One shift code of a site across the week."""

    code: str
    start: str
    end: str
    is_night: bool
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class SiteGrid:
    site_id: int
    site_name: str
    rows: tuple[Row, ...]

    @property
    def missing(self) -> int:
        return sum(cell.missing for row in self.rows for cell in row.cells)


@dataclass(frozen=True)
class Load:
    """What one caregiver works this week."""

    worker: Worker
    minutes: int
    shifts: int
    nights: int
    weekend_shifts: int


@dataclass(frozen=True)
class FairRow:
    """A household's assigned minutes against its share of the pledge, or a paid caregiver's
    against their contract; `*_pct` place both on one scale shared by every row (0-100)."""

    label: str
    is_household: bool
    minutes: int
    target: int
    minutes_pct: float
    target_pct: float


def local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))


def hhmm(value: datetime, timezone: str) -> str:
    return local(value, timezone).strftime("%H:%M")


def unmet_reasons(unmet: Iterable[Mapping], shifts: Iterable[RosterShift]) -> dict[int, str]:
    """The solver's reason per shift id, from the roster's stored unmet demand (each entry
    names its shift by site, code and start, as `problem.slot_json` writes it)."""
    by_key = {(s.site_id, s.code, s.start_at): s.id for s in shifts}
    reasons = {}
    for entry in unmet:
        shift_id = by_key.get((int(entry["site_id"]), str(entry["code"]), datetime.fromisoformat(entry["start"])))
        if shift_id is not None:
            reasons[shift_id] = str(entry.get("reason") or "")
    return reasons


def _code_key(code: str, first_start: str) -> tuple[int, str, str]:
    return (CODE_ORDER.index(code) if code in CODE_ORDER else len(CODE_ORDER), first_start, code)


def _most_common(values: Sequence[str]) -> str:
    return max(sorted(set(values)), key=values.count)


def placements(assignments: Iterable[RosterAssignment], names: Mapping[int, str]) -> dict[int, list[Placed]]:
    """Assignments as placed people, by shift id."""
    placed: dict[int, list[Placed]] = {}
    for a in assignments:
        placed.setdefault(a.shift_id, []).append(
            Placed(assignment_id=a.id or 0, caregiver_id=a.caregiver_id, name=names.get(a.caregiver_id, "?"),
                   is_pinned=a.is_pinned, is_absent=a.attendance == "absent"))
    return placed


def cell_of(shift: RosterShift, *, day: date, placed: Iterable[Placed], reasons: Mapping[int, str]) -> Cell:
    """A shift's cell: its people by name, and the solver's reason while it is still short."""
    people = tuple(sorted(placed, key=lambda p: p.name))
    short = sum(not p.is_absent for p in people) < shift.required
    return Cell(day=day, shift=shift, people=people, reason=(reasons.get(shift.id or 0) or None) if short else None)


def week_grid(*, monday: date, timezone: str, sites: Sequence[tuple[int, str]], shifts: Iterable[RosterShift],
              assignments: Iterable[RosterAssignment], names: Mapping[int, str],
              reasons: Mapping[int, str]) -> list[SiteGrid]:
    """One grid per site that has shifts this week (sites in the given order): a row per shift
    code, a cell per day of the week, each cell with its people and, when short, the reason."""
    placed = placements(assignments, names)
    by_site: dict[int, dict[str, dict[date, RosterShift]]] = {}
    for shift in shifts:
        day = local(shift.start_at, timezone).date()
        if 0 <= (day - monday).days < DAYS:
            by_site.setdefault(shift.site_id, {}).setdefault(shift.code, {})[day] = shift
    days = [monday + timedelta(days=n) for n in range(DAYS)]
    grids = []
    for site_id, site_name in sites:
        codes = by_site.get(site_id)
        if not codes:
            continue
        rows = []
        for code, by_day in codes.items():
            hours = {day: (hhmm(s.start_at, timezone), hhmm(s.end_at, timezone)) for day, s in by_day.items()}
            start = _most_common([first for first, _ in hours.values()])
            end = _most_common([last for _, last in hours.values()])
            cells = []
            for day in days:
                shift = by_day.get(day)
                if shift is None:
                    cells.append(Cell(day=day))
                    continue
                cell = cell_of(shift, day=day, placed=placed.get(shift.id or 0, ()), reasons=reasons)
                if hours[day] != (start, end):
                    cell = replace(cell, times="–".join(hours[day]))
                cells.append(cell)
            rows.append(Row(code=code, start=start, end=end,
                            is_night=any(s.is_night for s in by_day.values()), cells=tuple(cells)))
        rows.sort(key=lambda row: _code_key(row.code, row.start))
        grids.append(SiteGrid(site_id=site_id, site_name=site_name, rows=tuple(rows)))
    return grids


def loads(*, shifts: Iterable[RosterShift], assignments: Iterable[RosterAssignment], workers: Mapping[int, Worker],
          timezone: str) -> list[Load]:
    """Hours, nights and weekend shifts of every caregiver on the roster, most hours first.
    A shift counts for the weekend when it starts on a Saturday or Sunday (local time)."""
    shift_by_id = {s.id: s for s in shifts}
    totals: dict[int, list[int]] = {}
    for a in assignments:
        shift = shift_by_id.get(a.shift_id)
        if shift is None or a.caregiver_id not in workers or a.attendance == "absent":
            continue
        figures = totals.setdefault(a.caregiver_id, [0, 0, 0, 0])
        figures[0] += int((shift.end_at - shift.start_at).total_seconds()) // 60
        figures[1] += 1
        figures[2] += shift.is_night
        figures[3] += local(shift.start_at, timezone).weekday() >= 5
    rows = [Load(worker=workers[cid], minutes=m, shifts=n, nights=nights, weekend_shifts=weekend)
            for cid, (m, n, nights, weekend) in totals.items()]
    return sorted(rows, key=lambda load: (-load.minutes, load.worker.name))


def fairness_rows(*, loads: Iterable[Load], workers: Mapping[int, Worker], household_names: Mapping[int, str],
                  targets: Mapping[int, int]) -> list[FairRow]:
    """Households (their volunteers' minutes summed) against their targets, then paid staff and
    flying professionals against their weekly contracts. A household with a target but no shift
    is listed too: being asked for nothing is part of fairness."""
    worked = {load.worker.caregiver_id: load.minutes for load in loads}
    by_household: dict[int, int] = dict.fromkeys(targets, 0)
    paid: list[tuple[str, int, int]] = []
    for worker in workers.values():
        minutes = worked.get(worker.caregiver_id, 0)
        if worker.kind == "volunteer" and worker.household_id is not None:
            by_household[worker.household_id] = by_household.get(worker.household_id, 0) + minutes
        elif worker.kind != "volunteer" and (minutes or worker.contract_minutes):
            paid.append((worker.name, minutes, worker.contract_minutes))
    raw = [(household_names.get(hid, "?"), True, minutes, targets.get(hid, 0))
           for hid, minutes in by_household.items() if hid in household_names]
    raw.sort(key=lambda r: (r[2] - r[3], r[0]))
    raw += [(name, False, minutes, contract) for name, minutes, contract in sorted(paid)]
    scale = max((max(m, t) for _, _, m, t in raw), default=0) or 1
    return [FairRow(label=label, is_household=is_household, minutes=m, target=t,
                    minutes_pct=round(100 * m / scale, 1), target_pct=round(100 * t / scale, 1))
            for label, is_household, m, t in raw]


def penalty_rows(penalties: Mapping[str, int]) -> list[tuple[str, int]]:
    """The objective per rule, largest first; rules that cost nothing last."""
    return sorted(((rule, int(value)) for rule, value in penalties.items()), key=lambda r: (-r[1], r[0]))


def gap(objective: int | None, bound: int | None) -> float | None:
    """Relative optimality gap, as `solver.Solution.gap` computes it (0.0: proven optimal)."""
    if objective is None or bound is None:
        return None
    if objective == 0:
        return 0.0
    return max(0.0, (objective - bound) / abs(objective))
