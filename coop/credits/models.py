"""Contribution ledger tables: double-entry, append-only, in integer minutes.

A transaction (one reason, one idempotency key) holds entries that sum to zero: the
household's account against one of the cooperative's accounts. Rows are never updated or
deleted: an ORM guard refuses it everywhere, and on PostgreSQL a trigger refuses it too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DDL, CheckConstraint, UniqueConstraint, event
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow

KINDS = ("pledge_due", "work", "payment", "correction")
COOP_ACCOUNTS = {"pledge_due": "coop:pledge", "work": "coop:work", "payment": "coop:money",
                 "correction": "coop:correction"}


def household_account(household_id: int) -> str:
    return f"household:{household_id}"


class CreditSettings(SQLModel, table=True):
    """The cooperative's conversion rates and minimum pledge (one row per cooperative; defaults when absent)."""

    __tablename__ = "credit_settings"
    __table_args__ = (
        CheckConstraint("cents_per_hour > 0", name="ck_credit_settings_rate"),
        CheckConstraint("night_weight_permille >= 1000", name="ck_credit_settings_night"),
        CheckConstraint("minimum_pledge_minutes >= 0", name="ck_credit_settings_minimum"),
    )

    coop_id: int = Field(foreign_key="cooperative.id", primary_key=True)
    cents_per_hour: int = 1500
    night_weight_permille: int = 1500
    # Pledges are a free choice by means, with this minimum (hours plus euros converted at the rate).
    minimum_pledge_minutes: int = 0


class PledgeChange(SQLModel, table=True):
    """A household's pledge from ``effective_month`` on (history: never edited)."""

    __tablename__ = "pledge_change"
    __table_args__ = (
        CheckConstraint("minutes >= 0", name="ck_pledge_change_minutes"),
        CheckConstraint("cents >= 0", name="ck_pledge_change_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    effective_month: date
    minutes: int = 0
    cents: int = 0
    # The income band the household declared with this pledge (a PledgeScaleBand code; sensitive:
    # shown only to coordinators and the household). None: no band declared, the plain minimum applies.
    income_band: str | None = Field(default=None, max_length=10)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PledgeScaleBand(SQLModel, table=True):
    """One income band of the cooperative's sliding scale: the minimum monthly pledge is
    ``base_minutes`` plus ``per_child_minutes`` per child (counted up to ``CHILDREN_CAP``)."""

    __tablename__ = "pledge_scale_band"
    __table_args__ = (
        UniqueConstraint("coop_id", "code", name="uq_pledge_scale_band_code"),
        CheckConstraint("base_minutes >= 0", name="ck_pledge_scale_band_base"),
        CheckConstraint("per_child_minutes >= 0", name="ck_pledge_scale_band_per_child"),
        CheckConstraint("income_up_to_cents IS NULL OR income_up_to_cents > 0", name="ck_pledge_scale_band_income"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    position: int
    code: str = Field(max_length=10)
    label: str = Field(max_length=80)
    # The household's net monthly income up to which this band applies; None for the top band.
    income_up_to_cents: int | None = None
    base_minutes: int = 0
    per_child_minutes: int = 0


class CreditTransaction(SQLModel, table=True):
    """One posting: its reason (``kind``), idempotency ``key`` and the facts it came from."""

    __tablename__ = "credit_transaction"
    __table_args__ = (UniqueConstraint("coop_id", "key", name="uq_credit_transaction_key"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=120)
    on_date: date
    worked_minutes: int | None = None
    night_minutes: int | None = None
    cents: int | None = None
    reverses_id: int | None = Field(default=None, foreign_key="credit_transaction.id", unique=True)
    memo: str = Field(default="", max_length=300)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CreditEntry(SQLModel, table=True):
    """One side of a transaction: ``minutes`` (signed) on an ``account``."""

    __tablename__ = "credit_entry"

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="credit_transaction.id", index=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    account: str = Field(max_length=40, index=True)
    minutes: int


class AppendOnlyViolation(RuntimeError):
    """A programming error: ledger rows are never changed, only reversed."""


def _refuse(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise AppendOnlyViolation(f"{type(target).__name__} rows are append-only")


# No "%" in these statements: DDL() would take it for a substitution.
APPEND_ONLY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION coop_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'table ' || TG_TABLE_NAME || ' is append-only';
END;
$$ LANGUAGE plpgsql
"""


def append_only_trigger_sql(table: str) -> str:
    return (f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION coop_refuse_change()")


def make_append_only(model: type[SQLModel]) -> None:
    """Refuse updates and deletes of ``model`` in the ORM, and on PostgreSQL by a trigger
    (created with the table in tests; the migration creates the same trigger)."""
    event.listen(model, "before_update", _refuse)
    event.listen(model, "before_delete", _refuse)
    table = model.__table__  # type: ignore[attr-defined]
    event.listen(table, "after_create", DDL(APPEND_ONLY_FUNCTION_SQL).execute_if(dialect="postgresql"))
    event.listen(table, "after_create", DDL(append_only_trigger_sql(table.name)).execute_if(dialect="postgresql"))


make_append_only(CreditTransaction)
make_append_only(CreditEntry)
