"""Cooperatives and their sites: create, edit, list; every site query is scoped by coop."""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.cooperatives.models import Cooperative, Site, SiteHours
from coop.db import insert_unique
from coop.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coop.members.models import Membership
from coop.rosters.templates import seed_defaults

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
LANGUAGES = ("fr", "nl", "en")
MAX_CAPACITY = 500


def found_cooperative(session: Session, *, slug: str, name: str, language: str, founder_id: int) -> Cooperative:
    """A coordinator starts a new cooperative and becomes its first coordinator.

    Only people who already coordinate a cooperative may do this: new neighbourhoods are
    started by the federation's coordinators, not by any visitor with an account.
    """
    is_coordinator = session.exec(select(Membership).where(Membership.person_id == founder_id,
                                                           Membership.role == "coordinator")).first()
    if is_coordinator is None:
        raise Forbidden(_l("Only coordinators can start a new cooperative."), code="not_a_coordinator")
    coop = create_cooperative(session, slug=slug, name=name, language=language)
    session.add(Membership(coop_id=coop.id, person_id=founder_id, role="coordinator"))
    session.flush()
    return coop


def create_cooperative(session: Session, *, slug: str, name: str, language: str = "fr",
                       timezone: str = "Europe/Brussels") -> Cooperative:
    """A new cooperative (the tenant)."""
    errors = {}
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        errors["slug"] = _l("Use 1 to 40 lower-case letters, digits or dashes.")
    errors.update(_check_coop_fields(name=name, language=language, timezone=timezone))
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    if session.exec(select(Cooperative).where(Cooperative.slug == slug)).first():
        raise Conflict(_l("This short name is already taken."), code="slug_taken",
                       fields={"slug": _l("This short name is already taken.")})
    coop = Cooperative(slug=slug, name=name.strip(), language=language, timezone=timezone)
    session.add(coop)
    session.flush()
    return coop


def _check_coop_fields(*, name: str, language: str, timezone: str) -> dict:
    errors = {}
    if not (name or "").strip() or len(name.strip()) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    if language not in LANGUAGES:
        errors["language"] = _l("Choose a value from the list.")
    if timezone not in available_timezones():
        errors["timezone"] = _l("Choose a value from the list.")
    return errors


def update_cooperative(session: Session, *, coop: Cooperative, name: str, language: str, timezone: str) -> Cooperative:
    """Rename a cooperative or change its default language and time zone."""
    errors = _check_coop_fields(name=name, language=language, timezone=timezone)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    coop.name, coop.language, coop.timezone = name.strip(), language, timezone
    session.add(coop)
    session.flush()
    return coop


def list_sites(session: Session, *, coop_id: int) -> Sequence[Site]:
    """The sites of a cooperative, by name."""
    return session.exec(select(Site).where(Site.coop_id == coop_id).order_by(Site.name)).all()


def get_site(session: Session, *, coop_id: int, site_id: int) -> Site:
    """A site of this cooperative; another cooperative's site is simply not found."""
    site = session.get(Site, site_id)
    if site is None or site.coop_id != coop_id:
        raise NotFound(_l("This site does not exist."))
    return site


def site_hours(session: Session, *, site_id: int) -> dict[int, SiteHours]:
    """A site's opening hours by weekday (empty when it is open 24/7)."""
    rows = session.exec(select(SiteHours).where(SiteHours.site_id == site_id)).all()
    return {row.weekday: row for row in rows}


def _check_site(session: Session, *, coop_id: int, site_id: int | None, name: str, address: str, capacity: int,
                beds: int, is_always_open: bool, hours: dict[int, tuple[int, int]]) -> None:
    errors = {}
    if not (name or "").strip() or len(name.strip()) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    if not (address or "").strip() or len(address.strip()) > 300:
        errors["address"] = _l("Enter an address of 1 to 300 characters.")
    if not 0 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _l("Enter a number between %(lo)d and %(hi)d.", lo=0, hi=MAX_CAPACITY)
    if not 0 <= beds <= MAX_CAPACITY:
        errors["beds"] = _l("Enter a number between %(lo)d and %(hi)d.", lo=0, hi=MAX_CAPACITY)
    elif beds > capacity:
        errors["beds"] = _l("A site cannot have more beds than places.")
    for weekday, (opens, closes) in hours.items():
        if not (0 <= weekday <= 6 and 0 <= opens < closes <= 1440):
            errors[f"closes_{weekday}"] = _l("The closing time must come after the opening time.")
    if not is_always_open and not hours:
        errors["is_always_open"] = _l("Give opening hours for at least one day, or tick open 24/7.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    clash = session.exec(select(Site).where(Site.coop_id == coop_id, Site.name == name.strip())).first()
    if clash is not None and clash.id != site_id:
        raise ValidationFailed(_l("Check the form."), fields={"name": _l("Another site already has this name.")})


def save_site(session: Session, *, coop_id: int, site_id: int | None, name: str, address: str, capacity: int,
              beds: int, is_always_open: bool = True, hours: dict[int, tuple[int, int]] | None = None) -> Site:
    """Create (``site_id`` None) or update a site; ``hours`` maps weekday to (opens, closes)
    in minutes and is kept only when the site is not open 24/7."""
    hours = hours or {}
    _check_site(session, coop_id=coop_id, site_id=site_id, name=name, address=address, capacity=capacity,
                beds=beds, is_always_open=is_always_open, hours=hours)
    if site_id:
        site = get_site(session, coop_id=coop_id, site_id=site_id)
    else:
        site = Site(coop_id=coop_id, name="", address="", capacity=0)
    site.name, site.address, site.capacity, site.beds = name.strip(), address.strip(), capacity, beds
    site.is_always_open = is_always_open
    insert_unique(session, site, ValidationFailed(_l("Check the form."),
                                                  fields={"name": _l("Another site already has this name.")}))
    for row in site_hours(session, site_id=site.id).values():
        session.delete(row)
    session.flush()
    if not is_always_open:
        for weekday, (opens, closes) in sorted(hours.items()):
            session.add(SiteHours(site_id=site.id, weekday=weekday, opens_minute=opens, closes_minute=closes))
    session.flush()
    if not site_id:
        seed_defaults(session, site=site)
    return site
