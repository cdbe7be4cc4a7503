"""Confirming attendance after shifts end: volunteer hours posted once to the household's
contribution ledger (night hours weighted by the cooperative), paid staff posting nothing,
and a refused confirmation changing nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative
from coop.credits.models import CreditSettings, CreditTransaction
from coop.credits.service import balance
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.rosters import attendance
from coop.rosters.models import RosterAssignment, monday_of
from coop.rosters.weeks import format_week
from tests.conftest import Factory
from tests.rosters.published_rows import TZ, assign, caregiver, local_at, roster, shift
from tests.world import snapshot


@dataclass
class Past:
    coop: Cooperative
    volunteer: CaregiverProfile
    staff: CaregiverProfile
    day: RosterAssignment
    night: RosterAssignment
    staffed: RosterAssignment
    future: RosterAssignment
    coordinator_id: int


@pytest.fixture
def past(make: Factory, db: Session) -> Past:
    return make_past(make, db)


def make_past(make: Factory, db: Session) -> Past:
    """Last week: the volunteer worked Monday 07–15 and the night Monday 23:00 to Tuesday
    07:00, staff Monday 07–15; next week the volunteer works Monday early (not ended)."""
    coop = make.coop()
    db.add(CreditSettings(coop_id=coop.id, night_weight_permille=2000))
    db.commit()
    site = make.site(coop)
    coordinator = make.person(coop, "coordinator")
    volunteer, _ = caregiver(make, coop)
    staff, _ = caregiver(make, coop, "staff")
    last_monday = monday_of(local_today(TZ)) - timedelta(days=7)
    last = roster(db, coop, last_monday)
    early = shift(db, last, site, local_at(last_monday, 7))
    night = shift(db, last, site, local_at(last_monday, 23), code="night", is_night=True)
    future_roster = roster(db, coop, last_monday + timedelta(days=14))
    future = shift(db, future_roster, site, local_at(last_monday + timedelta(days=14), 7))
    return Past(coop, volunteer, staff, assign(db, early, volunteer), assign(db, night, volunteer),
                assign(db, early, staff), assign(db, future, volunteer), coordinator.id)


def _week(p: Past):
    return monday_of(local_today(TZ)) - timedelta(days=7)


def confirm_all(db: Session, p: Past) -> int:
    changed = attendance.confirm_as_planned(db, coop_id=p.coop.id, week_start=_week(p), timezone=TZ,
                                            actor_id=p.coordinator_id, now=utcnow())
    db.commit()
    return changed


def transactions(db: Session) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(CreditTransaction)).one()


def test_as_planned_posts_volunteer_hours_once_with_nights_weighted(db: Session, past: Past, app: Flask) -> None:
    rows = attendance.ended_shifts(db, coop_id=past.coop.id, week_start=_week(past), timezone=TZ, now=utcnow())
    assert {r.item.assignment.id for r in rows} == {past.day.id, past.night.id, past.staffed.id}
    assert confirm_all(db, past) == 3
    # 8 day hours, then 8 night hours counting double (the cooperative's 2000 per mille).
    assert balance(db, household_id=past.volunteer.household_id) == 480 + 960
    assert transactions(db) == 2
    keys = set(db.exec(select(CreditTransaction.key)).all())
    assert keys == {f"roster-attendance:{past.day.id}", f"roster-attendance:{past.night.id}"}

    assert confirm_all(db, past) == 0
    assert attendance.confirm(db, coop_id=past.coop.id, week_start=_week(past), timezone=TZ,
                              marks={past.day.id: "worked"}, actor_id=past.coordinator_id, now=utcnow()) == 0
    db.commit()
    assert transactions(db) == 2
    assert balance(db, household_id=past.volunteer.household_id) == 480 + 960
    db.refresh(past.staffed)
    assert past.staffed.attendance == "worked" and past.staffed.confirmed_by_id == past.coordinator_id


def test_absent_and_staff_shifts_post_nothing(db: Session, past: Past) -> None:
    attendance.confirm(db, coop_id=past.coop.id, week_start=_week(past), timezone=TZ,
                       marks={past.day.id: "absent", past.night.id: "worked", past.staffed.id: "worked"},
                       actor_id=past.coordinator_id, now=utcnow())
    db.commit()
    assert transactions(db) == 1
    assert balance(db, household_id=past.volunteer.household_id) == 960
    with pytest.raises(Conflict):
        attendance.confirm(db, coop_id=past.coop.id, week_start=_week(past), timezone=TZ,
                           marks={past.day.id: "worked"}, actor_id=past.coordinator_id, now=utcnow())


def test_a_refused_confirmation_changes_nothing(db: Session, past: Past, app: Flask) -> None:
    before = snapshot(app)
    for marks in ({past.day.id: "worked", past.future.id: "worked"}, {past.day.id: "worked", past.night.id: "late"}):
        with pytest.raises((NotFound, ValidationFailed)):
            attendance.confirm(db, coop_id=past.coop.id, week_start=_week(past), timezone=TZ, marks=marks,
                               actor_id=past.coordinator_id, now=utcnow())
        db.rollback()
    assert snapshot(app) == before


def test_attendance_page_confirms_in_one_click_for_coordinators_only(db: Session, past: Past, login_as,
                                                                      make: Factory) -> None:
    staff_person = db.get(Person, past.staff.person_id)
    outsider = make.person(make.coop(), "coordinator")
    url = f"/c/{past.coop.slug}/shifts/attendance?week={format_week(_week(past))}"
    coordinator = login_as(db.get(Person, past.coordinator_id))
    page = coordinator.get(url)
    assert page.status_code == 200 and page.get_data(as_text=True).count('type="radio"') == 6
    assert login_as(staff_person).get(url).status_code == 403
    assert login_as(staff_person).post(url, data={"action": "planned"}).status_code == 403
    assert login_as(outsider).get(url).status_code == 404
    assert coordinator.get(f"/c/{past.coop.slug}/shifts/attendance?week=2026-W99").status_code == 422
    assert coordinator.post(url, data={"action": "planned"}).status_code == 302
    db.rollback()
    assert balance(db, household_id=past.volunteer.household_id) == 480 + 960
    assert coordinator.get(url).get_data(as_text=True).count('type="radio"') == 0


STEPS = st.lists(st.one_of(st.just(("planned", 0, "")),
                           st.tuples(st.just("mark"), st.integers(0, 2), st.sampled_from(["worked", "absent"]))),
                 max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_confirmations_credits_each_worked_volunteer_shift_once(make: Factory, db: Session,
                                                                                 steps) -> None:
    """Against a reference model: the first mark of an assignment stands (a different one later
    is refused and changes nothing); the household ends credited with exactly its worked
    shifts, nights weighted, each posted once; staff never."""
    p = make_past(make, db)
    assignments = [p.day, p.night, p.staffed]
    credit = {p.day.id: 480, p.night.id: 960, p.staffed.id: 0}
    model: dict[int, str] = {}
    for kind, index, mark in steps:
        marks = ({a.id: "worked" for a in assignments if a.id not in model} if kind == "planned"
                 else {assignments[index].id: mark})
        refused = any(model.get(a_id, m) != m for a_id, m in marks.items())
        try:
            attendance.confirm(db, coop_id=p.coop.id, week_start=_week(p), timezone=TZ, marks=marks,
                               actor_id=p.coordinator_id, now=utcnow())
            db.commit()
            assert not refused
            model.update(marks)
        except Conflict:
            db.rollback()
            assert refused
    worked = [a_id for a_id, m in model.items() if m == "worked" and credit[a_id]]
    assert balance(db, household_id=p.volunteer.household_id) == sum(credit[a_id] for a_id in worked)
    keys = db.exec(select(CreditTransaction.key).where(CreditTransaction.coop_id == p.coop.id)).all()
    assert sorted(keys) == sorted(attendance.ledger_key(a_id) for a_id in worked)

