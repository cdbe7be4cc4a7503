"""Respite cheque tables. Lots, redemptions and movements are append-only: a lot's remainder
is its allocation plus its (negative) movements, so nothing is ever edited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow
from coop.credits.models import make_append_only

STANDARD_SERVICES = ("babysitting", "household_help", "wellbeing")
MOVEMENT_KINDS = ("redeem", "expire", "refund")
DISPUTE_STATUSES = ("open", "upheld", "rejected")


class ChequeScheme(SQLModel, table=True):
    """One cooperative's rules (defaults when none were saved)."""

    __tablename__ = "cheque_scheme"
    __table_args__ = (
        CheckConstraint("cheque_minutes > 0", name="ck_cheque_scheme_minutes"),
        CheckConstraint("validity_months BETWEEN 1 AND 60", name="ck_cheque_scheme_validity"),
        CheckConstraint("base_quota >= 0", name="ck_cheque_scheme_quota"),
        CheckConstraint("single_parent_percent >= 100", name="ck_cheque_scheme_single"),
        CheckConstraint("yearly_cap >= 0", name="ck_cheque_scheme_cap"),
        CheckConstraint("reimbursement_cents >= 0", name="ck_cheque_scheme_reimbursement"),
    )

    coop_id: int = Field(foreign_key="cooperative.id", primary_key=True)
    cheque_minutes: int = 60
    validity_months: int = 6
    base_quota: int = 4
    single_parent_percent: int = 200
    yearly_cap: int = 96
    reimbursement_cents: int = 2500


class ChequeService(SQLModel, table=True):
    """A service the scheme covers: a standard ``code`` (translated) or the cooperative's own."""

    __tablename__ = "cheque_service"
    __table_args__ = (UniqueConstraint("coop_id", "code", name="uq_cheque_service_code"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(default="", max_length=120)


class Provider(SQLModel, table=True):
    """A partner organisation whose users (role "provider") redeem cheques."""

    __tablename__ = "provider"
    __table_args__ = (UniqueConstraint("coop_id", "name", name="uq_provider_name"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    name: str = Field(max_length=120)


class ProviderService(SQLModel, table=True):
    __tablename__ = "provider_service"

    provider_id: int = Field(foreign_key="provider.id", primary_key=True, ondelete="CASCADE")
    service_id: int = Field(foreign_key="cheque_service.id", primary_key=True, ondelete="CASCADE")


class ProviderUser(SQLModel, table=True):
    __tablename__ = "provider_user"

    provider_id: int = Field(foreign_key="provider.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class ChequeCard(SQLModel, table=True):
    """The short code a parent shows a provider (no QR, no personal data in it)."""

    __tablename__ = "cheque_card"
    __table_args__ = (UniqueConstraint("coop_id", "code", name="uq_cheque_card_code"),)

    household_id: int = Field(foreign_key="household.id", primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    code: str = Field(max_length=12)


class ChequeLot(SQLModel, table=True):
    """One household's cheques for one month: created exactly once (unique household+period)."""

    __tablename__ = "cheque_lot"
    __table_args__ = (
        UniqueConstraint("household_id", "period", name="uq_cheque_lot_period"),
        CheckConstraint("allocated >= 0", name="ck_cheque_lot_allocated"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    period: date
    allocated: int
    is_single_parent: bool = False
    expires_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChequeRedemption(SQLModel, table=True):
    """A provider's record that a household used ``cheques`` for a service on a date."""

    __tablename__ = "cheque_redemption"
    __table_args__ = (
        UniqueConstraint("provider_id", "idempotency_key", name="uq_cheque_redemption_key"),
        CheckConstraint("cheques > 0", name="ck_cheque_redemption_cheques"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    service_id: int = Field(foreign_key="cheque_service.id")
    cheques: int
    used_on: date
    idempotency_key: str = Field(max_length=120)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChequeMovement(SQLModel, table=True):
    """Cheques taken from a lot (negative) by a redemption or by expiry, or given back to it
    (positive) when a dispute is upheld; ``key`` makes expiries and refunds happen once."""

    __tablename__ = "cheque_movement"
    __table_args__ = (CheckConstraint("cheques <> 0", name="ck_cheque_movement_cheques"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    lot_id: int = Field(foreign_key="cheque_lot.id", index=True)
    kind: str = Field(max_length=10)
    cheques: int
    on_date: date
    redemption_id: int | None = Field(default=None, foreign_key="cheque_redemption.id", index=True)
    key: str | None = Field(default=None, max_length=60, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChequeDispute(SQLModel, table=True):
    """A household contests a redemption (within 14 days); a coordinator upholds or rejects it."""

    __tablename__ = "cheque_dispute"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    redemption_id: int = Field(foreign_key="cheque_redemption.id", unique=True)
    reason: str = Field(max_length=500)
    status: str = Field(default="open", max_length=10)
    opened_by: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="person.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


for _model in (ChequeLot, ChequeRedemption, ChequeMovement):
    make_append_only(_model)
