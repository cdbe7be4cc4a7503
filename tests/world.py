"""A small two-cooperative world for the security tests (route access, permission matrix,
privacy, CSRF): real rows for every role, with the ids that fill every route parameter.

Cooperative A holds one person per role, a household with a protected address and a barred
pick-up person (the *markers*), a neighbouring household, caregivers with availability and a
site. Cooperative B mirrors the household side; every text of B carries ``b_token`` so a test
can prove that nobody from A ever sees it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlmodel import Session
from sqlmodel import select as select_model

from coop.auth.models import Person
from coop.auth.service import add_membership, create_person
from coop.bookings.models import Booking
from coop.bookings.times import to_utc
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.cheques.models import ChequeDispute, ChequeRedemption, ChequeService, Provider, ProviderUser
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative
from coop.credits.service import record_payment
from coop.governance.models import Proposal
from coop.members.models import Household, Membership, PickupPerson
from coop.models import metadata
from coop.rosters.models import Roster, RosterAssignment, RosterShift, ShiftSwap, SolveRun, monday_of
from coop.rosters.weeks import format_week
from tests.conftest import PASSWORD, Factory, login

ROLES = ("coordinator", "parent", "staff", "professional", "provider")
CAREGIVER_PARAMS = ("caregiver_id", "window_id", "exception_id", "published_assignment_id", "swap_id")
# Parameters naming rows that belong to one household or one caregiver: a parent or a
# caregiver may use only their own, a coordinator any of the cooperative's.
SCOPED_PARAMS = frozenset({"household_id", "child_id", "pickup_id", "booking_id", "transaction_id",
                           "redemption_id", "dispute_id", *CAREGIVER_PARAMS})

Ids = dict[str, Any]


@dataclass
class World:
    """The seeded rows. ``people`` holds one person per role of cooperative A, plus
    ``neighbour`` (parent of another household of A), ``coordinator_b`` and ``parent_b``."""

    coop_a: Cooperative
    coop_b: Cooperative
    people: dict[str, Person]
    rows: dict[str, Ids]
    marker_address: str
    marker_barred: str
    b_token: str

    @property
    def markers(self) -> tuple[str, str]:
        return self.marker_address, self.marker_barred

    def own(self, role: str) -> Ids:
        """Ids of rows of cooperative A that a person with ``role`` may use (caregiver routes:
        their own profile; household routes: the marked family, which is the parent's own)."""
        ids = dict(self.rows["family"])
        if role in ("staff", "professional"):
            ids.update({k: self.rows[role][k] for k in CAREGIVER_PARAMS})
        return ids

    def neighbours(self, role: str) -> Ids | None:
        """Ids in cooperative A of another household or caregiver than the role's own; None
        for roles that are not limited to their own rows."""
        if role == "parent":
            return dict(self.rows["neighbour"])
        if role in ("staff", "professional"):
            other = "professional" if role == "staff" else "staff"
            return {**self.own(role), **{k: self.rows[other][k] for k in CAREGIVER_PARAMS}}
        return None

    @property
    def of_b(self) -> Ids:
        """Ids of cooperative B, reached through B's slug."""
        return dict(self.rows["b"])


def _person(session: Session, coop: Cooperative, role: str, name: str, email: str,
            household: Household | None = None) -> Person:
    person = create_person(session, email=email, display_name=name, password=PASSWORD)
    add_membership(session, coop_id=coop.id, person_id=person.id, role=role,
                   household_id=household.id if household else None)
    return person


def _caregiver(session: Session, coop: Cooperative, person: Person, kind: str,
               household: Household | None = None) -> Ids:
    """A caregiver profile with one weekly window and one dated exception."""
    profile = CaregiverProfile(coop_id=coop.id, person_id=person.id, kind=kind,
                               household_id=household.id if household else None, has_first_aid=True,
                               contract_minutes_per_week=20 * 60 if kind == "staff" else 0)
    session.add(profile)
    session.flush()
    window = AvailabilityWindow(caregiver_id=profile.id, weekday=1, start_minute=7 * 60, end_minute=15 * 60)
    away = AvailabilityException(caregiver_id=profile.id, start_date=date(2026, 12, 24),
                                 end_date=date(2026, 12, 26), note="away")
    session.add_all([window, away])
    session.flush()
    return {"caregiver_id": profile.id, "window_id": window.id, "exception_id": away.id}


def _family(make: Factory, coop: Cooperative, site_id: int, *, name: str, address: str, parent_name: str,
            email: str, pickup_name: str, is_protected: bool = False) -> tuple[Ids, Person]:
    """A household with its parent (also a volunteer caregiver), a child, a barred person, a
    booking next week and a payment in the contribution ledger."""
    session = make.session
    household = make.household(coop, name=name, address=address, has_protected_address=is_protected)
    parent = _person(session, coop, "parent", parent_name, email, household)
    child = make.child(household, first_name=f"{name} kid")
    barred = PickupPerson(child_id=child.id, name=pickup_name, relation="", is_barred=True)
    start = utcnow().replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=8)
    booking = Booking(coop_id=coop.id, site_id=site_id, child_id=child.id, household_id=household.id,
                      start_at=start, end_at=start + timedelta(hours=4), created_by_id=parent.id)
    session.add_all([barred, booking])
    session.flush()
    payment = record_payment(session, coop_id=coop.id, household_id=household.id, cents=2500, on_date=date(2026, 11, 2),
                             key=f"world-payment-{household.id}", actor_id=None)
    ids = {"slug": coop.slug, "household_id": household.id, "child_id": child.id, "pickup_id": barred.id,
           "booking_id": booking.id, "transaction_id": payment.id, "site_id": site_id, "person_id": parent.id,
           **_caregiver(session, coop, parent, "volunteer", household)}
    session.commit()
    return ids, parent


def _partner(session: Session, coop: Cooperative, name: str, user: Person | None = None) -> int:
    """A partner organisation redeeming cheques, with ``user`` as its login."""
    partner = Provider(coop_id=coop.id, name=name)
    session.add(partner)
    session.flush()
    if user is not None:
        session.add(ProviderUser(provider_id=partner.id, person_id=user.id))
        session.flush()
    return partner.id


def _redemptions(session: Session, coop: Cooperative, household_id: int, partner_id: int) -> Ids:
    """Two cheque redemptions of the household: one disputed (``dispute_id``), one not
    (``redemption_id``)."""
    service = ChequeService(coop_id=coop.id, code=f"care-{household_id}")
    session.add(service)
    session.flush()
    used = [ChequeRedemption(coop_id=coop.id, household_id=household_id, provider_id=partner_id,
                             service_id=service.id, cheques=1, used_on=date(2026, 11, day),
                             idempotency_key=f"world-{household_id}-{day}") for day in (3, 4)]
    session.add_all(used)
    session.flush()
    dispute = ChequeDispute(coop_id=coop.id, household_id=household_id, redemption_id=used[0].id,
                            reason="not used")
    session.add(dispute)
    session.flush()
    return {"redemption_id": used[1].id, "dispute_id": dispute.id}


def _draft_roster(session: Session, coop: Cooperative, site_id: int, caregiver_id: int) -> Ids:
    """Next week's draft roster (made by a finished solve run): one Tuesday 07:00-15:00 shift
    with the caregiver on it, inside their availability, so it may be published."""
    monday = monday_of(local_today()) + timedelta(days=7)
    roster = Roster(coop_id=coop.id, week_start=monday, solver_status="optimal", objective=0, bound=0)
    session.add(roster)
    session.flush()
    start = to_utc(monday + timedelta(days=1), 7 * 60, coop.timezone)
    shift = RosterShift(roster_id=roster.id, site_id=site_id, code="early", start_at=start,
                        end_at=start + timedelta(hours=8), required=1)
    session.add(shift)
    session.flush()
    assignment = RosterAssignment(roster_id=roster.id, shift_id=shift.id, caregiver_id=caregiver_id)
    run = SolveRun(coop_id=coop.id, week_start=monday, status="done", progress="done", roster_id=roster.id)
    session.add_all([assignment, run])
    session.flush()
    return {"week": format_week(monday), "roster_id": roster.id, "shift_id": shift.id, "assignment_id": assignment.id,
            "run_id": run.id}


def _published_week(session: Session, coop: Cooperative, site_id: int) -> tuple[RosterShift, RosterShift]:
    """This week's published roster: a shift spanning now (the handover's) and the next one."""
    roster = Roster(coop_id=coop.id, week_start=monday_of(local_today()), status="published",
                    published_at=utcnow())
    session.add(roster)
    session.flush()
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    shifts = tuple(RosterShift(roster_id=roster.id, site_id=site_id, code=code, start_at=start + timedelta(hours=hours),
                               end_at=start + timedelta(hours=hours + 8), required=1)
                   for code, hours in (("early", 0), ("late", 8)))
    session.add_all(shifts)
    session.flush()
    return shifts


def _on_shifts(session: Session, shifts: tuple[RosterShift, RosterShift], holder: Ids, offered_to: int | None) -> int:
    """The holder on both shifts (``published_assignment_id``: the later one, which they offer to
    ``offered_to``, None meaning anyone qualified); returns that offer's id."""
    now_on, later = (RosterAssignment(roster_id=s.roster_id, shift_id=s.id, caregiver_id=holder["caregiver_id"])
                     for s in shifts)
    session.add_all([now_on, later])
    session.flush()
    swap = ShiftSwap(coop_id=session.get(Roster, later.roster_id).coop_id, assignment_id=later.id,
                     from_caregiver_id=holder["caregiver_id"], to_caregiver_id=offered_to)
    session.add(swap)
    session.flush()
    holder["published_assignment_id"] = later.id
    return swap.id


def _published_ring(session: Session, coop: Cooperative, site_id: int, holders: list[Ids]) -> tuple[RosterShift, ...]:
    """Each holder offers their later shift to the next one (the last to the first), so every
    holder's ``swap_id`` is an offer made to them."""
    shifts = _published_week(session, coop, site_id)
    for i, holder in enumerate(holders):
        taker = holders[(i + 1) % len(holders)]
        taker["swap_id"] = _on_shifts(session, shifts, holder, taker["caregiver_id"])
    return shifts


def _proposal(session: Session, coop: Cooperative, author: Person) -> int:
    """An open vote of the cooperative (the decisions pages' ``proposal_id``)."""
    proposal = Proposal(coop_id=coop.id, title=f"Proposal of {coop.name}", text="Let us decide.",
                        author_id=author.id, closes_at=utcnow() + timedelta(days=30))
    session.add(proposal)
    session.flush()
    return proposal.id


def _membership_id(session: Session, coop: Cooperative, person: Person) -> int:
    return session.exec(select_model(Membership.id).where(Membership.coop_id == coop.id,
                                                          Membership.person_id == person.id)).one()


def build_world(make: Factory, prefix: str = "", *, with_others: bool = True) -> World:
    """Seed both cooperatives through the factory, the services and the models; ``prefix``
    keeps the slugs and e-mail addresses of several worlds in one database apart. Without
    ``with_others``, only A's people and marked family are made (no neighbour, B stays empty)."""
    token = uuid.uuid4().hex[:10]
    marker_address, marker_barred = f"MARKER-ADDRESS-{token}", f"MARKER-BARRED-{token}"
    b_token = f"bravo{token}"
    session = make.session
    # Rows, not the service: its time-zone check reads the tz database each time (slow).
    coop_a = Cooperative(slug=f"{prefix}alpha", name="Cooperative Alpha")
    coop_b = Cooperative(slug=f"{prefix}bravo", name=f"Cooperative {b_token}")
    session.add_all([coop_a, coop_b])
    session.flush()
    a_mail, b_mail = f"{prefix}alpha.example.be", f"{prefix}bravo.example.be"
    people: dict[str, Person] = {}
    rows: dict[str, Ids] = {}

    people["coordinator"] = _person(session, coop_a, "coordinator", "Ada Coordinator", f"ada@{a_mail}")
    rows["coordinator"] = _caregiver(session, coop_a, people["coordinator"], "staff")
    for role in ("staff", "professional"):
        people[role] = _person(session, coop_a, role, f"Sam {role.title()}", f"{role}@{a_mail}")
        rows[role] = _caregiver(session, coop_a, people[role], role)
    people["provider"] = _person(session, coop_a, "provider", "Pat Provider", f"provider@{a_mail}")
    session.commit()
    site_a = make.site(coop_a, name="Alpha house", address="Rue Haute 1, 1000 Bruxelles").id
    rows["family"], people["parent"] = _family(
        make, coop_a, site_a, name="Marked family", address=f"Rue Cachée 7 {marker_address}",
        parent_name="Mia Parent", email=f"parent@{a_mail}", pickup_name=marker_barred, is_protected=True)
    partner_a = _partner(session, coop_a, "Alpha babysitting", people["provider"])
    provider_membership = _membership_id(session, coop_a, people["provider"])
    rows["family"].update(_draft_roster(session, coop_a, site_a, rows["coordinator"]["caregiver_id"]))
    shifts_a = _published_ring(session, coop_a, site_a, [rows[k] for k in ("family", "coordinator", "staff",
                                                                         "professional")])
    rows["family"].update(membership_id=provider_membership, provider_id=partner_a,
                          proposal_id=_proposal(session, coop_a, people["coordinator"]),
                          **_redemptions(session, coop_a, rows["family"]["household_id"], partner_a))
    if not with_others:
        session.commit()
        return World(coop_a=coop_a, coop_b=coop_b, people=people, rows=rows, marker_address=marker_address,
                     marker_barred=marker_barred, b_token=b_token)
    rows["neighbour"], people["neighbour"] = _family(
        make, coop_a, site_a, name="Neighbour family", address="Rue Blaes 9, 1000 Bruxelles",
        parent_name="Nico Neighbour", email=f"neighbour@{a_mail}", pickup_name="Barred neighbour person")
    rows["neighbour"]["swap_id"] = _on_shifts(session, shifts_a, rows["neighbour"], rows["coordinator"]["caregiver_id"])
    rows["neighbour"].update(membership_id=provider_membership, provider_id=partner_a,
                             proposal_id=rows["family"]["proposal_id"],
                             **_redemptions(session, coop_a, rows["neighbour"]["household_id"], partner_a))

    people["coordinator_b"] = _person(session, coop_b, "coordinator", f"Coordinator {b_token}",
                                      f"coordinator@{b_mail}")
    site_b = make.site(coop_b, name=f"Site {b_token}", address=f"Rue {b_token} 1, 1030 Schaerbeek").id
    rows["b"], people["parent_b"] = _family(
        make, coop_b, site_b, name=f"Family {b_token}", address=f"Rue {b_token} 2, 1030 Schaerbeek",
        parent_name=f"Parent {b_token}", email=f"parent@{b_mail}", pickup_name=f"Barred {b_token}")
    partner_b = _partner(session, coop_b, f"Partner {b_token}")
    rows["b"].update(_draft_roster(session, coop_b, site_b, rows["b"]["caregiver_id"]))
    rows["b"]["swap_id"] = _on_shifts(session, _published_week(session, coop_b, site_b), rows["b"], None)
    rows["b"].update(membership_id=_membership_id(session, coop_b, people["parent_b"]), provider_id=partner_b,
                     proposal_id=_proposal(session, coop_b, people["parent_b"]),
                     **_redemptions(session, coop_b, rows["b"]["household_id"], partner_b))
    session.commit()
    return World(coop_a=coop_a, coop_b=coop_b, people=people, rows=rows, marker_address=marker_address,
                 marker_barred=marker_barred, b_token=b_token)


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal snapshots mean nothing changed."""
    with app.extensions["coop.db"].engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for table in metadata.sorted_tables}


def empty_tables(app: Flask) -> None:
    """Delete every row (as the conftest does after each test), for module-scoped worlds."""
    engine = app.extensions["coop.db"].engine
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


@dataclass
class Shared:
    """A world kept for a whole test module, with one logged-in client per person."""

    app: Flask
    world: World
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, who: str) -> FlaskClient:
        """The client of ``who`` (a key of ``world.people``), logged in on first use."""
        if who not in self.clients:
            self.clients[who] = login(self.app.test_client(), self.world.people[who])
        return self.clients[who]


@contextmanager
def module_world(app: Flask, prefix: str) -> Iterator[Shared]:
    """A world for tests that change nothing; every table is emptied afterwards. A module
    using it overrides the conftest's ``_empty_tables`` so the rows outlive each test."""
    session = app.extensions["coop.db"].session(write=False)
    try:
        yield Shared(app, build_world(Factory(session), prefix=prefix))
    finally:
        session.close()
        empty_tables(app)


def module_world_fixtures(prefix: str) -> tuple[Any, Any]:
    """The ``shared`` world of a test module and the ``_empty_tables`` override that keeps its
    rows (and those a test adds beside them) until the module's end. Assign both at module
    level: ``shared, _empty_tables = module_world_fixtures("perm")``."""

    @pytest.fixture(scope="module")
    def shared(app: Flask) -> Iterator[Shared]:
        with module_world(app, prefix) as world:
            yield world

    @pytest.fixture
    def _empty_tables(shared: Shared) -> Iterator[None]:
        yield

    return shared, _empty_tables
