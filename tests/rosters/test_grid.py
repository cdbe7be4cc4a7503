"""The review's shaping of a roster, on hand-made rows (no database): the week grid, the
caregivers' loads and the fairness rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coop.rosters.grid import (
    Worker,
    fairness_rows,
    gap,
    loads,
    penalty_rows,
    unmet_reasons,
    week_grid,
)
from coop.rosters.models import RosterAssignment, RosterShift

TZ = "Europe/Brussels"
MONDAY = date(2026, 11, 30)
SITE, OTHER_SITE = 1, 2
CODES = {"early": (7, 8, False), "late": (15, 8, False), "night": (23, 8, True)}


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def shift(shift_id: int, code: str, day_offset: int, *, required: int = 2, site_id: int = SITE) -> RosterShift:
    hour, length, is_night = CODES[code]
    start = at(MONDAY + timedelta(days=day_offset), hour)
    return RosterShift(id=shift_id, roster_id=1, site_id=site_id, code=code, start_at=start,
                       end_at=start + timedelta(hours=length), is_night=is_night, required=required)


def assign(assignment_id: int, shift_id: int, caregiver_id: int, *, is_pinned: bool = False) -> RosterAssignment:
    return RosterAssignment(id=assignment_id, roster_id=1, shift_id=shift_id, caregiver_id=caregiver_id,
                            is_pinned=is_pinned)


NAMES = {10: "Zoé", 11: "Amir", 12: "Lotte"}


def grid_of(shifts, assignments, reasons=None, sites=((SITE, "Marolles"), (OTHER_SITE, "Blaes"))):
    return week_grid(monday=MONDAY, timezone=TZ, sites=list(sites), shifts=shifts, assignments=assignments,
                     names=NAMES, reasons=reasons or {})


def test_the_grid_has_a_row_per_shift_code_in_the_order_of_the_day_and_a_cell_per_day():
    shifts = [shift(3, "night", 0), shift(1, "early", 0), shift(2, "late", 0), shift(4, "early", 6)]
    [site] = grid_of(shifts, [])
    assert [(row.code, row.start, row.end) for row in site.rows] == [
        ("early", "07:00", "15:00"), ("late", "15:00", "23:00"), ("night", "23:00", "07:00")]
    early = site.rows[0]
    assert [cell.day for cell in early.cells] == [MONDAY + timedelta(days=n) for n in range(7)]
    assert [cell.shift.id if cell.shift else None for cell in early.cells] == [1, None, None, None, None, None, 4]
    assert site.rows[2].is_night and not early.is_night


def test_an_occurrence_with_other_hours_than_its_row_shows_its_own():
    short_friday = shift(5, "early", 4)
    short_friday.end_at -= timedelta(hours=2)
    [site] = grid_of([shift(1, "early", 0), shift(2, "early", 1), short_friday], [])
    early = site.rows[0]
    assert (early.start, early.end) == ("07:00", "15:00")
    assert [cell.times for cell in early.cells] == ["", "", "", "", "07:00–13:00", "", ""]


def test_sites_without_shifts_are_left_out_and_the_given_order_is_kept():
    shifts = [shift(1, "early", 0, site_id=OTHER_SITE), shift(2, "early", 0, site_id=SITE)]
    assert [g.site_name for g in grid_of(shifts, [])] == ["Marolles", "Blaes"]
    assert [g.site_name for g in grid_of(shifts[:1], [])] == ["Blaes"]


def test_a_cell_counts_its_people_against_demand_and_keeps_the_reason_only_while_short():
    shifts = [shift(1, "early", 0, required=3), shift(2, "late", 0, required=1)]
    assignments = [assign(100, 1, 10, is_pinned=True), assign(101, 1, 11), assign(102, 2, 12)]
    unmet = [{"site_id": SITE, "code": s.code, "start": s.start_at.isoformat(), "end": s.end_at.isoformat(),
              "missing": 1, "reason": reason} for s, reason in zip(shifts, ("rest_rule", "unavailable"), strict=True)]
    # Another site's shift at the same time: not ours.
    unmet.append({**unmet[0], "site_id": OTHER_SITE, "reason": "hours_cap"})
    reasons = unmet_reasons(unmet, shifts)
    assert reasons == {1: "rest_rule", 2: "unavailable"}
    [site] = grid_of(shifts, assignments, reasons=reasons)
    early, late = site.rows[0].cells[0], site.rows[1].cells[0]
    assert (early.covered, early.required, early.missing, early.reason) == (2, 3, 1, "rest_rule")
    assert [(p.name, p.is_pinned) for p in early.people] == [("Amir", False), ("Zoé", True)]
    # Someone was added by hand since the solve: the shift is covered, the old reason is gone.
    assert (late.covered, late.missing, late.reason) == (1, 0, None)
    assert site.missing == 1


def test_a_shift_short_after_a_manual_removal_shows_no_solver_reason():
    [site] = grid_of([shift(1, "early", 0, required=2)], [assign(100, 1, 10)])
    cell = site.rows[0].cells[0]
    assert cell.missing == 1 and cell.reason is None


def test_days_follow_local_time_across_the_end_of_summer_time():
    # 2026-10-25 is the last Sunday of October: 07:00 local is 06:00 UTC that day.
    monday = date(2026, 10, 19)
    start = at(date(2026, 10, 25), 7)
    sunday = RosterShift(id=1, roster_id=1, site_id=SITE, code="early", start_at=start,
                         end_at=start + timedelta(hours=8), required=1)
    [site] = week_grid(monday=monday, timezone=TZ, sites=[(SITE, "M")], shifts=[sunday], assignments=[], names={},
                       reasons={})
    assert site.rows[0].cells[6].shift is sunday and (site.rows[0].start, site.rows[0].end) == ("07:00", "15:00")


def test_a_caregiver_who_called_off_a_published_shift_is_shown_absent_and_no_longer_counts():
    called_off = assign(101, 1, 11)
    called_off.attendance = "absent"
    shifts = [shift(1, "early", 0, required=2)]
    [site] = grid_of(shifts, [assign(100, 1, 10), called_off], reasons={1: "unavailable"})
    cell = site.rows[0].cells[0]
    assert [(p.name, p.is_absent) for p in cell.people] == [("Amir", True), ("Zoé", False)]
    assert (cell.covered, cell.missing, cell.reason) == (1, 1, "unavailable")
    rows = loads(shifts=shifts, assignments=[assign(100, 1, 10), called_off], workers=WORKERS, timezone=TZ)
    assert [r.worker.name for r in rows] == ["Zoé"]


WORKERS = {10: Worker(10, "Zoé", "volunteer", household_id=5), 11: Worker(11, "Amir", "volunteer", household_id=5),
           12: Worker(12, "Lotte", "staff", contract_minutes=16 * 60),
           13: Worker(13, "Ines", "volunteer", household_id=6)}


def test_loads_count_hours_nights_and_weekend_shifts_per_caregiver():
    shifts = [shift(1, "early", 0), shift(2, "night", 4), shift(3, "late", 5), shift(4, "night", 6)]
    assignments = [assign(1, 1, 12), assign(2, 2, 12), assign(3, 3, 12), assign(4, 4, 10)]
    rows = loads(shifts=shifts, assignments=assignments, workers=WORKERS, timezone=TZ)
    assert [(r.worker.name, r.minutes, r.shifts, r.nights, r.weekend_shifts) for r in rows] == [
        ("Lotte", 24 * 60, 3, 1, 1), ("Zoé", 8 * 60, 1, 1, 1)]


def test_fairness_sums_a_households_volunteers_and_compares_paid_staff_with_their_contract():
    shifts = [shift(1, "early", 0), shift(2, "late", 1), shift(3, "early", 2)]
    assignments = [assign(1, 1, 10), assign(2, 2, 11), assign(3, 3, 12)]
    worked = loads(shifts=shifts, assignments=assignments, workers=WORKERS, timezone=TZ)
    rows = fairness_rows(loads=worked, workers=WORKERS, household_names={5: "Dupont", 6: "Peeters"},
                         targets={5: 600, 6: 180})
    # Households most behind their share first; a household asked for nothing is listed too.
    assert [(r.label, r.is_household, r.minutes, r.target) for r in rows] == [
        ("Peeters", True, 0, 180), ("Dupont", True, 960, 600), ("Lotte", False, 480, 960)]
    # One scale for every bar: the largest figure (960 minutes) is the full width.
    assert [(r.minutes_pct, r.target_pct) for r in rows] == [(0.0, 18.8), (100.0, 62.5), (50.0, 100.0)]


def test_fairness_of_an_empty_roster_has_no_division_by_zero():
    rows = fairness_rows(loads=[], workers={13: WORKERS[13]}, household_names={6: "Peeters"}, targets={6: 0})
    assert [(r.minutes_pct, r.target_pct) for r in rows] == [(0.0, 0.0)]


def test_penalties_largest_first_and_the_gap_as_the_solver_defines_it():
    assert penalty_rows({"fairness": 40, "stability": 0, "under_coverage": 10_000}) == [
        ("under_coverage", 10_000), ("fairness", 40), ("stability", 0)]
    assert gap(200, 150) == 0.25 and gap(0, 0) == 0.0 and gap(None, 3) is None and gap(100, 120) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(CODES)), st.integers(0, 6), st.integers(0, 4), st.booleans()),
                max_size=12, unique_by=lambda s: (s[0], s[1], s[3])),
       st.lists(st.tuples(st.integers(0, 11), st.sampled_from(list(WORKERS))), max_size=20, unique=True))
def test_every_assignment_lands_in_exactly_one_cell_and_bars_stay_on_the_scale(raw_shifts, raw_assignments):
    shifts = [shift(i + 1, code, day, required=required, site_id=OTHER_SITE if other else SITE)
              for i, (code, day, required, other) in enumerate(raw_shifts)]
    assignments = [assign(n + 1, index + 1, caregiver) for n, (index, caregiver) in enumerate(raw_assignments)
                   if index < len(shifts)]
    grids = grid_of(shifts, assignments)
    cells = [cell for site in grids for row in site.rows for cell in row.cells if cell.shift]
    assert sorted(cell.shift.id for cell in cells) == sorted(s.id for s in shifts)
    assert sum(cell.covered for cell in cells) == len(assignments)
    assert all(cell.missing == max(0, cell.required - cell.covered) for cell in cells)
    worked = loads(shifts=shifts, assignments=assignments, workers=WORKERS, timezone=TZ)
    assert sum(load.shifts for load in worked) == len(assignments)
    rows = fairness_rows(loads=worked, workers=WORKERS, household_names={5: "Dupont", 6: "Peeters"},
                         targets={5: 300, 6: 900})
    assert all(0 <= r.minutes_pct <= 100 and 0 <= r.target_pct <= 100 for r in rows)
    assert sum(r.minutes for r in rows) == sum(load.minutes for load in worked)
