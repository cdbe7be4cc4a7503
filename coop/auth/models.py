"""Logins: people, their server-side sessions, login attempts, invitations and resets."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=5)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A server-side session: the cookie carries only its random token, so logging out
    (or changing the password) revokes it for good, even if the cookie is replayed."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A failed login, counted per account and per IP (stored hashed) across processes."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, index=True)
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
