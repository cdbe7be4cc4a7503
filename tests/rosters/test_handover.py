"""The handover sheet: only for caregivers on a published shift now (and coordinators), per
site of that shift, the children of the current and the next shift with barred and
authorised pick-up persons and allergies; every view audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from coop.auth.models import Person
from coop.bookings.models import Booking
from coop.caregivers.models import CaregiverProfile
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative, Site
from coop.errors import Forbidden
from coop.members.models import Child, PickupPerson
from coop.rosters import handover
from coop.rosters.models import RosterAssignment, RosterShift, monday_of
from tests.conftest import Factory
from tests.rosters.published_rows import TZ, assign, caregiver, roster, shift


@dataclass
class Now:
    coop: Cooperative
    here: Site
    there: Site
    current: RosterShift
    following: RosterShift
    on_shift: tuple[CaregiverProfile, Person]
    elsewhere: tuple[CaregiverProfile, Person]
    idle: tuple[CaregiverProfile, Person]
    coordinator: Person
    parent: Person
    child_now: Child
    child_next: Child
    child_elsewhere: Child
    on_duty: RosterAssignment


def _book(db: Session, child: Child, site: Site, start: datetime, hours: int = 4) -> None:
    db.add(Booking(coop_id=child.coop_id, site_id=site.id, child_id=child.id, household_id=child.household_id,
                   start_at=start, end_at=start + timedelta(hours=hours)))
    db.commit()


@pytest.fixture
def now_(make: Factory, db: Session) -> Now:
    coop = make.coop()
    here, there = make.site(coop, name="Maison Haute"), make.site(coop, name="Maison Basse")
    coordinator = make.person(coop, "coordinator")
    on_shift, at_there, idle = (caregiver(make, coop, "staff"), caregiver(make, coop, "staff"),
                                caregiver(make, coop, "volunteer"))
    household = make.household(coop)
    parent = make.person(coop, "parent", household=household)
    child_now = make.child(household, first_name="Lina", allergies="peanuts")
    child_next = make.child(household, first_name="Omar")
    child_elsewhere = make.child(household, first_name="Zoe")
    db.add_all([PickupPerson(child_id=child_now.id, name="Grandma Jo", relation="grandmother"),
                PickupPerson(child_id=child_now.id, name="Barred Bob", is_barred=True)])
    db.commit()
    started = utcnow().replace(microsecond=0) - timedelta(hours=2)
    published = roster(db, coop, monday_of(local_today(TZ)))
    current = shift(db, published, here, started)
    following = shift(db, published, here, started + timedelta(hours=8), code="late")
    elsewhere = shift(db, published, there, started)
    on_duty = assign(db, current, on_shift[0])
    assign(db, elsewhere, at_there[0])
    _book(db, child_now, here, started + timedelta(hours=1))
    _book(db, child_next, here, started + timedelta(hours=9))
    _book(db, child_elsewhere, there, started + timedelta(hours=1))
    return Now(coop, here, there, current, following, on_shift, at_there, idle, coordinator, parent, child_now,
               child_next, child_elsewhere, on_duty)


def audited(db: Session) -> list[tuple[int | None, str, str, int | None]]:
    db.expire_all()
    return [(e.actor_id, e.action, e.object_type, e.object_id)
            for e in db.exec(select(AuditEntry).where(AuditEntry.object_type == "handover")).all()]


def test_caregiver_on_shift_sees_their_sites_children_now_and_next(db: Session, now_: Now, app: Flask) -> None:
    profile, person = now_.on_shift
    with app.app_context():
        sheets = handover.handover(db, coop_id=now_.coop.id, actor_id=person.id, caregiver_id=profile.id,
                                   is_coordinator=False, now=utcnow())
    db.commit()
    assert [s.site.id for s in sheets] == [now_.here.id]
    (sheet,) = sheets
    assert [e.child.id for e in sheet.current.children] == [now_.child_now.id]
    assert [e.child.id for e in sheet.following.children] == [now_.child_next.id]
    expected = sheet.current.children[0]
    assert [p.name for p in expected.barred] == ["Barred Bob"]
    assert [p.name for p in expected.authorised] == ["Grandma Jo"]
    assert sheet.barred_count == 1
    assert audited(db) == [(person.id, "read", "handover", now_.current.id)]


def test_refused_to_a_caregiver_not_on_shift_and_to_one_who_cancelled(db: Session, now_: Now) -> None:
    profile, person = now_.idle
    for who in (profile.id, None):
        with pytest.raises(Forbidden):
            handover.handover(db, coop_id=now_.coop.id, actor_id=person.id, caregiver_id=who, is_coordinator=False,
                              now=utcnow())
    with pytest.raises(Forbidden):
        handover.handover(db, coop_id=now_.coop.id, actor_id=now_.on_shift[1].id, caregiver_id=now_.on_shift[0].id,
                          is_coordinator=False, now=now_.current.start_at - timedelta(minutes=1))
    now_.on_duty.attendance = "absent"
    db.add(now_.on_duty)
    db.commit()
    with pytest.raises(Forbidden):
        handover.handover(db, coop_id=now_.coop.id, actor_id=now_.on_shift[1].id, caregiver_id=now_.on_shift[0].id,
                          is_coordinator=False, now=utcnow())
    db.rollback()
    assert audited(db) == []


def test_coordinator_sees_every_site_with_a_shift_now(db: Session, now_: Now) -> None:
    sheets = handover.handover(db, coop_id=now_.coop.id, actor_id=now_.coordinator.id, caregiver_id=None,
                               is_coordinator=True, now=utcnow())
    assert sorted(s.site.id for s in sheets) == sorted([now_.here.id, now_.there.id])


def _page(client: FlaskClient, coop: Cooperative):
    return client.get(f"/c/{coop.slug}/shifts/handover")


def test_handover_page_access_and_barred_shown(now_: Now, login_as, db: Session, make: Factory) -> None:
    page = _page(login_as(now_.on_shift[1]), now_.coop)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Barred Bob" in body and "peanuts" in body and "Lina" in body and "Omar" in body
    assert "Zoe" not in body
    assert body.index("Barred Bob") < body.index("Grandma Jo"), "barred persons come first"
    assert 'class="barred"' in body
    assert _page(login_as(now_.idle[1]), now_.coop).status_code == 403
    elsewhere = _page(login_as(now_.elsewhere[1]), now_.coop)
    assert elsewhere.status_code == 200 and "Zoe" in elsewhere.get_data(as_text=True)
    assert "Lina" not in elsewhere.get_data(as_text=True)
    now_.on_duty.attendance = "absent"
    db.add(now_.on_duty)
    db.commit()
    assert _page(login_as(now_.on_shift[1]), now_.coop).status_code == 403
    assert _page(login_as(now_.parent), now_.coop).status_code == 403
    coordinator_page = _page(login_as(now_.coordinator), now_.coop)
    assert coordinator_page.status_code == 200 and "Zoe" in coordinator_page.get_data(as_text=True)
    other = make.coop()
    outsider = make.person(other, "coordinator")
    assert _page(login_as(outsider), now_.coop).status_code == 404
