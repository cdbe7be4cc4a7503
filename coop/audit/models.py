"""The audit log: who read or changed sensitive data, with ids only, never values."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int | None = Field(default=None, foreign_key="cooperative.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=20)
    object_type: str = Field(max_length=40)
    object_id: int | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
