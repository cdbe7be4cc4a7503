"""A coordinator's manual edits of a draft roster: pin, unpin, remove an assignment, add a
caregiver to a shift. Only drafts change; a published (or superseded) roster is what people
were told, and changes to it go through a repair solve. Each edit is audited.

The edits do not check the hard rules: the review lists what an edit breaks (through
`service.violations`) before the publish button, and publishing refuses a roster that
breaks one, so a coordinator may make several edits that only hold together.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.caregivers.service import get_caregiver
from coop.errors import Conflict, NotFound
from coop.rosters.models import Roster, RosterAssignment, RosterShift


def _draft(roster: Roster) -> Roster:
    if roster.status != "draft":
        raise Conflict(_l("This roster is already published: change it with a new solve, not by hand."),
                       code="roster_not_draft")
    return roster


def _assignment(session: Session, *, coop_id: int, assignment_id: int) -> tuple[RosterAssignment, Roster]:
    row = session.exec(select(RosterAssignment, Roster).join(Roster, Roster.id == RosterAssignment.roster_id)
                       .where(RosterAssignment.id == assignment_id, Roster.coop_id == coop_id)).first()
    if row is None:
        raise NotFound(_l("This assignment does not exist."))
    assignment, roster = row
    return assignment, _draft(roster)


def assignment_shift_id(session: Session, *, coop_id: int, assignment_id: int) -> int:
    """The shift of one of the cooperative's assignments (a draft's or not)."""
    shift_id = session.exec(select(RosterAssignment.shift_id).join(Roster, Roster.id == RosterAssignment.roster_id)
                            .where(RosterAssignment.id == assignment_id, Roster.coop_id == coop_id)).first()
    if shift_id is None:
        raise NotFound(_l("This assignment does not exist."))
    return shift_id


def _audit(session: Session, *, coop_id: int, actor_id: int, action: str, assignment_id: int | None) -> None:
    record(session, coop_id=coop_id, actor_id=actor_id, action=action, object_type="roster_assignment",
           object_id=assignment_id)


def set_pinned(session: Session, *, coop_id: int, assignment_id: int, actor_id: int, is_pinned: bool) -> Roster:
    """Pin (a re-solve keeps it) or unpin an assignment of a draft; returns its roster."""
    assignment, roster = _assignment(session, coop_id=coop_id, assignment_id=assignment_id)
    assignment.is_pinned = is_pinned
    session.add(assignment)
    session.flush()
    _audit(session, coop_id=coop_id, actor_id=actor_id, action="update", assignment_id=assignment.id)
    return roster


def pin(session: Session, *, coop_id: int, assignment_id: int, actor_id: int) -> Roster:
    """Keep this assignment in every re-solve of the draft."""
    return set_pinned(session, coop_id=coop_id, assignment_id=assignment_id, actor_id=actor_id, is_pinned=True)


def unpin(session: Session, *, coop_id: int, assignment_id: int, actor_id: int) -> Roster:
    """Let a re-solve move this assignment again."""
    return set_pinned(session, coop_id=coop_id, assignment_id=assignment_id, actor_id=actor_id, is_pinned=False)


def remove_assignment(session: Session, *, coop_id: int, assignment_id: int, actor_id: int) -> Roster:
    """Take a caregiver off a shift of a draft; returns its roster."""
    assignment, roster = _assignment(session, coop_id=coop_id, assignment_id=assignment_id)
    removed_id = assignment.id
    session.delete(assignment)
    session.flush()
    _audit(session, coop_id=coop_id, actor_id=actor_id, action="delete", assignment_id=removed_id)
    return roster


def add_assignment(session: Session, *, coop_id: int, shift_id: int, caregiver_id: int,
                   actor_id: int) -> RosterAssignment:
    """Put a caregiver of the cooperative on a shift of a draft. The new assignment is pinned:
    it is the coordinator's own choice, so a re-solve must not undo it."""
    row = session.exec(select(RosterShift, Roster).join(Roster, Roster.id == RosterShift.roster_id)
                       .where(RosterShift.id == shift_id, Roster.coop_id == coop_id)).first()
    if row is None:
        raise NotFound(_l("This shift does not exist."))
    shift, roster = row
    _draft(roster)
    get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    already = session.exec(select(RosterAssignment.id).where(RosterAssignment.shift_id == shift.id,
                                                            RosterAssignment.caregiver_id == caregiver_id)).first()
    if already is not None:
        raise Conflict(_l("This caregiver is already on this shift."), code="already_assigned")
    assignment = RosterAssignment(roster_id=roster.id, shift_id=shift.id, caregiver_id=caregiver_id, is_pinned=True)
    session.add(assignment)
    session.flush()
    _audit(session, coop_id=coop_id, actor_id=actor_id, action="create", assignment_id=assignment.id)
    return assignment
