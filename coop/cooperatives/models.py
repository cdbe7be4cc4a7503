"""Cooperatives (the tenant) and their care sites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow


class Cooperative(SQLModel, table=True):
    __tablename__ = "cooperative"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    timezone: str = Field(default="Europe/Brussels", max_length=64)
    language: str = Field(default="fr", max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Site(SQLModel, table=True):
    __tablename__ = "site"
    __table_args__ = (
        UniqueConstraint("coop_id", "name", name="uq_site_coop_name"),
        CheckConstraint("capacity >= 0", name="ck_site_capacity"),
        CheckConstraint("beds >= 0", name="ck_site_beds"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    name: str = Field(max_length=120)
    address: str = Field(max_length=300)
    capacity: int
    beds: int = 0
    is_always_open: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SiteHours(SQLModel, table=True):
    """Opening window of a site on one weekday (0 = Monday), in minutes from midnight.

    Only used when the site is not open 24/7; a weekday without a row is closed.
    """

    __tablename__ = "site_hours"
    __table_args__ = (
        UniqueConstraint("site_id", "weekday", name="uq_site_hours_day"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_site_hours_weekday"),
        CheckConstraint("opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
                        name="ck_site_hours_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True, ondelete="CASCADE")
    weekday: int
    opens_minute: int
    closes_minute: int
