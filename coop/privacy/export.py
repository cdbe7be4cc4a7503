"""A household's data, all of it, as one JSON-ready document (GDPR access and portability).

Rows are written column by column as stored, except secrets (token and password hashes).
Every table that holds rows of a household, a child, a person or a caregiver is either read
here (``EXPORTED_TABLES``) or named in ``NOT_EXPORTED`` with the reason; a test keeps that
list complete when tables are added.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from coop.audit.models import AuditEntry
from coop.audit.service import record
from coop.auth.models import Invitation, Person
from coop.bookings.models import Booking, CalendarFeed
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.cheques.models import (
    ChequeCard,
    ChequeDispute,
    ChequeLot,
    ChequeMovement,
    ChequeRedemption,
    ChequeService,
    Provider,
)
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.credits.models import CreditEntry, CreditTransaction, PledgeChange
from coop.credits.service import balance as contribution_balance
from coop.governance.models import Proposal, Vote
from coop.members.models import Child, Membership, PickupPerson
from coop.members.service import get_household
from coop.outbox.models import OutboxMessage
from coop.rosters.models import Roster, RosterAssignment, RosterFeed, RosterShift, ShiftSwap

EXPORT_FORMAT = "cooparentive-household-export/1"
SECRET_COLUMNS = frozenset({"token_hash", "password_hash", "key_hash"})
EXPORTED_TABLES = frozenset({
    "household", "person", "membership", "child", "pickup_person", "booking", "calendar_feed", "pledge_change",
    "credit_transaction", "credit_entry", "cheque_card", "cheque_lot", "cheque_redemption", "cheque_movement",
    "cheque_dispute", "caregiver_profile", "availability_window", "availability_exception", "roster_assignment",
    "shift_swap", "roster_feed", "vote", "proposal", "outbox_message", "invitation", "audit_entry",
})
NOT_EXPORTED = {
    "login_session": "security records of the person's logins (secret tokens)",
    "password_reset": "one-time password links (secret tokens)",
    "provider_user": "links a partner organisation's staff to it, never to a household",
    "setting_change": "changes of the cooperative's settings (by coordinators or decisions)",
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(row: Any, **extra: Any) -> dict[str, Any]:
    """A table row as a dict of its columns, secrets left out."""
    data = {column.name: _value(getattr(row, column.name)) for column in row.__table__.columns
            if column.name not in SECRET_COLUMNS}
    return {**data, **extra}


def _rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [_row(row) for row in rows]


def household_people(session: Session, *, household_id: int) -> list[Person]:
    """The people holding the parent role for this household."""
    return list(session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                             .where(Membership.household_id == household_id, Membership.role == "parent")
                             .order_by(col(Person.id))).all())


def _contribution(session: Session, household_id: int) -> dict[str, Any]:
    transactions = session.exec(select(CreditTransaction).where(CreditTransaction.household_id == household_id)
                                .order_by(col(CreditTransaction.id))).all()
    entries: dict[int, list[dict[str, Any]]] = {}
    for entry in session.exec(select(CreditEntry).where(col(CreditEntry.transaction_id).in_(
            [tx.id for tx in transactions])).order_by(col(CreditEntry.id))).all():
        entries.setdefault(entry.transaction_id, []).append(_row(entry))
    return {"balance_minutes": contribution_balance(session, household_id=household_id),
            "pledge_changes": _rows(session.exec(select(PledgeChange).where(PledgeChange.household_id == household_id)
                                                 .order_by(col(PledgeChange.id))).all()),
            "transactions": [_row(tx, entries=entries.get(tx.id, [])) for tx in transactions]}


def _cheques(session: Session, household_id: int) -> dict[str, Any]:
    def of(model: Any) -> list[dict[str, Any]]:
        return _rows(session.exec(select(model).where(model.household_id == household_id)
                                  .order_by(col(model.id))).all())

    redemptions = session.exec(
        select(ChequeRedemption, Provider.name, ChequeService.code)
        .join(Provider, Provider.id == ChequeRedemption.provider_id)
        .join(ChequeService, ChequeService.id == ChequeRedemption.service_id)
        .where(ChequeRedemption.household_id == household_id).order_by(col(ChequeRedemption.id))).all()
    return {"card": _rows(session.exec(select(ChequeCard).where(ChequeCard.household_id == household_id)).all()),
            "lots": of(ChequeLot), "movements": of(ChequeMovement), "disputes": of(ChequeDispute),
            "redemptions": [_row(r, provider_name=name, service_code=code) for r, name, code in redemptions]}


def _caregiving(session: Session, coop_id: int, household_id: int, person_ids: list[int]) -> dict[str, Any]:
    profiles = session.exec(select(CaregiverProfile).where(
        CaregiverProfile.coop_id == coop_id,
        or_(CaregiverProfile.household_id == household_id, col(CaregiverProfile.person_id).in_(person_ids)))
        .order_by(col(CaregiverProfile.id))).all()
    ids = [p.id for p in profiles]
    assignments = session.exec(
        select(RosterAssignment, RosterShift, Roster)
        .join(RosterShift, RosterShift.id == RosterAssignment.shift_id)
        .join(Roster, Roster.id == RosterAssignment.roster_id)
        .where(col(RosterAssignment.caregiver_id).in_(ids)).order_by(col(RosterShift.start_at))).all()
    swaps = session.exec(select(ShiftSwap).where(ShiftSwap.coop_id == coop_id, or_(
        col(ShiftSwap.from_caregiver_id).in_(ids), col(ShiftSwap.to_caregiver_id).in_(ids),
        col(ShiftSwap.taken_by_id).in_(ids))).order_by(col(ShiftSwap.id))).all()
    return {
        "profiles": _rows(profiles),
        "availability_windows": _rows(session.exec(select(AvailabilityWindow).where(
            col(AvailabilityWindow.caregiver_id).in_(ids)).order_by(col(AvailabilityWindow.id))).all()),
        "availability_exceptions": _rows(session.exec(select(AvailabilityException).where(
            col(AvailabilityException.caregiver_id).in_(ids)).order_by(col(AvailabilityException.id))).all()),
        "roster_assignments": [
            _row(a, roster_status=roster.status, week_start=_value(roster.week_start), site_id=shift.site_id,
                 shift_code=shift.code, start_at=_value(shift.start_at), end_at=_value(shift.end_at),
                 is_night=shift.is_night) for a, shift, roster in assignments],
        "shift_swaps": _rows(swaps),
        "calendar_feeds": _rows(session.exec(select(RosterFeed).where(col(RosterFeed.caregiver_id).in_(ids))).all()),
    }


def export_household(session: Session, *, coop_id: int, household_id: int, actor_id: int) -> dict[str, Any]:
    """Everything the cooperative holds about one household, its children and its parents;
    the export itself is recorded in the audit log."""
    household = get_household(session, coop_id=coop_id, household_id=household_id)
    coop = session.get(Cooperative, coop_id)
    people = household_people(session, household_id=household.id)
    person_ids = [p.id for p in people]
    children = session.exec(select(Child).where(Child.household_id == household.id).order_by(col(Child.id))).all()
    child_ids = [c.id for c in children]
    pickups = session.exec(select(PickupPerson).where(col(PickupPerson.child_id).in_(child_ids))
                           .order_by(col(PickupPerson.id))).all()
    votes = session.exec(select(Vote, Proposal).join(Proposal, Proposal.id == Vote.proposal_id)
                         .where(Vote.household_id == household.id).order_by(col(Vote.id))).all()
    # This household's memberships and its parents' roles here that name no household (staff...).
    memberships = session.exec(select(Membership).where(Membership.coop_id == coop_id, or_(
        Membership.household_id == household.id,
        col(Membership.person_id).in_(person_ids) & col(Membership.household_id).is_(None)))
        .order_by(col(Membership.id))).all()
    audited = or_((AuditEntry.object_type == "household") & (AuditEntry.object_id == household.id),
                  (AuditEntry.object_type == "child") & col(AuditEntry.object_id).in_(child_ids),
                  (AuditEntry.object_type == "pickup_person") & col(AuditEntry.object_id).in_([p.id for p in pickups]))
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": _value(utcnow()),
        "cooperative": {"id": coop.id, "slug": coop.slug, "name": coop.name},
        "household": _row(household),
        "parents": [_row(p) for p in people],
        "memberships": _rows(memberships),
        "children": _rows(children),
        "pickup_persons": _rows(pickups),
        "bookings": _rows(session.exec(select(Booking).where(Booking.household_id == household.id)
                                       .order_by(col(Booking.start_at))).all()),
        "booking_calendar_feed": _rows(session.exec(select(CalendarFeed)
                                                    .where(CalendarFeed.household_id == household.id)).all()),
        "contribution": _contribution(session, household.id),
        "cheques": _cheques(session, household.id),
        "caregiving": _caregiving(session, coop_id, household.id, person_ids),
        "governance": {
            "votes": [_row(v, proposal_title=p.title, proposal_status=p.status) for v, p in votes],
            "proposals_written": _rows(session.exec(select(Proposal).where(
                Proposal.coop_id == coop_id, col(Proposal.author_id).in_(person_ids))).all()),
        },
        "messages": _rows(session.exec(select(OutboxMessage).where(
            col(OutboxMessage.person_id).in_(person_ids),
            or_(OutboxMessage.coop_id == coop_id, col(OutboxMessage.coop_id).is_(None)))
            .order_by(col(OutboxMessage.id))).all()),
        "invitations": _rows(session.exec(select(Invitation).where(Invitation.coop_id == coop_id,
                                                                   Invitation.household_id == household.id)).all()),
        "access_log": _rows(session.exec(select(AuditEntry).where(AuditEntry.coop_id == coop_id, audited)
                                         .order_by(col(AuditEntry.id))).all()),
    }
    record(session, coop_id=coop_id, actor_id=actor_id, action="export", object_type="household",
           object_id=household.id)
    session.flush()
    return document
