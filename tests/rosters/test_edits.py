"""A coordinator's manual edits of a draft roster: they change drafts only, never another
cooperative's rows, and each one is audited."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from coop.errors import Conflict, NotFound
from coop.rosters import edits
from coop.rosters.models import RosterAssignment
from tests.conftest import Factory
from tests.rosters.review_rows import caregiver, draft


def _audited(db: Session, coop_id: int) -> list[tuple[str, str, int | None]]:
    entries = db.exec(select(AuditEntry).where(AuditEntry.coop_id == coop_id).order_by(AuditEntry.id)).all()
    return [(e.action, e.object_type, e.object_id) for e in entries]


def test_pin_and_unpin_an_assignment_of_a_draft(db: Session, make: Factory):
    d = draft(make)
    target = d.assignments[0]
    roster = edits.pin(db, coop_id=d.coop.id, assignment_id=target.id, actor_id=d.people[0].id)
    db.commit()
    assert roster.id == d.roster.id
    db.refresh(target)
    assert target.is_pinned
    edits.unpin(db, coop_id=d.coop.id, assignment_id=target.id, actor_id=d.people[0].id)
    db.commit()
    db.refresh(target)
    assert not target.is_pinned
    assert _audited(db, d.coop.id) == [("update", "roster_assignment", target.id)] * 2


def test_remove_an_assignment_of_a_draft(db: Session, make: Factory):
    d = draft(make)
    target_id = d.assignments[1].id
    edits.remove_assignment(db, coop_id=d.coop.id, assignment_id=target_id, actor_id=d.people[0].id)
    db.commit()
    assert db.get(RosterAssignment, target_id) is None
    assert db.get(RosterAssignment, d.assignments[0].id) is not None
    assert _audited(db, d.coop.id) == [("delete", "roster_assignment", target_id)]


def test_add_a_caregiver_to_a_shift_pins_the_choice(db: Session, make: Factory):
    d = draft(make)
    added = edits.add_assignment(db, coop_id=d.coop.id, shift_id=d.shifts[0].id, caregiver_id=d.caregivers[1].id,
                                 actor_id=d.people[0].id)
    db.commit()
    assert (added.roster_id, added.shift_id, added.caregiver_id, added.is_pinned) == (
        d.roster.id, d.shifts[0].id, d.caregivers[1].id, True)
    assert _audited(db, d.coop.id) == [("create", "roster_assignment", added.id)]
    with pytest.raises(Conflict) as refused:
        edits.add_assignment(db, coop_id=d.coop.id, shift_id=d.shifts[0].id, caregiver_id=d.caregivers[1].id,
                             actor_id=d.people[0].id)
    assert refused.value.code == "already_assigned"


@pytest.mark.parametrize("status", ["published", "superseded"])
def test_every_edit_is_refused_on_a_roster_people_were_told_about(db: Session, make: Factory, status: str):
    d = draft(make, status=status)
    actor, coop_id = d.people[0].id, d.coop.id
    attempts = [
        lambda: edits.pin(db, coop_id=coop_id, assignment_id=d.assignments[0].id, actor_id=actor),
        lambda: edits.unpin(db, coop_id=coop_id, assignment_id=d.assignments[0].id, actor_id=actor),
        lambda: edits.remove_assignment(db, coop_id=coop_id, assignment_id=d.assignments[0].id, actor_id=actor),
        lambda: edits.add_assignment(db, coop_id=coop_id, shift_id=d.shifts[0].id, caregiver_id=d.caregivers[1].id,
                                     actor_id=actor),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "roster_not_draft"
    db.rollback()
    assert [(a.is_pinned, a.caregiver_id) for a in db.exec(select(RosterAssignment)
                                                         .order_by(RosterAssignment.id)).all()] == [
        (False, d.caregivers[0].id), (False, d.caregivers[1].id)]
    assert _audited(db, coop_id) == []


def test_ids_of_another_cooperative_are_not_found(db: Session, make: Factory):
    mine, theirs = draft(make), draft(make)
    actor, coop_id = mine.people[0].id, mine.coop.id
    foreign_caregiver, _ = caregiver(make, theirs.coop)
    attempts = [
        lambda: edits.pin(db, coop_id=coop_id, assignment_id=theirs.assignments[0].id, actor_id=actor),
        lambda: edits.unpin(db, coop_id=coop_id, assignment_id=theirs.assignments[0].id, actor_id=actor),
        lambda: edits.remove_assignment(db, coop_id=coop_id, assignment_id=theirs.assignments[0].id, actor_id=actor),
        lambda: edits.add_assignment(db, coop_id=coop_id, shift_id=theirs.shifts[0].id,
                                     caregiver_id=mine.caregivers[1].id, actor_id=actor),
        lambda: edits.add_assignment(db, coop_id=coop_id, shift_id=mine.shifts[0].id,
                                     caregiver_id=foreign_caregiver.id, actor_id=actor),
        lambda: edits.pin(db, coop_id=coop_id, assignment_id=10**9, actor_id=actor),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    db.rollback()
    assert db.exec(select(RosterAssignment).where(RosterAssignment.is_pinned)).all() == []
    assert len(db.exec(select(RosterAssignment)).all()) == 4
