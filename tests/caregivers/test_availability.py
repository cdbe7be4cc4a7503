"""Availability: weekly windows (including nights across midnight) and dated exceptions,
through the service, the screen and the API; every change is audited by id."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from coop.caregivers import availability
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.errors import NotFound, ValidationFailed
from tests.cooperatives.rows import audit_trail, error_of, nothing_changes


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def staff_person(make, coop):
    return make.person(coop, "staff", language="en")


@pytest.fixture
def profile(db, coop, staff_person) -> CaregiverProfile:
    row = save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None,
                         data=CaregiverInput(person_id=staff_person.id, kind="staff", contract_minutes_per_week=600))
    db.commit()
    return row


@pytest.fixture
def coordinator(make, coop, login_as):
    return login_as(make.person(coop, "coordinator", language="en"))


WINDOWS_AS_STORED = [
    (23 * 60, 7 * 60, (1380, 1860)),
    (7 * 60, 15 * 60, (420, 900)),
    (0, 1440, (0, 1440)),
    (15 * 60, 0, (900, 1440)),
    (7 * 60, 7 * 60, (420, 1860)),
]


def test_windows_are_stored_with_nights_running_into_the_next_morning(db, coop, profile):
    for start, end, stored in WINDOWS_AS_STORED:
        window = availability.add_window(db, coop_id=coop.id, caregiver_id=profile.id, weekday=4, start_minute=start,
                                         end_minute=end, actor_id=None)
        db.commit()
        assert (window.weekday, window.start_minute, window.end_minute) == (4, *stored)


WINDOWS_OUT_OF_RANGE = [
    (7, 60, 120, "weekday"),
    (-1, 60, 120, "weekday"),
    (0, 1440, 60, "start"),
    (0, -30, 60, "start"),
    (0, 60, 1441, "end"),
    (0, 60, -5, "end"),
]


def test_windows_out_of_range_are_refused(db, coop, profile):
    for weekday, start, end, field in WINDOWS_OUT_OF_RANGE:
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            availability.add_window(db, coop_id=coop.id, caregiver_id=profile.id, weekday=weekday, start_minute=start,
                                    end_minute=end, actor_id=None)
        assert set(caught.value.fields) == {field}


def test_exceptions_need_dates_in_order_and_a_short_note(db, coop, profile):
    row = availability.add_exception(db, coop_id=coop.id, caregiver_id=profile.id, start_date=date(2026, 12, 24),
                                     end_date=date(2026, 12, 24), is_available=False, note=" Christmas ",
                                     actor_id=None)
    db.commit()
    assert row.note == "Christmas"
    for start, end, note, field in [(date(2026, 3, 2), date(2026, 3, 1), "", "end_date"),
                                    (date(2026, 1, 1), date(2027, 1, 3), "", "end_date"),
                                    (date(2026, 1, 1), date(2026, 1, 2), "n" * 201, "note")]:
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            availability.add_exception(db, coop_id=coop.id, caregiver_id=profile.id, start_date=start,
                                       end_date=end, is_available=True, note=note, actor_id=None)
        assert set(caught.value.fields) == {field}


def test_availability_of_another_cooperative_is_not_found(db, make, coop, profile):
    other = make.coop()
    window = availability.add_window(db, coop_id=coop.id, caregiver_id=profile.id, weekday=0, start_minute=60,
                                     end_minute=120, actor_id=None)
    db.commit()
    with nothing_changes(db):
        with pytest.raises(NotFound):
            availability.add_window(db, coop_id=other.id, caregiver_id=profile.id, weekday=0, start_minute=60,
                                    end_minute=120, actor_id=None)
        with pytest.raises(NotFound):
            availability.remove_window(db, coop_id=other.id, caregiver_id=profile.id, window_id=window.id,
                                       actor_id=None)
        with pytest.raises(NotFound):
            availability.remove_exception(db, coop_id=coop.id, caregiver_id=profile.id, exception_id=window.id,
                                          actor_id=None)
        db.rollback()


def test_changes_to_availability_are_audited_by_id(db, coop, profile):
    window = availability.add_window(db, coop_id=coop.id, caregiver_id=profile.id, weekday=0, start_minute=60,
                                     end_minute=120, actor_id=None)
    row = availability.add_exception(db, coop_id=coop.id, caregiver_id=profile.id, start_date=date(2026, 5, 1),
                                     end_date=date(2026, 5, 3), is_available=False, note="", actor_id=None)
    db.commit()
    availability.remove_window(db, coop_id=coop.id, caregiver_id=profile.id, window_id=window.id, actor_id=None)
    availability.remove_exception(db, coop_id=coop.id, caregiver_id=profile.id, exception_id=row.id, actor_id=None)
    db.commit()
    assert [t for t in audit_trail(db, coop_id=coop.id) if t[1] != "caregiver"] == [
        ("create", "availability_window", window.id), ("create", "availability_exception", row.id),
        ("delete", "availability_window", window.id), ("delete", "availability_exception", row.id)]


def test_a_night_window_is_shown_as_running_into_the_next_day(coordinator, db, profile):
    url = f"/c/marolles/caregivers/{profile.id}"
    added = coordinator.post(f"{url}/windows", data={"weekday": "5", "start": "23:00", "end": "07:00"})
    assert added.status_code == 302
    page = coordinator.get(f"{url}/availability").get_data(as_text=True)
    assert "Saturday 23:00–07:00 (next day)" in " ".join(page.split())
    db.rollback()
    window = db.exec(select(AvailabilityWindow)).one()
    assert (window.start_minute, window.end_minute) == (1380, 1860)
    assert "Availability" in coordinator.get("/c/marolles/audit/").get_data(as_text=True)


BAD_WINDOW_FORMS = [
    ({"weekday": "9", "start": "08:00", "end": "12:00"}, "Choose a value from the list."),
    ({"weekday": "1", "start": "8h", "end": "12:00"}, "Enter a time like 07:30."),
    ({"weekday": "1", "start": "08:00", "end": ""}, "This field is required."),
    ({"weekday": "x", "start": "08:00", "end": "12:00"}, "Enter a whole number."),
]


def test_a_refused_window_shows_the_page_with_the_message_and_values(coordinator, db, profile):
    for form, message in BAD_WINDOW_FORMS:
        with nothing_changes(db):
            response = coordinator.post(f"/c/marolles/caregivers/{profile.id}/windows", data=form)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and f'value="{form["start"]}"' in page


def test_a_refused_exception_shows_the_page_with_the_message_and_values(coordinator, db, profile):
    with nothing_changes(db):
        response = coordinator.post(f"/c/marolles/caregivers/{profile.id}/exceptions", data={
            "start_date": "2026-08-10", "end_date": "2026-08-01", "note": "holiday"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The end date must not be before the start date." in page
    assert 'value="2026-08-10"' in page and 'value="holiday"' in page


def test_a_caregiver_edits_their_own_availability_only(make, coop, login_as, db, profile, staff_person):
    own = login_as(staff_person)
    other_staff = make.person(coop, "staff")
    other = save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None,
                           data=CaregiverInput(person_id=other_staff.id, kind="staff", contract_minutes_per_week=60))
    db.commit()
    assert own.post(f"/api/v1/coops/marolles/caregivers/{profile.id}/windows", json={
        "weekday": 0, "start": "07:00", "end": "15:00"}).status_code == 201
    assert own.get("/c/marolles/caregivers/me").status_code == 302
    with nothing_changes(db):
        assert error_of(own.post(f"/api/v1/coops/marolles/caregivers/{other.id}/windows", json={
            "weekday": 0, "start": "07:00", "end": "15:00"}))["code"] == "not_found"
        assert own.post(f"/c/marolles/caregivers/{other.id}/exceptions", data={
            "start_date": "2026-08-01", "end_date": "2026-08-02"}).status_code == 404
        assert own.get(f"/api/v1/coops/marolles/caregivers/{other.id}/availability").status_code == 404


def test_availability_api_adds_lists_and_removes(coordinator, db, profile):
    base = f"/api/v1/coops/marolles/caregivers/{profile.id}"
    night = coordinator.post(f"{base}/windows", json={"weekday": 6, "start": "23:00", "end": "07:00"})
    assert night.status_code == 201
    assert night.get_json() | {"id": 0} == {"id": 0, "weekday": 6, "start_minute": 1380, "end_minute": 1860,
                                            "start": "23:00", "end": "07:00", "ends_next_day": True}
    away = coordinator.post(f"{base}/exceptions", json={"start_date": "2026-07-01", "end_date": "2026-07-14",
                                                        "is_available": False, "note": "summer"})
    assert away.status_code == 201
    listed = coordinator.get(f"{base}/availability").get_json()
    assert [w["id"] for w in listed["windows"]] == [night.get_json()["id"]]
    assert [(e["start_date"], e["note"]) for e in listed["exceptions"]] == [("2026-07-01", "summer")]
    with nothing_changes(db):
        assert set(error_of(coordinator.post(f"{base}/windows", json={"weekday": 7, "start": "25:00"}))[
            "fields"]) == {"start", "end"}
        assert set(error_of(coordinator.post(f"{base}/exceptions", json={
            "start_date": "2026-07-14", "end_date": "2026-07-01"}))["fields"]) == {"end_date"}
        assert error_of(coordinator.delete(f"{base}/windows/{away.get_json()['id'] + 100}"))["code"] == "not_found"
    assert coordinator.delete(f"{base}/windows/{night.get_json()['id']}").status_code == 204
    assert coordinator.delete(f"{base}/exceptions/{away.get_json()['id']}").status_code == 204
    db.rollback()
    assert db.exec(select(AvailabilityWindow)).all() == [] and db.exec(select(AvailabilityException)).all() == []
