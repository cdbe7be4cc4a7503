"""Disputes: a household contests a redemption within 14 days of its recording; a
coordinator upholds it (the cheques go back to their lots by new, positive movements) or
rejects it. Cheques whose lot has expired meanwhile are not given back: they would have
expired anyway."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.cheques.models import ChequeDispute, ChequeLot, ChequeMovement, ChequeRedemption
from coop.clock import utcnow
from coop.errors import Conflict, NotFound, ValidationFailed

DISPUTE_WINDOW = timedelta(days=14)


def may_dispute(redemption: ChequeRedemption, *, today: date, timezone: str = "Europe/Brussels") -> bool:
    return today - redemption.created_at.astimezone(ZoneInfo(timezone)).date() <= DISPUTE_WINDOW


def open_dispute(session: Session, *, coop_id: int, household_id: int, redemption_id: int, reason: str,
                 actor_id: int | None, today: date) -> ChequeDispute:
    """Contest one of the household's redemptions (once, within 14 days of its recording)."""
    redemption = session.get(ChequeRedemption, redemption_id)
    if redemption is None or redemption.coop_id != coop_id or redemption.household_id != household_id:
        raise NotFound(_l("This redemption does not exist."))
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(_l("Check the form."),
                               fields={"reason": _l("Say in 1 to 500 characters what is wrong.")})
    if not may_dispute(redemption, today=today):
        raise Conflict(_l("A redemption can be disputed within 14 days only."), code="dispute_too_late")
    if session.exec(select(ChequeDispute).where(ChequeDispute.redemption_id == redemption_id)).first():
        raise Conflict(_l("This redemption is already disputed."), code="already_disputed")
    dispute = ChequeDispute(coop_id=coop_id, household_id=household_id, redemption_id=redemption_id, reason=reason,
                            opened_by=actor_id)
    session.add(dispute)
    session.flush()
    return dispute


def open_disputes(session: Session, *, coop_id: int) -> Sequence[ChequeDispute]:
    return session.exec(select(ChequeDispute).where(ChequeDispute.coop_id == coop_id, ChequeDispute.status == "open")
                        .order_by(col(ChequeDispute.id))).all()


def household_disputes(session: Session, *, household_id: int) -> dict[int, ChequeDispute]:
    """The household's disputes by redemption id."""
    return {d.redemption_id: d for d in session.exec(
        select(ChequeDispute).where(ChequeDispute.household_id == household_id)).all()}


def resolve_dispute(session: Session, *, coop_id: int, dispute_id: int, uphold: bool, actor_id: int | None,
                    today: date) -> int:
    """Uphold (give the cheques back) or reject an open dispute; returns the cheques given back."""
    dispute = session.exec(select(ChequeDispute).where(ChequeDispute.id == dispute_id).with_for_update()).first()
    if dispute is None or dispute.coop_id != coop_id:
        raise NotFound(_l("This dispute does not exist."))
    if dispute.status != "open":
        raise Conflict(_l("This dispute is already resolved."), code="already_resolved")
    returned = 0
    if uphold:
        session.exec(select(ChequeLot.id).where(ChequeLot.household_id == dispute.household_id)
                     .order_by(col(ChequeLot.id)).with_for_update()).all()
        taken = session.exec(select(ChequeMovement, ChequeLot).join(ChequeLot, ChequeLot.id == ChequeMovement.lot_id)
                             .where(ChequeMovement.redemption_id == dispute.redemption_id,
                                    ChequeMovement.kind == "redeem")).all()
        for movement, lot in taken:
            if lot.expires_on > today:
                session.add(ChequeMovement(coop_id=coop_id, household_id=dispute.household_id, lot_id=lot.id,
                                           kind="refund", cheques=-movement.cheques, on_date=today,
                                           redemption_id=dispute.redemption_id, key=f"refund:{movement.id}"))
                returned -= movement.cheques
    dispute.status = "upheld" if uphold else "rejected"
    dispute.resolved_by, dispute.resolved_at = actor_id, utcnow()
    session.add(dispute)
    session.flush()
    return returned
