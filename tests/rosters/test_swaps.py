"""Swaps of published shifts (named and open offers, refusals by the rules, withdrawal, the
race on an open offer) and "I can't make it", on published roster rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.caregivers.models import AvailabilityException, CaregiverProfile
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative, Site
from coop.errors import Conflict, NotFound
from coop.outbox.models import OutboxMessage
from coop.rosters import attendance, swaps
from coop.rosters.models import RosterAssignment, RosterShift, ShiftSwap, SolveRun
from tests.conftest import Factory
from tests.rosters.published_rows import assign, caregiver, local_at, next_monday, roster, shift
from tests.world import snapshot


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@dataclass
class Week:
    coop: Cooperative
    site: Site
    tuesday_early: RosterShift
    tuesday_late: RosterShift
    giver: CaregiverProfile
    colleague: CaregiverProfile
    third: CaregiverProfile
    given: RosterAssignment
    coordinator_id: int
    person_ids: dict[str, int]


@pytest.fixture
def week(make: Factory, db: Session) -> Week:
    """Next week's published roster: the giver works Tuesday early, the third colleague
    Tuesday late; the named colleague works nothing."""
    coop = make.coop()
    site = make.site(coop, name="Maison Haute")
    coordinator = make.person(coop, "coordinator")
    (giver, giver_person), (colleague, colleague_person), (third, third_person) = (
        caregiver(make, coop), caregiver(make, coop, "staff"), caregiver(make, coop, "staff"))
    tuesday = next_monday() + timedelta(days=1)
    published = roster(db, coop, next_monday())
    early = shift(db, published, site, local_at(tuesday, 7))
    late = shift(db, published, site, local_at(tuesday, 15), code="late")
    given = assign(db, early, giver)
    assign(db, late, third)
    return Week(coop, site, early, late, giver, colleague, third, given, coordinator.id,
                {"giver": giver_person.id, "colleague": colleague_person.id, "third": third_person.id})


def notices(db: Session, person_id: int) -> list[OutboxMessage]:
    db.rollback()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                        .order_by(col(OutboxMessage.id))).all())


def offer(db: Session, w: Week, to: CaregiverProfile | None) -> ShiftSwap:
    swap = swaps.offer_swap(db, coop_id=w.coop.id, assignment_id=w.given.id, caregiver_id=w.giver.id,
                            to_caregiver_id=to.id if to else None, reason="family visit",
                            actor_id=w.person_ids["giver"], now=utcnow())
    db.commit()
    return swap


def test_named_colleague_takes_the_shift_and_everyone_involved_is_told(db: Session, week: Week, ctx: None) -> None:
    swap = offer(db, week, week.colleague)
    assert [n.topic for n in notices(db, week.person_ids["colleague"])] == ["swap_offered"]
    assert [n.topic for n in notices(db, week.coordinator_id)] == ["swap_offered"]
    assert "Maison Haute" in notices(db, week.person_ids["colleague"])[0].body

    swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.colleague.id,
                      actor_id=week.person_ids["colleague"], now=utcnow())
    db.commit()
    db.refresh(week.given)
    db.refresh(swap)
    assert week.given.caregiver_id == week.colleague.id
    assert (swap.status, swap.taken_by_id) == ("accepted", week.colleague.id)
    assert [n.topic for n in notices(db, week.person_ids["giver"])] == ["swap_accepted"]
    assert [n.topic for n in notices(db, week.coordinator_id)] == ["swap_offered", "swap_accepted"]


def test_named_offer_is_not_for_anyone_else_but_a_coordinator_may_answer_for_them(db: Session, week: Week,
                                                                                 ctx: None) -> None:
    swap = offer(db, week, week.colleague)
    with pytest.raises(NotFound):
        swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.third.id,
                          actor_id=week.person_ids["third"], now=utcnow())
    swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=None, on_behalf=True,
                      actor_id=week.coordinator_id, now=utcnow())
    db.commit()
    db.refresh(week.given)
    assert week.given.caregiver_id == week.colleague.id
    assert [n.topic for n in notices(db, week.person_ids["colleague"])] == ["swap_offered", "swap_accepted"]


def test_open_offer_goes_to_whoever_qualified_accepts(db: Session, week: Week, ctx: None, make: Factory) -> None:
    swap = offer(db, week, None)
    mine, for_giver = swaps.open_offers(db, coop_id=week.coop.id, caregiver_id=week.giver.id, now=utcnow())
    assert [r.swap.id for r in mine] == [swap.id] and for_giver == []
    _, for_colleague = swaps.open_offers(db, coop_id=week.coop.id, caregiver_id=week.colleague.id, now=utcnow())
    assert [r.swap.id for r in for_colleague] == [swap.id]
    with pytest.raises(Conflict) as own:
        swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.giver.id,
                          actor_id=week.person_ids["giver"], now=utcnow())
    assert own.value.code == "own_offer"
    db.rollback()
    swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.colleague.id,
                      actor_id=week.person_ids["colleague"], now=utcnow())
    db.commit()
    db.refresh(week.given)
    assert week.given.caregiver_id == week.colleague.id


@pytest.mark.parametrize("taker", ["third", "unavailable"])
def test_swap_breaking_a_rule_is_refused_with_the_rule_and_changes_nothing(
        taker: str, db: Session, week: Week, ctx: None, make: Factory, app: Flask) -> None:
    """The third colleague already works Tuesday late (two shifts in one day, no rest); a
    colleague with no availability may not work at all."""
    profile = week.third if taker == "third" else caregiver(make, week.coop, "staff", is_available=False)[0]
    swap = offer(db, week, None)
    before = snapshot(app)
    with force_locale("en"), pytest.raises(Conflict) as refused:
        swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=profile.id,
                          actor_id=week.coordinator_id, now=utcnow())
    assert refused.value.code == "swap_breaks_rule"
    with force_locale("en"):
        words = str(refused.value.message)
    name = db.get(Person, profile.person_id).display_name
    assert words.startswith("The swap was not made, because it would break a rule:") and name in words, words
    assert ("two shifts" in words or "rest" in words) if taker == "third" else "not available" in words, words
    db.commit()
    assert snapshot(app) == before
    db.refresh(week.given)
    assert week.given.caregiver_id == week.giver.id


def test_withdrawn_offer_can_no_longer_be_taken(db: Session, week: Week, ctx: None) -> None:
    swap = offer(db, week, week.colleague)
    with pytest.raises(NotFound):
        swaps.withdraw_offer(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.colleague.id,
                             actor_id=week.person_ids["colleague"], now=utcnow())
    db.rollback()
    swaps.withdraw_offer(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.giver.id,
                         actor_id=week.person_ids["giver"], now=utcnow())
    db.commit()
    assert [n.topic for n in notices(db, week.person_ids["colleague"])] == ["swap_offered", "swap_withdrawn"]
    with pytest.raises(Conflict) as closed:
        swaps.accept_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.colleague.id,
                          actor_id=week.person_ids["colleague"], now=utcnow())
    assert closed.value.code == "swap_closed"
    db.rollback()
    db.refresh(week.given)
    assert week.given.caregiver_id == week.giver.id


def test_declined_offer_stays_with_the_giver(db: Session, week: Week, ctx: None) -> None:
    swap = offer(db, week, week.colleague)
    with pytest.raises(NotFound):
        swaps.decline_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.third.id,
                           actor_id=week.person_ids["third"], now=utcnow())
    swaps.decline_swap(db, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=week.colleague.id,
                       actor_id=week.person_ids["colleague"], now=utcnow())
    db.commit()
    db.refresh(swap)
    assert swap.status == "declined"
    assert [n.topic for n in notices(db, week.person_ids["giver"])] == ["swap_declined"]


def test_only_future_published_shifts_of_ones_own_can_be_offered(db: Session, week: Week, ctx: None) -> None:
    with pytest.raises(NotFound):
        swaps.offer_swap(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.third.id,
                         to_caregiver_id=None, reason="", actor_id=week.coordinator_id, now=utcnow())
    with pytest.raises(Conflict) as started:
        swaps.offer_swap(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.giver.id,
                         to_caregiver_id=None, reason="", actor_id=week.coordinator_id, now=week.tuesday_early.start_at)
    assert started.value.code == "shift_started"
    offer(db, week, None)
    with pytest.raises(Conflict) as twice:
        offer(db, week, week.colleague)
    assert twice.value.code == "already_offered"


def test_cannot_make_it_marks_the_shift_queues_a_repair_and_tells_coordinators(db: Session, week: Week,
                                                                                ctx: None) -> None:
    swap = offer(db, week, None)
    run = attendance.cancel_shift(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.giver.id,
                             actor_id=week.person_ids["giver"], now=utcnow())
    db.commit()
    db.refresh(week.given)
    db.refresh(swap)
    assert week.given.attendance == "absent" and swap.status == "withdrawn"
    queued = db.exec(select(SolveRun).where(SolveRun.coop_id == week.coop.id)).all()
    assert [(r.id, r.kind, r.status, r.week_start) for r in queued] == [(run.id, "repair", "queued", next_monday())]
    away = db.exec(select(AvailabilityException).where(AvailabilityException.caregiver_id == week.giver.id)).one()
    assert away.start_date == away.end_date == next_monday() + timedelta(days=1) and not away.is_available
    assert [n.topic for n in notices(db, week.coordinator_id)] == ["swap_offered", "shift_cancelled"]
    assert notices(db, week.person_ids["giver"]) == [], "they said it themselves"
    with pytest.raises(Conflict):
        attendance.cancel_shift(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=week.giver.id,
                           actor_id=week.person_ids["giver"], now=utcnow())


@pytest.mark.postgres_only
def test_two_colleagues_accepting_one_open_offer_one_wins(db: Session, week: Week, app: Flask) -> None:
    with app.app_context():
        swap = offer(db, week, None)
    database = app.extensions["coop.db"]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    actors = {week.colleague.id: week.person_ids["colleague"], week.third.id: week.person_ids["third"]}

    def take(profile_id: int) -> None:
        with app.app_context(), database.session() as session:
            barrier.wait(timeout=10)
            try:
                swaps.accept_swap(session, coop_id=week.coop.id, swap_id=swap.id, caregiver_id=profile_id,
                                  actor_id=actors[profile_id], now=utcnow())
                session.commit()
                outcomes[profile_id] = "accepted"
            except Conflict as exc:
                session.rollback()
                outcomes[profile_id] = exc.code
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes[profile_id] = repr(exc)

    # The third colleague is free on Tuesday once early and late are far apart: move late to Wednesday.
    week.tuesday_late.start_at += timedelta(days=1)
    week.tuesday_late.end_at += timedelta(days=1)
    db.add(week.tuesday_late)
    db.commit()
    threads = [threading.Thread(target=take, args=(p.id,)) for p in (week.colleague, week.third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["accepted", "swap_closed"], outcomes
    winner = next(p for p, outcome in outcomes.items() if outcome == "accepted")
    db.expire_all()
    assert db.get(RosterAssignment, week.given.id).caregiver_id == winner
    assert db.get(ShiftSwap, swap.id).taken_by_id == winner


def test_swap_pages_and_their_access(db: Session, week: Week, login_as, make: Factory) -> None:
    slug, people = week.coop.slug, {k: db.get(Person, v) for k, v in week.person_ids.items()}
    provider, outsider = make.person(week.coop, "provider"), make.person(make.coop(), "parent")
    parent_without_profile = make.person(week.coop, "parent", household=make.household(week.coop))
    giver, colleague, third = (login_as(people[k]) for k in ("giver", "colleague", "third"))
    offer_url = f"/c/{slug}/shifts/{week.given.id}/offer"
    assert giver.get(offer_url).status_code == 200
    assert third.get(offer_url).status_code == 404, "another caregiver's shift"
    assert login_as(provider).get(offer_url).status_code == 403
    assert login_as(outsider).get(offer_url).status_code == 404
    assert giver.post(offer_url, data={"to_caregiver_id": str(week.colleague.id), "reason": "x"}).status_code == 302
    db.rollback()
    swap = db.exec(select(ShiftSwap)).one()
    accept_url = f"/c/{slug}/shifts/swaps/{swap.id}/accept"
    assert third.post(accept_url).status_code == 404, "a named offer is not for anyone else"
    assert login_as(parent_without_profile).post(accept_url).status_code == 404
    assert third.get(f"/c/{slug}/shifts/swaps").status_code == 403
    assert colleague.post(accept_url).status_code == 302
    db.rollback()
    assert db.get(RosterAssignment, week.given.id).caregiver_id == week.colleague.id
    listing = login_as(db.get(Person, week.coordinator_id)).get(f"/c/{slug}/shifts/swaps").get_data(as_text=True)
    assert people["giver"].display_name in listing and people["colleague"].display_name in listing


def test_a_refused_swap_is_explained_on_the_page(db: Session, week: Week, login_as, app: Flask) -> None:
    with app.app_context():
        swap = offer(db, week, None)
    third = login_as(db.get(Person, week.person_ids["third"]))
    third.post("/language", data={"lang": "en"})
    answer = third.post(f"/c/{week.coop.slug}/shifts/swaps/{swap.id}/accept", follow_redirects=True)
    body = answer.get_data(as_text=True)
    assert "The swap was not made, because it would break a rule:" in body and "flash-error" in body
    db.rollback()
    assert db.get(RosterAssignment, week.given.id).caregiver_id == week.giver.id
    assert db.get(ShiftSwap, swap.id).status == "open"


def test_cannot_make_it_page_only_for_ones_own_shift(db: Session, week: Week, login_as) -> None:
    third, giver = (login_as(db.get(Person, week.person_ids[k])) for k in ("third", "giver"))
    url = f"/c/{week.coop.slug}/shifts/{week.given.id}/cancel"
    assert third.get(url).status_code == 404 and third.post(url).status_code == 404
    confirm = giver.get(url)  # a page asks first; looking at it changes nothing
    assert confirm.status_code == 200 and f'action="{url}"' in confirm.get_data(as_text=True)
    db.rollback()
    assert db.get(RosterAssignment, week.given.id).attendance is None
    assert giver.post(url).status_code == 302
    db.rollback()
    assert db.get(RosterAssignment, week.given.id).attendance == "absent"
    assert db.exec(select(SolveRun.kind).where(SolveRun.coop_id == week.coop.id)).all() == ["repair"]
    page = giver.get(f"/c/{week.coop.slug}/shifts/").get_data(as_text=True)
    assert f"/shifts/{week.given.id}/offer" not in page


def test_coordinator_may_say_a_caregiver_cannot_come_and_they_are_told(db: Session, week: Week, ctx: None) -> None:
    attendance.cancel_shift(db, coop_id=week.coop.id, assignment_id=week.given.id, caregiver_id=None,
                            actor_id=week.coordinator_id, now=utcnow())
    db.commit()
    assert [n.topic for n in notices(db, week.person_ids["giver"])] == ["shift_cancelled"]

