"""Swaps of published shifts: a caregiver offers one to a named colleague or to anyone
qualified, who accepts or declines; the caregiver who offered may withdraw. ("I can't make
it" is in `coop.rosters.attendance`.)

A swap is applied only if every hard rule that held before still holds with it: the roster
is checked with `rosters.service.violations` (`solver.validate` on `problem_for_roster`) with
the changed assignment, inside a savepoint, so a refused swap leaves nothing changed; only a
violation the swap adds refuses it (one the published roster already had, say after someone
changed their availability, is the coordinator's to fix, not a reason to block every swap).
Accepting locks the roster row (PostgreSQL ``FOR UPDATE``; SQLite's write sessions already
hold the write lock), so two colleagues taking the same open offer, or two swaps on one
roster, run one after the other: one wins, the other is told the offer is gone. A
coordinator may act for a caregiver (one who phones in): ``caregiver_id=None`` means that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.bookings.times import local
from coop.caregivers.models import CaregiverProfile
from coop.caregivers.service import get_caregiver
from coop.cooperatives.models import Cooperative, Site
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members.models import Membership
from coop.outbox.service import in_language, notify
from coop.rosters.models import Roster, RosterAssignment, RosterShift, ShiftSwap
from coop.rosters.service import violations

MAX_REASON = 300


@dataclass(frozen=True)
class Held:
    """An assignment of a roster with its shift, site and roster."""

    assignment: RosterAssignment
    shift: RosterShift
    site: Site
    roster: Roster


def _held(session: Session, *, coop_id: int, assignment_id: int) -> Held:
    row = session.exec(select(RosterAssignment, RosterShift, Site, Roster)
                       .join(RosterShift, col(RosterShift.id) == RosterAssignment.shift_id)
                       .join(Site, col(Site.id) == RosterShift.site_id)
                       .join(Roster, col(Roster.id) == RosterAssignment.roster_id)
                       .where(RosterAssignment.id == assignment_id, Roster.coop_id == coop_id)).first()
    if row is None:
        raise NotFound(_l("This shift does not exist."))
    return Held(*row)


def own_future_shift(session: Session, *, coop_id: int, assignment_id: int, caregiver_id: int | None,
                     now: datetime) -> Held:
    """A published, not yet started shift of the caregiver (of anyone, for a coordinator)."""
    held = _held(session, coop_id=coop_id, assignment_id=assignment_id)
    if caregiver_id is not None and held.assignment.caregiver_id != caregiver_id:
        raise NotFound(_l("This shift does not exist."))
    if held.roster.status != "published" or held.assignment.attendance is not None:
        raise Conflict(_l("This shift is no longer in the published roster."), code="shift_not_published")
    if held.shift.start_at <= now:
        raise Conflict(_l("This shift has already started."), code="shift_started")
    return held


def describe(held: Held, timezone: str) -> str:
    """"Tue 1 Dec, 07:00–15:00, Maison Haute" in the current language."""
    start, end = local(held.shift.start_at, timezone), local(held.shift.end_at, timezone)
    return f"{format_date(start.date(), 'EEE d MMM')}, {start:%H:%M}–{end:%H:%M}, {held.site.name}"


def tell(session: Session, *, coop: Cooperative, person_ids: Iterable[int], topic: str, held: Held,
          subject: Callable[[], str], body: Callable[[str], str], link: str) -> None:
    """One notice per person, each written in that person's language."""
    for person_id in sorted(set(person_ids)):
        person = session.get(Person, person_id)
        if person is None:
            continue
        with in_language(person, coop):
            notify(session, coop_id=coop.id, person_id=person_id, topic=topic, subject=subject(),
                   body=body(describe(held, coop.timezone)), link=link)


def coordinator_ids(session: Session, *, coop_id: int) -> list[int]:
    """The people holding the coordinator role in the cooperative."""
    return list(session.exec(select(Membership.person_id).where(Membership.coop_id == coop_id,
                                                                Membership.role == "coordinator")).all())


def person_of(session: Session, caregiver_id: int | None) -> tuple[int | None, str]:
    profile = session.get(CaregiverProfile, caregiver_id) if caregiver_id else None
    person = session.get(Person, profile.person_id) if profile else None
    return (person.id, person.display_name) if person else (None, "")


def shifts_link(coop: Cooperative) -> str:
    return f"/c/{coop.slug}/shifts/"


def offer_swap(session: Session, *, coop_id: int, assignment_id: int, caregiver_id: int | None,
               to_caregiver_id: int | None, reason: str, actor_id: int, now: datetime) -> ShiftSwap:
    """Offer a published future shift to a named colleague, or to anyone qualified (None)."""
    held = own_future_shift(session, coop_id=coop_id, assignment_id=assignment_id, caregiver_id=caregiver_id,
                            now=now)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_l("Check the form."), fields={"reason": _l("Use at most %(n)d characters.",
                                                                           n=MAX_REASON)})
    if to_caregiver_id is not None:
        colleague = session.get(CaregiverProfile, to_caregiver_id)
        if colleague is None or colleague.coop_id != coop_id or colleague.id == held.assignment.caregiver_id:
            raise ValidationFailed(_l("Check the form."),
                                   fields={"to_caregiver_id": _l("Choose a colleague from the list.")})
    already = session.exec(select(ShiftSwap.id).where(ShiftSwap.assignment_id == assignment_id,
                                                      ShiftSwap.status == "open")).first()
    if already is not None:
        raise Conflict(_l("This shift is already offered. Withdraw that offer first."), code="already_offered")
    swap = ShiftSwap(coop_id=coop_id, assignment_id=assignment_id, from_caregiver_id=held.assignment.caregiver_id,
                     to_caregiver_id=to_caregiver_id, reason=reason, created_at=now)
    session.add(swap)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create", object_type="shift_swap", object_id=swap.id)
    coop = session.get(Cooperative, coop_id)
    giver = person_of(session, held.assignment.caregiver_id)[1]
    colleague_person = person_of(session, to_caregiver_id)[0]
    if colleague_person is not None:
        tell(session, coop=coop, person_ids=[colleague_person], topic="swap_offered", held=held,
             subject=lambda: _("A colleague offers you a shift"),
             body=lambda shift: _("%(name)s offers you their shift: %(shift)s. Accept or decline it on "
                                  "your shifts page.", name=giver, shift=shift), link=shifts_link(coop))
    tell(session, coop=coop, person_ids=coordinator_ids(session, coop_id=coop_id), topic="swap_offered", held=held,
         subject=lambda: _("A shift is offered for a swap"),
         body=lambda shift: _("%(name)s offers their shift %(shift)s to a colleague.", name=giver, shift=shift),
         link=f"/c/{coop.slug}/shifts/swaps")
    return swap


def _open_swap(session: Session, *, coop_id: int, swap_id: int) -> ShiftSwap:
    swap = session.get(ShiftSwap, swap_id)
    if swap is None or swap.coop_id != coop_id:
        raise NotFound(_l("This offer does not exist."))
    return swap


def _lock(session: Session, *, swap: ShiftSwap) -> tuple[ShiftSwap, Held]:
    """Lock the swap's roster, then read the swap and its assignment afresh (another request
    may have taken the offer while this one waited)."""
    assignment = session.get(RosterAssignment, swap.assignment_id)
    assert assignment is not None
    session.exec(select(Roster.id).where(Roster.id == assignment.roster_id).with_for_update()).one()
    fresh = session.exec(select(ShiftSwap).where(ShiftSwap.id == swap.id).with_for_update()
                         .execution_options(populate_existing=True)).one()
    held = _held(session, coop_id=swap.coop_id, assignment_id=swap.assignment_id)
    session.refresh(held.assignment)
    session.refresh(held.roster)
    return fresh, held


def _broken(session: Session, roster: Roster) -> dict[tuple[str, int | None, date | None], str]:
    """The roster's hard-rule violations as it now stands in the session, keyed by rule,
    caregiver and day, with the coordinator's wording."""
    return {(v.rule, v.caregiver_id, v.day): v.message for v in violations(session, roster)}


class _Refused(Exception):
    """Leaves the savepoint (undoing the trial swap) with the rules it would break."""

    def __init__(self, rules: list[str]) -> None:
        super().__init__(" ".join(rules))
        self.rules = rules


def _recipient(swap: ShiftSwap, caregiver_id: int | None, on_behalf: bool) -> int:
    """Who would take the offer: the named colleague (a coordinator may answer for them), or
    for an open offer the caregiver answering."""
    if swap.to_caregiver_id is not None and (on_behalf or swap.to_caregiver_id == caregiver_id):
        return swap.to_caregiver_id
    if swap.to_caregiver_id is None and caregiver_id is not None:
        return caregiver_id
    raise NotFound(_l("This offer does not exist."))


def accept_swap(session: Session, *, coop_id: int, swap_id: int, caregiver_id: int | None, actor_id: int,
                now: datetime, on_behalf: bool = False) -> ShiftSwap:
    """Take the offered shift (``on_behalf``: a coordinator answers for the named colleague).
    Refused, with nothing changed, when the offer is gone, is not for this caregiver, or a
    hard rule would break; the refusal names the rule."""
    swap, held = _lock(session, swap=_open_swap(session, coop_id=coop_id, swap_id=swap_id))
    caregiver_id = _recipient(swap, caregiver_id, on_behalf)
    if swap.status != "open":
        raise Conflict(_l("This offer was already taken or withdrawn."), code="swap_closed")
    if swap.from_caregiver_id == caregiver_id:
        raise Conflict(_l("This is your own offer."), code="own_offer")
    get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    own_future_shift(session, coop_id=coop_id, assignment_id=swap.assignment_id, caregiver_id=swap.from_caregiver_id,
                     now=now)
    taken = session.exec(select(RosterAssignment.id).where(RosterAssignment.shift_id == held.shift.id,
                                                           RosterAssignment.caregiver_id == caregiver_id)).first()
    if taken is not None:
        raise Conflict(_l("You already work this shift."), code="already_assigned")
    before = _broken(session, held.roster)
    try:
        with session.begin_nested():
            held.assignment.caregiver_id = caregiver_id
            session.add(held.assignment)
            session.flush()
            after = _broken(session, held.roster)
            new = [message for key, message in after.items() if key not in before]
            if new:
                raise _Refused(new)
    except _Refused as refusal:
        words = " ".join(refusal.rules)
        raise Conflict(_l("The swap was not made, because it would break a rule: %(rules)s", rules=words),
                       code="swap_breaks_rule", fields={"rules": words}) from None
    swap.status, swap.taken_by_id, swap.decided_at = "accepted", caregiver_id, now
    session.add(swap)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="roster_assignment",
           object_id=held.assignment.id)
    coop = session.get(Cooperative, coop_id)
    giver_person, giver = person_of(session, swap.from_caregiver_id)
    taker_person, taker = person_of(session, caregiver_id)
    if taker_person is not None and taker_person != actor_id:
        tell(session, coop=coop, person_ids=[taker_person], topic="swap_accepted", held=held,
             subject=lambda: _("A shift was given to you"),
             body=lambda shift: _("A coordinator accepted for you the shift %(shift)s of %(name)s: you now work it.",
                                  name=giver, shift=shift), link=shifts_link(coop))
    if giver_person is not None:
        tell(session, coop=coop, person_ids=[giver_person], topic="swap_accepted", held=held,
             subject=lambda: _("Your shift was taken over"),
             body=lambda shift: _("%(name)s takes over your shift %(shift)s. You no longer work it.",
                                  name=taker, shift=shift), link=shifts_link(coop))
    tell(session, coop=coop, person_ids=coordinator_ids(session, coop_id=coop_id), topic="swap_accepted", held=held,
         subject=lambda: _("A shift swap was made"),
         body=lambda shift: _("%(taker)s takes over the shift %(shift)s from %(giver)s.", taker=taker, giver=giver,
                              shift=shift), link=f"/c/{coop.slug}/shifts/swaps")
    return swap


def _close(session: Session, *, coop_id: int, swap_id: int, status: str, allowed: Callable[[ShiftSwap], bool],
           actor_id: int, now: datetime) -> tuple[ShiftSwap, Held]:
    swap = _open_swap(session, coop_id=coop_id, swap_id=swap_id)
    if not allowed(swap):
        raise NotFound(_l("This offer does not exist."))
    swap, held = _lock(session, swap=swap)
    if swap.status != "open":
        raise Conflict(_l("This offer was already taken or withdrawn."), code="swap_closed")
    swap.status, swap.decided_at = status, now
    session.add(swap)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="shift_swap", object_id=swap.id)
    return swap, held


def withdraw_offer(session: Session, *, coop_id: int, assignment_id: int, caregiver_id: int | None, actor_id: int,
                   now: datetime) -> ShiftSwap:
    """The caregiver who offered their shift (or a coordinator) takes the open offer back."""
    held = _held(session, coop_id=coop_id, assignment_id=assignment_id)
    if caregiver_id is not None and held.assignment.caregiver_id != caregiver_id:
        raise NotFound(_l("This shift does not exist."))
    swap_id = session.exec(select(ShiftSwap.id).where(ShiftSwap.assignment_id == assignment_id,
                                                      ShiftSwap.status == "open")).first()
    if swap_id is None:
        raise Conflict(_l("This offer was already taken or withdrawn."), code="swap_closed")
    swap, held = _close(session, coop_id=coop_id, swap_id=swap_id, status="withdrawn", actor_id=actor_id, now=now,
                        allowed=lambda s: caregiver_id is None or s.from_caregiver_id == caregiver_id)
    coop = session.get(Cooperative, coop_id)
    colleague = person_of(session, swap.to_caregiver_id)[0]
    giver = person_of(session, swap.from_caregiver_id)[1]
    tell(session, coop=coop, person_ids=[p for p in [colleague, *coordinator_ids(session, coop_id=coop_id)] if p],
         topic="swap_withdrawn", held=held, subject=lambda: _("A shift offer was withdrawn"),
         body=lambda shift: _("%(name)s no longer offers the shift %(shift)s.", name=giver, shift=shift),
         link=shifts_link(coop))
    return swap


def decline_swap(session: Session, *, coop_id: int, swap_id: int, caregiver_id: int | None, actor_id: int,
                 now: datetime, on_behalf: bool = False) -> ShiftSwap:
    """The named colleague (or a coordinator for them) says no; the shift stays with the
    caregiver who offered it. An open offer has nobody to decline it."""
    swap, held = _close(session, coop_id=coop_id, swap_id=swap_id, status="declined", actor_id=actor_id, now=now,
                        allowed=lambda s: s.to_caregiver_id is not None
                        and (on_behalf or s.to_caregiver_id == caregiver_id))
    coop = session.get(Cooperative, coop_id)
    giver_person = person_of(session, swap.from_caregiver_id)[0]
    colleague = person_of(session, swap.to_caregiver_id)[1]
    if giver_person is not None:
        tell(session, coop=coop, person_ids=[giver_person], topic="swap_declined", held=held,
             subject=lambda: _("Your shift offer was declined"),
             body=lambda shift: _("%(name)s cannot take your shift %(shift)s. It is still yours.",
                                  name=colleague, shift=shift), link=shifts_link(coop))
    return swap


@dataclass(frozen=True)
class SwapRow:
    """A swap as the pages show it."""

    swap: ShiftSwap
    held: Held
    from_name: str
    to_name: str
    taken_name: str


def swap_rows(session: Session, *, coop_id: int, swaps: Sequence[ShiftSwap]) -> list[SwapRow]:
    """Swaps with their shift and the names of the caregivers involved."""
    names: dict[int | None, str] = dict(session.exec(
        select(CaregiverProfile.id, Person.display_name).join(Person, col(Person.id) == CaregiverProfile.person_id)
        .where(CaregiverProfile.coop_id == coop_id)).all())
    return [SwapRow(s, _held(session, coop_id=coop_id, assignment_id=s.assignment_id),
                    names.get(s.from_caregiver_id, ""), names.get(s.to_caregiver_id, ""), names.get(s.taken_by_id, ""))
            for s in swaps]


def all_swaps(session: Session, *, coop_id: int, limit: int = 200) -> list[SwapRow]:
    """Every swap of the cooperative, newest first: the coordinator's view."""
    swaps = session.exec(select(ShiftSwap).where(ShiftSwap.coop_id == coop_id)
                         .order_by(col(ShiftSwap.id).desc()).limit(limit)).all()
    return swap_rows(session, coop_id=coop_id, swaps=swaps)


def open_offers(session: Session, *, coop_id: int, caregiver_id: int, now: datetime) -> tuple[list[SwapRow],
                                                                                            list[SwapRow]]:
    """(open offers of this caregiver's shifts, open offers this caregiver may take) for
    shifts not yet started."""
    swaps = session.exec(select(ShiftSwap).where(ShiftSwap.coop_id == coop_id, ShiftSwap.status == "open")
                         .order_by(col(ShiftSwap.id))).all()
    rows = [r for r in swap_rows(session, coop_id=coop_id, swaps=swaps)
            if r.held.shift.start_at > now and r.held.roster.status == "published"]
    mine = [r for r in rows if r.swap.from_caregiver_id == caregiver_id]
    for_me = [r for r in rows if r.swap.from_caregiver_id != caregiver_id
              and r.swap.to_caregiver_id in (None, caregiver_id)]
    return mine, for_me

