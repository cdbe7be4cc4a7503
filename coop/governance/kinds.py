"""What the registry knows of one setting, shared by its modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel

from coop.cooperatives.models import Site

DRY_RUN = "governance.dry_run"


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def coop_row(session: Session, row: Any) -> tuple[int, int | None] | None:
    return row.coop_id, None


def site_row(session: Session, row: Any) -> tuple[int, int | None] | None:
    if isinstance(row, Site):
        return (row.coop_id, row.id) if row.id is not None else None
    site = session.get(Site, row.site_id)
    return (site.coop_id, site.id) if site is not None else None


@dataclass(frozen=True)
class Setting:
    """One changeable setting. ``target`` is the site for per-site settings, else None."""

    key: str
    label: Any
    fields: tuple[str, ...]
    read: Callable[[Session, int, int | None], Any]
    parse: Callable[[dict[str, str]], Any]
    form: Callable[[Any], dict[str, Any]]
    show: Callable[[Any], str]
    apply: Callable[[Session, int, int | None, Any], None]
    watches: tuple[type[SQLModel], ...]
    locate: Callable[[Session, Any], tuple[int, int | None] | None] = coop_row
    per_site: bool = False
