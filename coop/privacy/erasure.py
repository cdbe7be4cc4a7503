"""Erasing a household that left (GDPR right to erasure), irreversibly.

The ledgers are append-only and carry ids, not names: their rows stay, so every total and
every other household's statement is unchanged. What identifies people goes:

- the household's name becomes ``#<id>``; its address and phone are emptied; a declared
  income band is forgotten, and its pledge is 0 from next month (no more pledges due);
- children keep a row (past bookings and rosters point to it) with ``#<id>`` as name, no
  allergies, notes or needs, and a birth date rounded to the first of its month (the age
  band of past care stays about right); their pick-up persons are deleted;
- bookings that have not ended are deleted (the family left: the places go back to others);
  past ones stay as anonymous counts of care given, pointing to the nameless child;
- the parents who hold no other role anywhere become ``#<id>`` with an unusable address,
  no password, inactive, their login sessions revoked, their password links, messages and
  availability deleted and their open shift offers withdrawn; parents who hold another role
  keep their account and simply lose this household;
- the erased parents' published shifts that have not started are marked absent, as if they
  had said they cannot make them, and a repair of each of those weeks is queued for the
  coordinators to review; their places in unpublished drafts are removed;
- the household's invitations, calendar feed and cheque disputes' reasons are removed, and
  the names of the household and of the erased parents are replaced by ``#<id>`` in the
  notices other people of the cooperative received.

Ledger memos stay, like every ledger row: they are a coordinator's short notes on amounts
and should not name people.

Votes stay: they name the household only and their tallies were counted at the close. The
erasure is recorded in the audit log (``delete`` of the household), which is what marks a
household as erased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlmodel import Session, col, or_, select

from coop.audit.models import AuditEntry
from coop.audit.service import record
from coop.auth.models import Invitation, LoginSession, PasswordReset, Person
from coop.bookings.models import Booking, CalendarFeed
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.cheques.models import ChequeDispute
from coop.credits.models import PledgeChange
from coop.credits.pledges import BEGINNING, next_month
from coop.errors import Conflict, ValidationFailed
from coop.members.models import Child, Household, Membership, PickupPerson
from coop.members.service import get_household
from coop.outbox.models import OutboxMessage
from coop.rosters.attendance import release_shifts_of
from coop.rosters.models import RosterFeed, ShiftSwap

ERASED_EMAIL_DOMAIN = "erased.invalid"


class AlreadyErased(Conflict):
    code = "already_erased"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, for the coordinator's confirmation message."""

    children: int
    people_erased: int
    bookings_deleted: int
    shifts_released: int


def erased_at(session: Session, *, household_id: int) -> datetime | None:
    """When the household was erased (the audit entry of its erasure), or None."""
    return session.exec(select(AuditEntry.at).where(AuditEntry.object_type == "household",
                                                    AuditEntry.object_id == household_id,
                                                    AuditEntry.action == "delete")).first()


def name_matches(typed: str, name: str) -> bool:
    """The confirmation: the household's name, ignoring case and spaces around and between words."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def _people(session: Session, household_id: int) -> tuple[list[int], list[int]]:
    """The household's parents: (to erase: no other role anywhere, to keep)."""
    person_ids = set(session.exec(select(Membership.person_id).where(Membership.household_id == household_id)).all())
    others = set(session.exec(select(Membership.person_id).where(
        col(Membership.person_id).in_(person_ids),
        or_(col(Membership.household_id).is_(None), Membership.household_id != household_id))).all())
    return sorted(person_ids - others), sorted(others)


def _scrub_messages(session: Session, coop_id: int, names: dict[str, str]) -> None:
    """Replace the erased names (whole words) in the notices other people received here, e.g.
    "Mia offers you her shift" becomes "#12 offers you her shift"."""
    for old, new in names.items():
        if not old.strip():
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)")
        for message in session.exec(select(OutboxMessage).where(
                OutboxMessage.coop_id == coop_id,
                col(OutboxMessage.subject).contains(old) | col(OutboxMessage.body).contains(old))).all():
            message.subject, message.body = pattern.sub(new, message.subject), pattern.sub(new, message.body)
            session.add(message)


def _erase_people(session: Session, person_ids: list[int], now: datetime) -> dict[str, str]:
    """Returns the names replaced (old name to ``#<id>``)."""
    names = {}
    for person in session.exec(select(Person).where(col(Person.id).in_(person_ids))).all():
        names[person.display_name] = f"#{person.id}"
        person.display_name = f"#{person.id}"
        person.email = f"erased-{person.id}@{ERASED_EMAIL_DOMAIN}"
        person.password_hash = None
        person.language = None
        person.is_active = False
        session.add(person)
    session.execute(update(LoginSession).where(col(LoginSession.person_id).in_(person_ids),
                                               col(LoginSession.revoked_at).is_(None)).values(revoked_at=now))
    session.execute(delete(PasswordReset).where(col(PasswordReset.person_id).in_(person_ids)))
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.person_id).in_(person_ids)))
    profiles = list(session.exec(select(CaregiverProfile.id).where(
        col(CaregiverProfile.person_id).in_(person_ids))).all())
    session.execute(delete(AvailabilityWindow).where(col(AvailabilityWindow.caregiver_id).in_(profiles)))
    session.execute(delete(AvailabilityException).where(col(AvailabilityException.caregiver_id).in_(profiles)))
    session.execute(delete(RosterFeed).where(col(RosterFeed.caregiver_id).in_(profiles)))
    session.execute(update(ShiftSwap).where(col(ShiftSwap.from_caregiver_id).in_(profiles)).values(reason=""))
    session.execute(update(ShiftSwap).where(col(ShiftSwap.from_caregiver_id).in_(profiles), ShiftSwap.status == "open")
                    .values(status="withdrawn", decided_at=now))
    return names


def _erase_children(session: Session, household_id: int) -> int:
    children = session.exec(select(Child).where(Child.household_id == household_id)).all()
    session.execute(delete(PickupPerson).where(col(PickupPerson.child_id).in_([c.id for c in children])))
    for child in children:
        child.first_name, child.last_name = f"#{child.id}", ""
        child.allergies, child.notes, child.needs_inclusive_care = "", "", False
        child.birth_date = child.birth_date.replace(day=1)
        session.add(child)
    return len(children)


def _stop_pledge(session: Session, household: Household, today: date) -> None:
    """No pledge due from next month; the declared income bands are forgotten."""
    session.execute(update(PledgeChange).where(PledgeChange.household_id == household.id).values(income_band=None))
    has_history = session.exec(select(PledgeChange.id).where(PledgeChange.household_id == household.id)).first()
    if has_history is None:
        # Keep the months already under way at the pledge they had (as set_pledge does).
        session.add(PledgeChange(coop_id=household.coop_id, household_id=household.id, effective_month=BEGINNING,
                                 minutes=household.pledge_minutes, cents=household.pledge_cents))
    session.add(PledgeChange(coop_id=household.coop_id, household_id=household.id, effective_month=next_month(today),
                             minutes=0, cents=0))
    household.pledge_minutes, household.pledge_cents = 0, 0


def erase_household(session: Session, *, coop_id: int, household_id: int, actor_id: int, confirm_name: str,
                    now: datetime, today: date) -> Erasure:
    """Erase a household's personal data for good (see the module's docstring); ``confirm_name``
    must repeat the household's name, against accidents."""
    household = get_household(session, coop_id=coop_id, household_id=household_id)
    if erased_at(session, household_id=household.id) is not None:
        raise AlreadyErased(_l("This household has already been erased."))
    if not name_matches(confirm_name, household.name):
        raise ValidationFailed(_l("Check the form."), fields={
            "confirm_name": _l("Type the household's name exactly as shown to confirm.")})
    erase_ids, keep_ids = _people(session, household.id)
    shifts = release_shifts_of(session, coop_id=coop_id, person_ids=erase_ids, now=now, actor_id=actor_id)
    names = {household.name: f"#{household.id}", **_erase_people(session, erase_ids, now)}
    session.execute(update(CaregiverProfile).where(CaregiverProfile.household_id == household.id,
                                                   col(CaregiverProfile.person_id).in_(keep_ids))
                    .values(household_id=None))
    session.execute(delete(Membership).where(Membership.household_id == household.id))
    children = _erase_children(session, household.id)
    bookings = session.execute(delete(Booking).where(Booking.household_id == household.id,
                                                     Booking.end_at > now)).rowcount
    session.execute(delete(Invitation).where(Invitation.household_id == household.id))
    session.execute(delete(CalendarFeed).where(CalendarFeed.household_id == household.id))
    session.execute(update(ChequeDispute).where(ChequeDispute.household_id == household.id).values(reason=""))
    _stop_pledge(session, household, today)
    _scrub_messages(session, coop_id, names)
    household.name, household.address, household.phone = f"#{household.id}", "", ""
    household.has_protected_address = False
    household.left_on = today
    session.add(household)
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="household",
           object_id=household.id)
    session.flush()
    return Erasure(children=children, people_erased=len(erase_ids), bookings_deleted=bookings,
                   shifts_released=shifts)
