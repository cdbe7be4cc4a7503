"""What each role sees first: counts for coordinators, the family for parents, the
caregiver's profile for staff and professionals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.cooperatives.models import Cooperative, Site
from coop.members.models import Child, Household, Membership
from coop.outbox.models import OutboxMessage


@dataclass
class HomeOverview:
    counts: dict[str, int] = field(default_factory=dict)
    households: list[Household] = field(default_factory=list)
    children: dict[int, list[Child]] = field(default_factory=dict)
    caregiver: CaregiverProfile | None = None
    sites: Sequence[Site] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def cooperatives_of(session: Session, *, person_id: int) -> Sequence[Cooperative]:
    stmt = (select(Cooperative).join(Membership, Membership.coop_id == Cooperative.id)
            .where(Membership.person_id == person_id).distinct().order_by(Cooperative.name))
    return session.exec(stmt).all()


def _count(session: Session, model: Any, coop_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(model.coop_id == coop_id)).one())


def home_overview(session: Session, *, coop_id: int, person_id: int, roles: set[str]) -> HomeOverview:
    """The data of the home page, limited to what the person's roles may see."""
    overview = HomeOverview(sites=session.exec(select(Site).where(Site.coop_id == coop_id).order_by(Site.name)).all())
    if "coordinator" in roles:
        overview.counts = {
            "households": _count(session, Household, coop_id),
            "single_parent": int(session.exec(select(func.count()).select_from(Household).where(
                Household.coop_id == coop_id, Household.is_single_parent.is_(True))).one()),
            "children": _count(session, Child, coop_id),
            "caregivers": _count(session, CaregiverProfile, coop_id),
            "sites": _count(session, Site, coop_id),
        }
    if "parent" in roles:
        household_ids = [m.household_id for m in session.exec(select(Membership).where(
            Membership.coop_id == coop_id, Membership.person_id == person_id, Membership.role == "parent")).all()
            if m.household_id]
        overview.households = list(session.exec(select(Household).where(Household.id.in_(household_ids))).all())
        for household in overview.households:
            overview.children[household.id] = list(session.exec(
                select(Child).where(Child.household_id == household.id).order_by(Child.birth_date)).all())
    if roles & {"staff", "professional", "parent"}:
        overview.caregiver = session.exec(select(CaregiverProfile).where(
            CaregiverProfile.coop_id == coop_id, CaregiverProfile.person_id == person_id)).first()
    return overview


@dataclass(frozen=True)
class MenuFacts:
    """What the menu of every page in a cooperative shows about the logged-in person."""

    has_shifts: bool
    unread_notices: int


# Built once, with named parameters (every page's menu reads it): building it costs more CPU
# than PostgreSQL takes to run it.
_MENU_FACTS = select(
    select(CaregiverProfile.id).where(CaregiverProfile.coop_id == bindparam("coop_id"),
                                      CaregiverProfile.person_id == bindparam("person_id")).exists(),
    select(func.count()).select_from(OutboxMessage)
    .where(OutboxMessage.person_id == bindparam("person_id"), OutboxMessage.coop_id == bindparam("coop_id"),
           col(OutboxMessage.read_at).is_(None)).scalar_subquery())


def menu_facts(session: Session, *, coop_id: int, person_id: int) -> MenuFacts:
    """Whether the person is a caregiver here and how many of their notices are unread, in one query."""
    has_shifts, count = session.execute(_MENU_FACTS, {"coop_id": coop_id, "person_id": person_id}).one()
    return MenuFacts(has_shifts=bool(has_shifts), unread_notices=int(count))


def set_person_language(session: Session, *, person_id: int, language: str) -> None:
    person = session.get(Person, person_id)
    person.language = language
    session.add(person)
    session.flush()


def database_ok(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
