"""The menu on every page of a cooperative: "My shifts" for its caregivers only, and the
count of the person's unread notices in that cooperative."""

from __future__ import annotations

import re

from sqlmodel import Session

from coop.auth.service import add_membership
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.outbox.service import notify
from tests.conftest import Factory


def menu(body: str) -> str:
    found = re.search(r'<nav class="menu".*?</nav>', body, re.S)
    assert found, "the page has no menu"
    return found.group(0)


def unread_badge(body: str) -> str | None:
    found = re.search(r'class="badge warn">(\d+)<span class="sr-only">', menu(body))
    return found.group(1) if found else None


def test_the_menu_shows_shifts_to_caregivers_and_unread_notices_of_this_cooperative(
        make: Factory, db: Session, login_as) -> None:
    coop, other = make.coop(), make.coop()
    caregiver = make.person(coop, "staff")
    add_membership(db, coop_id=other.id, person_id=caregiver.id, role="parent")
    parent = make.person(coop, "parent")
    save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None,
                   data=CaregiverInput(person_id=caregiver.id, kind="staff", contract_minutes_per_week=1200))
    for subject in ("One", "Two"):
        notify(db, coop_id=coop.id, person_id=caregiver.id, topic="roster", subject=subject, body="x")
    notify(db, coop_id=other.id, person_id=caregiver.id, topic="roster", subject="Elsewhere", body="x")
    db.commit()

    here = login_as(caregiver).get(f"/c/{coop.slug}/").get_data(as_text=True)
    assert f"/c/{coop.slug}/shifts/" in menu(here)
    assert unread_badge(here) == "2"
    elsewhere = login_as(caregiver).get(f"/c/{other.slug}/").get_data(as_text=True)
    assert "/shifts/" not in menu(elsewhere), "a caregiver of one cooperative only"
    assert unread_badge(elsewhere) == "1"
    neighbour = login_as(parent).get(f"/c/{coop.slug}/").get_data(as_text=True)
    assert "/shifts/" not in menu(neighbour) and unread_badge(neighbour) is None
