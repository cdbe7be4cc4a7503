"""Erasing a household that left: its personal data is gone from every table, its parents
can no longer log in, while the ledgers' totals and every other household's statement stay
exactly as they were. Only coordinators may do it, after typing the household's name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from coop.auth.models import LoginSession, Person
from coop.auth.service import add_membership
from coop.bookings.models import Booking
from coop.caregivers.models import CaregiverProfile
from coop.cheques import service as cheques_service
from coop.cheques.allocation import pending_household_ids
from coop.cheques.models import ChequeDispute
from coop.clock import local_today
from coop.cooperatives.models import Site
from coop.credits import service as credits_service
from coop.credits.models import CreditEntry, CreditTransaction
from coop.credits.pledges import post_pledges_due
from coop.members.models import Child, Household, Membership, PickupPerson
from coop.models import metadata
from coop.outbox.models import OutboxMessage
from coop.outbox.service import notify
from coop.privacy.erasure import name_matches
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from coop.statements.documents import statement_lines, statements_csv
from coop.statements.service import monthly_rows
from tests.conftest import PASSWORD, Factory, login
from tests.rosters import published_rows
from tests.world import World, build_world, changed_tables, snapshot

MONTH = date(2026, 11, 1)


def _url(world: World, end: str = "/erase") -> str:
    family = world.rows["family"]
    return f"/c/{family['slug']}/households/{family['household_id']}/privacy{end}"


def _every_text(app: Flask) -> str:
    """Every row of every table as one text, to search for what must be gone."""
    with app.extensions["coop.db"].engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(select(table)))


def _ledgers(db: Session, coop_id: int) -> tuple:
    db.rollback()  # a fresh snapshot: the requests committed meanwhile
    return (credits_service.balances(db, coop_id=coop_id), cheques_service.balances(db, coop_id=coop_id),
            db.exec(select(func.count()).select_from(CreditTransaction)).one(),
            db.exec(select(func.count(), func.sum(CreditEntry.minutes))).one())


def _statements(app: Flask, db: Session, coop_id: int, household_id: int) -> tuple[str, dict[int, str], list]:
    """The cooperative's CSV and each household's rendered statement, except ``household_id``
    (whose figures are returned alone: its name is what an erasure changes)."""
    with app.test_request_context():
        rows = monthly_rows(db, coop_id=coop_id, month=MONTH)
        own = next(row.csv_values() for row in rows if row.household_id == household_id)
        return (statements_csv(rows), {row.household_id: repr((row.household_name, statement_lines(row)))
                                       for row in rows if row.household_id != household_id}, own)


def _coordinator(app: Flask, world: World) -> FlaskClient:
    return login(app.test_client(), world.people["coordinator"])


def test_erasure_removes_personal_data_and_keeps_the_ledgers_and_other_statements(
        app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make)
    family = world.rows["family"]
    coop_id = world.coop_a.id
    post_pledges_due(db, coop_id=coop_id, period=MONTH)
    credits_service.post_hours_worked(db, household_id=family["household_id"], minutes=240, night_minutes=60,
                                      key="erasure-work", on_date=date(2026, 11, 10))
    parent = world.people["parent"]
    coordinator_id = world.people["coordinator"].id
    for person_id in (coordinator_id, parent.id):
        notify(db, coop_id=coop_id, person_id=person_id, topic="swap", subject="Mia Parent offers a shift",
               body="Mia Parent (Marked family) offers Tuesday's shift. Mia Parentheses stay.")
    db.commit()
    parent_email = parent.email
    parent_client = login(app.test_client(), parent)
    child_name = db.get(Child, family["child_id"]).first_name
    household_id = family["household_id"]
    csv_before, others_before, own_before = _statements(app, db, coop_id, family["household_id"])
    ledgers_before = _ledgers(db, coop_id)
    assert world.marker_address in _every_text(app)

    coordinator = _coordinator(app, world)
    form = coordinator.get(_url(world))
    assert form.status_code == 200 and "confirm_name" in form.get_data(as_text=True)
    before = snapshot(app)
    refused = coordinator.post(_url(world), data={"confirm_name": "Neighbour family"})
    assert refused.status_code == 422
    assert "Tapez le nom du ménage exactement" in refused.get_data(as_text=True)  # the cooperative speaks French
    assert not changed_tables(before, snapshot(app))

    done = coordinator.post(_url(world), data={"confirm_name": "  marked   FAMILY "})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/c/{family['slug']}/households")

    everything = _every_text(app)
    for gone in (world.marker_address, world.marker_barred, "Marked family", child_name, "Mia Parent ",
                 parent_email):
        assert gone not in everything, gone
    db.rollback()  # a fresh snapshot: the requests committed meanwhile
    household = db.get(Household, family["household_id"])
    assert (household.name, household.address, household.phone) == (f"#{household.id}", "", "")
    child = db.get(Child, family["child_id"])
    assert (child.first_name, child.allergies, child.birth_date) == (f"#{child.id}", "", date(2022, 5, 1))
    assert db.exec(select(PickupPerson).where(PickupPerson.child_id == child.id)).all() == []
    assert db.get(ChequeDispute, family["dispute_id"]).reason == ""
    notice = db.exec(select(OutboxMessage).where(OutboxMessage.person_id == coordinator_id)).one()
    assert (notice.subject, notice.body) == (f"#{parent.id} offers a shift", f"#{parent.id} (#{household_id}) "
                                             "offers Tuesday's shift. Mia Parentheses stay.")
    assert db.exec(select(OutboxMessage).where(OutboxMessage.person_id == parent.id)).all() == []
    assert db.get(Booking, family["booking_id"]) is None  # next week's booking: the place is free again
    person = db.get(Person, parent.id)
    assert not person.is_active and person.password_hash is None and person.display_name == f"#{person.id}"
    assert db.exec(select(LoginSession).where(LoginSession.person_id == parent.id,
                                              LoginSession.revoked_at.is_(None))).all() == []
    assert db.exec(select(Membership).where(Membership.household_id == household.id)).all() == []

    assert _ledgers(db, coop_id) == ledgers_before
    csv_after, others_after, own_after = _statements(app, db, coop_id, family["household_id"])
    assert others_after == others_before
    assert csv_after == csv_before
    assert own_after == own_before

    assert parent_client.get(f"/c/{family['slug']}/households/{household.id}").status_code == 302  # to login
    assert app.test_client().post("/login", data={"email": parent_email, "password": PASSWORD}).status_code != 302
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "delete",
                                             AuditEntry.object_type == "household")).one()
    assert (entry.actor_id, entry.object_id) == (world.people["coordinator"].id, household.id)

    again = coordinator.post(_url(world), data={"confirm_name": household.name})
    assert again.status_code == 409
    assert db.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "delete",
                                                                      AuditEntry.object_type == "household")
                   ).one() == 1


def test_no_pledge_is_due_after_the_month_of_the_erasure(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    family = world.rows["family"]
    household = db.get(Household, family["household_id"])
    household.pledge_minutes = 240
    db.add(household)
    db.commit()
    assert _coordinator(app, world).post(_url(world), data={"confirm_name": "Marked family"}).status_code == 302
    today = local_today()
    this_month = today.replace(day=1)
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert post_pledges_due(db, coop_id=world.coop_a.id, period=this_month) == 1  # the month under way
    assert post_pledges_due(db, coop_id=world.coop_a.id, period=next_month) == 0
    db.commit()


def test_a_parent_with_another_role_keeps_the_account_but_leaves_the_household(
        app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    parent = world.people["parent"]
    add_membership(db, coop_id=world.coop_a.id, person_id=parent.id, role="staff")
    db.commit()
    assert _coordinator(app, world).post(_url(world), data={"confirm_name": "Marked family"}).status_code == 302
    db.rollback()  # a fresh snapshot: the requests committed meanwhile
    person = db.get(Person, parent.id)
    assert (person.display_name, person.email, person.is_active) == ("Mia Parent", parent.email, True)
    roles = db.exec(select(Membership.role, Membership.household_id).where(Membership.person_id == parent.id)).all()
    assert roles == [("staff", None)]
    profile = db.get(CaregiverProfile, world.rows["family"]["caregiver_id"])
    assert profile.household_id is None  # their future hours no longer count for the erased household
    login(app.test_client(), parent)


def test_only_a_coordinator_of_the_cooperative_may_erase(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make)
    parent, neighbour, coordinator_b = (login(app.test_client(), world.people[who])
                                        for who in ("parent", "neighbour", "coordinator_b"))
    before = snapshot(app)
    assert parent.get(_url(world)).status_code == 403
    assert parent.post(_url(world), data={"confirm_name": "Marked family"}).status_code == 403
    assert neighbour.post(_url(world), data={"confirm_name": "Marked family"}).status_code == 403
    assert coordinator_b.post(_url(world), data={"confirm_name": "Marked family"}).status_code == 404
    household_id = world.rows["family"]["household_id"]
    assert coordinator_b.post(f"/c/{world.coop_b.slug}/households/{household_id}/privacy/erase",
                              data={"confirm_name": "Marked family"}).status_code == 404
    assert not changed_tables(before, snapshot(app))


NAMES = st.text(alphabet="abcdeéèçàüöijklnoßABCÉÖ -'", min_size=1, max_size=30).filter(str.strip)


@given(name=NAMES, padding=st.sampled_from(["", " ", "  ", "\t"]), upper=st.booleans())
def test_the_confirmation_accepts_the_name_however_spaced_or_cased(name: str, padding: str, upper: bool) -> None:
    typed = padding + "  ".join(name.split()) + padding
    assert name_matches(typed.upper() if upper else typed, name)


@given(name=NAMES, extra=st.sampled_from(["x", "É", "1", "-"]), at_start=st.booleans())
def test_the_confirmation_refuses_a_longer_or_a_shorter_name(name: str, extra: str, at_start: bool) -> None:
    longer = extra + name if at_start else name + extra
    assert not name_matches(longer, name)
    assert not name_matches(name, longer)
    assert not name_matches("", name)


def test_a_household_that_left_gets_no_cheques_from_the_next_month(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    family = world.rows["family"]["household_id"]
    stays = make.household(world.coop_a).id
    db.commit()
    assert _coordinator(app, world).post(_url(world), data={"confirm_name": "Marked family"}).status_code == 302
    db.expire_all()
    today = local_today()
    assert db.get(Household, family).left_on == today
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert family in pending_household_ids(db, coop_id=world.coop_a.id, period=today.replace(day=1)) or today.day == 1
    assert family not in pending_household_ids(db, coop_id=world.coop_a.id, period=next_month)
    assert stays in pending_household_ids(db, coop_id=world.coop_a.id, period=next_month)


def test_the_erased_parents_future_shifts_are_released_for_a_repair_and_the_past_kept(
        app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    family = world.rows["family"]
    coop = world.coop_a
    site = db.get(Site, family["site_id"])
    parent_profile = db.exec(select(CaregiverProfile).where(
        CaregiverProfile.person_id == world.people["parent"].id)).one()
    other_profile, _ = published_rows.caregiver(make, coop)
    monday = published_rows.next_monday()
    published = published_rows.roster(db, coop, monday)
    draft = published_rows.roster(db, coop, monday + timedelta(days=7), status="draft")
    this_week = published_rows.roster(db, coop, monday - timedelta(days=7))
    past = published_rows.shift(db, this_week, site, datetime.now(UTC) - timedelta(days=1))
    future = published_rows.shift(db, published, site, published_rows.local_at(monday + timedelta(days=1), 7),
                                  required=2)
    drafted = published_rows.shift(db, draft, site, published_rows.local_at(monday + timedelta(days=8), 7))
    worked = published_rows.assign(db, past, parent_profile)
    released = published_rows.assign(db, future, parent_profile)
    colleague = published_rows.assign(db, future, other_profile)
    published_rows.assign(db, drafted, parent_profile)
    ids = {"worked": worked.id, "released": released.id, "colleague": colleague.id}
    # Every published shift of the parent that has not started (the world has some too).
    upcoming = db.exec(select(RosterAssignment.id, Roster.week_start)
                       .join(Roster, Roster.id == RosterAssignment.roster_id)
                       .join(RosterShift, RosterShift.id == RosterAssignment.shift_id)
                       .where(RosterAssignment.caregiver_id == parent_profile.id, Roster.status == "published",
                              RosterShift.start_at > datetime.now(UTC))).all()
    assert released.id in {i for i, _ in upcoming}

    coordinator = _coordinator(app, world)
    done = coordinator.post(_url(world), data={"confirm_name": "Marked family"}, follow_redirects=True)
    assert done.status_code == 200
    assert f"{len(upcoming)} services publiés des parents effacés ne sont plus couverts" in done.get_data(as_text=True)

    db.rollback()
    attendance = {name: db.get(RosterAssignment, i).attendance for name, i in ids.items()}
    assert attendance == {"worked": None, "released": "absent", "colleague": None}
    assert {db.get(RosterAssignment, i).attendance for i, _ in upcoming} == {"absent"}
    assert db.exec(select(RosterAssignment).where(RosterAssignment.roster_id == draft.id)).all() == []
    repairs = db.exec(select(SolveRun).where(SolveRun.coop_id == coop.id, SolveRun.kind == "repair")).all()
    assert sorted((run.week_start, run.kind, run.status) for run in repairs) == \
        sorted((week, "repair", "queued") for week in {week for _, week in upcoming})
