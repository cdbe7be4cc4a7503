"""Building the solver's problem: shift types per day, availability, qualifications, households."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

import solver
from coop.auth.service import add_membership
from coop.bookings import service as bookings
from coop.caregivers.availability import add_exception, add_window
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.credits.service import post_hours_worked
from coop.errors import ValidationFailed
from coop.rosters.models import Roster
from coop.rosters.problem import build_problem, problem_for_roster, solution_assignments
from coop.rosters.service import publish
from coop.rosters.weeks import format_week, parse_week
from tests.rosters.solving import MONDAY, NOW, TUESDAY, Week, at, make_week

NIGHT, EARLY, LATE = (23 * 60, 8 * 60), (7 * 60, 8 * 60), (15 * 60, 8 * 60)


@pytest.fixture
def week(app: Flask, db: Session, make) -> Iterator[Week]:
    with app.app_context():
        yield make_week(app, db, make)


def build(week: Week, monday: date = MONDAY) -> tuple[solver.Problem, object]:
    week.db.rollback()
    return build_problem(week.db, coop=week.coop, week_start=monday, previous=None)


def free(problem: solver.Problem, caregiver_id: int) -> set[tuple[int, str]]:
    """(day, code) of the occurrences the caregiver may work."""
    cg = next(c for c in problem.caregivers if c.id == f"c{caregiver_id}")
    shifts = problem.shift_by_id
    return {(d.day, shifts[d.shift].id.split("-")[1]) for d in problem.demands
            if problem.is_available(cg, d.day, d.shift)}


def test_one_shift_type_per_start_and_length_demanded_on_its_own_days(week: Week):
    problem, _ = build(week)
    assert problem.horizon_days == 7 and problem.start_weekday == 0
    assert {(s.start_minute, s.length_minutes, s.is_night) for s in problem.shift_types} == {
        (*EARLY, False), (*LATE, False), (*NIGHT, True)}
    assert len(problem.demands) == 21
    assert {d.required for d in problem.demands} == {0}


def test_the_autumn_clock_change_night_is_its_own_nine_hour_shift_type(week: Week):
    problem, index = build(week, date(2026, 10, 19))  # Sunday 25 October: clocks go back at 03:00
    nights = {s.id: s for s in problem.shift_types if s.is_night}
    assert sorted(s.length_minutes for s in nights.values()) == [480, 540]
    long_night = next(s for s in nights.values() if s.length_minutes == 540)
    assert [d.day for d in problem.demands if d.shift == long_night.id] == [5]  # Saturday 23:00
    assert index.slot(5, long_night.id).start_at == at(date(2026, 10, 24), "23:00")


def test_windows_across_midnight_and_dated_exceptions(week: Week):
    night_owl = week.caregiver("owl", "professional", windows=((0, 23 * 60, 7 * 60),))  # Monday 23:00-07:00
    long_night = week.caregiver("long", "professional", windows=((0, 23 * 60, 15 * 60),))  # Mon 23:00-Tue 15:00
    daytime = week.caregiver("day", "professional", windows=((2, 7 * 60, 23 * 60),))  # Wednesday 07-23
    two_days = week.caregiver("two", "professional", windows=((2, 0, 1440), (3, 0, 1440)))  # Wed and Thu
    sunday = week.caregiver("sun", "professional", windows=((6, 22 * 60, 8 * 60),))  # Sunday 22:00-08:00
    add_exception(week.db, coop_id=week.coop.id, caregiver_id=daytime.id, start_date=MONDAY + timedelta(days=2),
                  end_date=MONDAY + timedelta(days=2), is_available=False, note="", actor_id=None)
    add_exception(week.db, coop_id=week.coop.id, caregiver_id=daytime.id, start_date=MONDAY + timedelta(days=4),
                  end_date=MONDAY + timedelta(days=4), is_available=True, note="", actor_id=None)
    week.db.commit()
    problem, _ = build(week)
    assert free(problem, two_days.id) == {(2, "early"), (2, "late"), (2, "night"), (3, "early"), (3, "late")}
    assert free(problem, sunday.id) == {(6, "night")}
    assert free(problem, night_owl.id) == {(0, "night")}
    assert free(problem, long_night.id) == {(0, "night"), (1, "early")}
    assert free(problem, daytime.id) == {(4, "early"), (4, "late"), (4, "night")}  # away Wednesday, extra Friday


def test_qualifications_kinds_rules_and_households_with_their_pledge_share(week: Week):
    rich = week.make.household(week.coop, pledge_minutes=8 * 60)
    behind = week.make.household(week.coop, pledge_minutes=4 * 60)
    ana = week.caregiver("ana", household=rich, has_infant_care=True)
    week.caregiver("ben", household=behind, has_first_aid=False, is_night_certified=True)
    staff = week.caregiver("staff", "staff", contract_minutes_per_week=30 * 60, has_inclusive_care=True)
    post_hours_worked(week.db, household_id=rich.id, minutes=120, night_minutes=0, key="work-1",
                      on_date=date(2026, 11, 20))
    week.db.commit()
    problem, index = build(week)
    by_id = {c.id: c for c in problem.caregivers}
    assert by_id[f"c{ana.id}"].qualifications == {"first_aid", "infant_care"}
    assert by_id[f"c{ana.id}"].household == f"h{rich.id}" and by_id[f"c{ana.id}"].kind is solver.Kind.VOLUNTEER
    assert by_id[f"c{week.caregivers['ben'].id}"].qualifications == {"night_certified"}
    assert by_id[f"c{staff.id}"].household is None and by_id[f"c{staff.id}"].contract_minutes_per_week == 1800
    assert by_id[f"c{ana.id}"].rules.max_week_minutes == 16 * 60
    assert by_id[f"c{ana.id}"].rules.min_rest_hours == 11
    assert by_id[f"c{staff.id}"].rules.max_week_minutes == 48 * 60
    households = {h.id: h for h in problem.households}
    assert set(households) == {f"h{rich.id}", f"h{behind.id}"}
    assert households[f"h{rich.id}"] == solver.Household(f"h{rich.id}", pledge_minutes=480 * 12 // 52,
                                                         balance_minutes=120)
    assert households[f"h{behind.id}"].pledge_minutes == 240 * 12 // 52
    assert index.profile_id(f"c{ana.id}") == ana.id


def test_a_stored_roster_keeps_its_demand_when_bookings_change(week: Week):
    week.caregiver("ana", "professional", windows=((1, 7 * 60, 15 * 60),))
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    run = week.solve()
    week.db.rollback()
    booking_id = bookings.list_bookings(week.db, coop_id=week.coop.id, household_ids=None, start_at=at(MONDAY, "00:00"),
                                        end_at=at(MONDAY + timedelta(days=7), "00:00"))[0].id
    bookings.cancel(week.db, coop_id=week.coop.id, booking_id=booking_id, actor_id=None, household_ids=None, now=NOW)
    week.db.commit()
    roster = week.db.get(Roster, run.roster_id)
    problem, index = problem_for_roster(week.db, roster)
    early = [d for d in problem.demands if d.required]
    assert [(d.day, d.required, dict(d.qualified)) for d in early] == [(1, 1, {"first_aid": 1})]
    assignments = solution_assignments(week.db, roster, index)
    ana = f"c{week.caregivers['ana'].id}"
    assert [(a.caregiver, a.day, a.shift) for a in assignments] == [(ana, 1, early[0].shift)]
    assert index.slot(1, early[0].shift).start_at == at(TUESDAY, "07:00")
    assert build(week)[0].demands[3].required == 0  # the bookings say nobody is needed any more


@given(st.dates(min_value=date(2000, 1, 3), max_value=date(2100, 12, 26)))
def test_an_iso_week_names_its_monday(day: date):
    monday = parse_week(format_week(day))
    assert monday.weekday() == 0 and monday <= day < monday + timedelta(days=7)


@pytest.mark.parametrize("raw", ["2026-W54", "2026-W00", "2026-49", "2026W49", "1999-W10", "2025-W53", "", "W49"])
def test_a_malformed_week_is_refused(raw: str):
    with pytest.raises(ValidationFailed) as refused:
        parse_week(raw)
    assert refused.value.code == "bad_week" and "week" in refused.value.fields


def test_a_flying_professional_published_in_another_cooperative_is_busy_here(week: Week):
    """Tuesday 07-15 elsewhere: here not Monday late or night, nor Tuesday (11 hours' rest)."""
    pro_here = week.caregiver("pro", "professional", windows=tuple((d, 0, 1440) for d in range(7)))
    elsewhere = make_week(week.app, week.db, week.make)
    person = week.people["pro"]
    add_membership(week.db, coop_id=elsewhere.coop.id, person_id=person.id, role="professional")
    profile = save_caregiver(week.db, coop_id=elsewhere.coop.id, caregiver_id=None, actor_id=None,
                             data=CaregiverInput(person_id=person.id, kind="professional", has_first_aid=True))
    add_window(week.db, coop_id=elsewhere.coop.id, caregiver_id=profile.id, weekday=1, start_minute=7 * 60,
               end_minute=15 * 60, actor_id=None)
    week.db.commit()
    elsewhere.book(at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    run = elsewhere.solve()
    problem, _ = build(week)
    assert (1, "early") in free(problem, pro_here.id)  # a draft elsewhere commits nobody
    with week.database.scope() as session:
        publish(session, coop_id=elsewhere.coop.id, roster_id=run.roster_id, actor_id=None)
    problem, _ = build(week)
    taken = {(0, "late"), (0, "night"), (1, "early"), (1, "late"), (1, "night")}
    everything = {(day, code) for day in range(7) for code in ("early", "late", "night")}
    assert free(problem, pro_here.id) == everything - taken
