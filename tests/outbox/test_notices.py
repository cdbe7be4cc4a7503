"""The notices page: one's own notices of the cooperative, read only when the button says so,
the unread count in the menu, and the coordinators' view of the whole outbox."""

from __future__ import annotations

import re

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlmodel import Session, select

from coop.jobs import register_jobs
from coop.outbox.models import OutboxMessage
from coop.outbox.service import deliver_pending, notify
from tests.conftest import Factory


def _notices(make: Factory, db: Session):
    coop, other = make.coop(), make.coop()
    coordinator = make.person(coop, "coordinator")
    parent = make.person(coop, "parent")
    neighbour = make.person(coop, "parent")
    for person, subject in ((parent, "Your shift moved"), (parent, "Second notice"),
                            (neighbour, "Neighbour's own notice"), (coordinator, "For the coordinator")):
        notify(db, coop_id=coop.id, person_id=person.id, topic="roster", subject=subject, body="line one\nline two")
    notify(db, coop_id=other.id, person_id=parent.id, topic="roster", subject="From another cooperative", body="x")
    db.commit()
    return coop, coordinator, parent, neighbour


def fresh(db: Session) -> None:
    """End the session's snapshot and forget loaded rows, to read what requests committed."""
    db.rollback()
    db.expire_all()


def unread_badge(body: str) -> str | None:
    found = re.search(r'class="badge warn">(\d+)<span class="sr-only">', body)
    return found.group(1) if found else None


def test_own_notices_only_and_read_only_by_the_button(make: Factory, db: Session, login_as) -> None:
    coop, _, parent, _ = _notices(make, db)
    client = login_as(parent)
    page = client.get(f"/c/{coop.slug}/notices/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your shift moved" in body and "Second notice" in body and "line one<br>line two" in body
    assert "Neighbour" not in body and "another cooperative" not in body and "For the coordinator" not in body
    assert unread_badge(body) == "2"
    assert "Neighbour" not in client.get(f"/c/{coop.slug}/notices/?tab=all").get_data(as_text=True)
    fresh(db)
    assert all(m.read_at is None for m in db.exec(select(OutboxMessage)).all()), "a GET marks nothing read"

    assert client.post(f"/c/{coop.slug}/notices/read").status_code == 302
    fresh(db)
    read = {m.subject: m.read_at is not None for m in db.exec(select(OutboxMessage)).all()}
    assert read == {"Your shift moved": True, "Second notice": True, "Neighbour's own notice": False,
                    "For the coordinator": False, "From another cooperative": False}
    assert unread_badge(client.get(f"/c/{coop.slug}/notices/").get_data(as_text=True)) is None


def test_coordinator_sees_the_whole_outbox_of_the_cooperative(make: Factory, db: Session, login_as) -> None:
    coop, coordinator, parent, _ = _notices(make, db)
    client = login_as(coordinator)
    mine = client.get(f"/c/{coop.slug}/notices/").get_data(as_text=True)
    assert "For the coordinator" in mine and "Your shift moved" not in mine
    everything = client.get(f"/c/{coop.slug}/notices/?tab=all").get_data(as_text=True)
    assert "Your shift moved" in everything and "Neighbour&#39;s own notice" in everything
    assert parent.display_name in everything and "another cooperative" not in everything


def test_other_cooperative_gets_404(make: Factory, db: Session, login_as) -> None:
    coop, *_ = _notices(make, db)
    outsider = make.person(make.coop(), "coordinator")
    assert login_as(outsider).get(f"/c/{coop.slug}/notices/").status_code == 404
    assert login_as(outsider).post(f"/c/{coop.slug}/notices/read").status_code == 404


def test_delivery_job_is_scheduled_and_without_mail_server_keeps_notices_in_the_app(
        make: Factory, db: Session, app: Flask) -> None:
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, app)
    assert "outbox_delivery" in [job.id for job in scheduler.get_jobs()]
    _notices(make, db)
    assert deliver_pending(app.extensions["coop.db"], app.extensions["coop.settings"]) == 0
    fresh(db)
    assert all(m.mailed_at is None for m in db.exec(select(OutboxMessage)).all())
