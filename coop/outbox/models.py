"""Messages to people, kept whether or not they are mailed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """One notice to one person, already written in their language. `mailed_at` is set once a
    configured mail server accepted it; without a mail server it stays in the app only."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int | None = Field(default=None, foreign_key="cooperative.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    topic: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=4000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
