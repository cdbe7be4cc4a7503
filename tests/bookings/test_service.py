"""The booking service: every invariant and every bad input refuses with its own code and
writes nothing; cancelling frees the place; a series is all-or-nothing."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import select

from coop.bookings import errors, service
from coop.bookings.alternatives import propose
from coop.bookings.models import MAX_STAY_HOURS, Booking
from coop.bookings.rules import RulesInput, save_rules
from coop.bookings.times import local
from coop.cooperatives.service import save_site
from coop.errors import DomainError, NotFound, ValidationFailed
from tests.bookings.conftest import NOW, TZ, at, book

TUESDAY = date(2026, 12, 1)


def count(db) -> int:
    db.rollback()
    return len(db.exec(select(Booking)).all())


def refused(db, world, code: str, *args, **kw) -> DomainError:
    before = count(db)
    with pytest.raises(DomainError) as caught:
        book(db, world, *args, **kw)
    db.rollback()
    assert caught.value.code == code
    assert count(db) == before
    return caught.value


def test_a_day_booking_is_stored_in_utc_and_not_overnight(db, world):
    booking = book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "17:00"))
    assert booking.start_at.isoformat() == "2026-12-01T07:00:00+00:00"
    assert not booking.is_overnight and not booking.is_late
    assert booking.created_by_id == world.coordinator.id
    assert booking.household_id == world.household.id


def test_capacity_holds_at_every_instant(db, make, world):
    other = make.child(world.household)
    third = make.child(world.household)
    book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    book(db, world, at(TUESDAY, "11:00"), at(TUESDAY, "15:00"), child=other)
    error = refused(db, world, "capacity_full", at(TUESDAY, "11:30"), at(TUESDAY, "11:45"), child=third)
    assert error.status == 409
    # Back to back is fine: [08:00, 12:00) and [12:00, 13:00) never meet.
    assert book(db, world, at(TUESDAY, "12:00"), at(TUESDAY, "13:00"), child=third).id


def test_overnight_needs_a_bed(db, make, world):
    other = make.child(world.household)
    first = book(db, world, at(TUESDAY, "18:00"), at(TUESDAY + timedelta(days=1), "08:00"))
    assert first.is_overnight
    refused(db, world, "no_bed", at(TUESDAY, "20:00"), at(TUESDAY + timedelta(days=1), "07:00"), child=other)
    # An evening stay ending at midnight needs no bed.
    assert not book(db, world, at(TUESDAY, "18:00"), at(TUESDAY + timedelta(days=1), "00:00"), child=other).is_overnight


def test_a_child_is_never_booked_twice_even_at_another_site(db, make, world):
    elsewhere = make.site(world.coop, capacity=5, beds=2)
    book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    refused(db, world, "child_already_booked", at(TUESDAY, "11:00"), at(TUESDAY, "13:00"), site=elsewhere)


def allow_longest_stays(db, world) -> int:
    """Set the cooperative's longest booking to the cap; returns it in hours."""
    longest = MAX_STAY_HOURS
    save_rules(db, coop_id=world.coop.id, data=RulesInput(max_hours=longest, max_days_ahead=90, min_notice_minutes=0,
                                                           deadline_weekday=3, deadline_minute=18 * 60))
    db.commit()
    return longest


def test_the_longest_stay_allowed_counts_until_its_last_minute(db, make, world):
    # Occupancy looks back only as far as the longest stay allowed: one that long, booked
    # three days ago, still holds the bed and the child in its last minute, and no longer after.
    longest = allow_longest_stays(db, world)
    start = at(TUESDAY, "08:00")
    end = start + timedelta(hours=longest)
    assert book(db, world, start, end).is_overnight
    last_minute = end - timedelta(minutes=1)
    refused(db, world, "child_already_booked", last_minute, end + timedelta(hours=1))
    other = make.child(world.household)
    refused(db, world, "no_bed", last_minute - timedelta(hours=10), last_minute, child=other)
    assert book(db, world, end, end + timedelta(hours=1)).id
    assert book(db, world, end, end + timedelta(hours=24), child=other).is_overnight
    with pytest.raises(ValidationFailed):
        save_rules(db, coop_id=world.coop.id, data=RulesInput(max_hours=longest + 1, max_days_ahead=90,
                                                               min_notice_minutes=0, deadline_weekday=3,
                                                               deadline_minute=18 * 60))


def test_a_stay_seconds_past_the_cap_counts_until_its_end(db, world):
    # Rules compare whole minutes, so 72 h and 30 s passes as 72 h; its last seconds still count.
    longest = allow_longest_stays(db, world)
    end = at(TUESDAY, "08:00") + timedelta(hours=longest, seconds=30)
    book(db, world, end - timedelta(hours=longest, seconds=30), end)
    refused(db, world, "child_already_booked", end - timedelta(seconds=10), end + timedelta(hours=1))


def test_opening_hours_are_respected(db, make, world):
    site = make.site(world.coop)
    hours = dict.fromkeys(range(5), (7 * 60, 19 * 60))
    site = save_site(db, coop_id=world.coop.id, site_id=site.id, name=site.name, address=site.address, capacity=5,
                     beds=0, is_always_open=False, hours=hours)
    db.commit()
    refused(db, world, "outside_opening_hours", at(TUESDAY, "06:00"), at(TUESDAY, "09:00"), site=site)
    refused(db, world, "outside_opening_hours", at(date(2026, 12, 5), "09:00"), at(date(2026, 12, 5), "10:00"),
            site=site)
    assert book(db, world, at(TUESDAY, "07:00"), at(TUESDAY, "19:00"), site=site).id


@pytest.mark.parametrize(("start", "end", "code"), [
    (at(TUESDAY, "10:00"), at(TUESDAY, "09:00"), "end_before_start"),
    (at(TUESDAY, "10:00"), at(TUESDAY, "10:00"), "end_before_start"),
    (NOW - timedelta(hours=1), NOW + timedelta(hours=2), "in_past"),
    (NOW + timedelta(minutes=10), NOW + timedelta(hours=2), "too_late"),
    (NOW + timedelta(days=91), NOW + timedelta(days=91, hours=2), "too_far_ahead"),
    (at(TUESDAY, "08:00"), at(TUESDAY + timedelta(days=1), "09:00"), "too_long"),
])
def test_rules_refuse_with_their_code_and_name_a_field(db, world, start, end, code):
    error = refused(db, world, code, start, end)
    assert isinstance(error, ValidationFailed) and error.status == 422
    assert set(error.fields) <= {"start", "end"} and error.fields


def test_rules_are_per_cooperative(db, world):
    save_rules(db, coop_id=world.coop.id, data=RulesInput(max_hours=4, max_days_ahead=14, min_notice_minutes=0,
                                                           deadline_weekday=3, deadline_minute=18 * 60))
    db.commit()
    refused(db, world, "too_long", at(TUESDAY, "08:00"), at(TUESDAY, "12:30"))
    later = TUESDAY + timedelta(days=7)
    refused(db, world, "too_far_ahead", at(later, "08:00"), at(later, "09:00"))
    assert book(db, world, NOW + timedelta(minutes=1), NOW + timedelta(hours=1)).id


def test_another_households_child_and_another_coops_site_are_not_found(db, make, world):
    stranger = make.child(make.household(world.coop))
    foreign_site = make.site(make.coop())
    with pytest.raises(NotFound):
        book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "09:00"), child=stranger,
             household_ids={world.household.id})
    db.rollback()
    with pytest.raises(NotFound):
        book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "09:00"), site=foreign_site)
    db.rollback()
    assert count(db) == 0


def test_cancelling_frees_the_place_and_keeps_the_row(db, make, world):
    others = [make.child(world.household) for _ in range(2)]
    first = book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"), child=others[0])
    refused(db, world, "capacity_full", at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), child=others[1])
    service.cancel(db, coop_id=world.coop.id, booking_id=first.id, actor_id=world.parent.id,
                   household_ids={world.household.id}, now=NOW)
    db.commit()
    assert book(db, world, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), child=others[1]).id
    with pytest.raises(DomainError) as again:
        service.cancel(db, coop_id=world.coop.id, booking_id=first.id, actor_id=None, household_ids=None, now=NOW)
    assert again.value.code == "already_cancelled"
    db.rollback()
    assert count(db) == 3


def test_a_parent_cannot_cancel_another_households_booking(db, make, world):
    booking = book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    with pytest.raises(NotFound):
        service.cancel(db, coop_id=world.coop.id, booking_id=booking.id, actor_id=None,
                       household_ids={make.household(world.coop).id}, now=NOW)


def series(db, world, weeks: int, **kw):
    result = service.book_series(db, coop_id=world.coop.id, timezone=TZ, child_id=world.child.id,
                                 site_id=world.site.id, start_at=at(TUESDAY, "18:00"),
                                 end_at=at(TUESDAY + timedelta(days=1), "08:00"), weeks=weeks,
                                 actor_id=world.parent.id, household_ids={world.household.id}, now=NOW)
    db.commit()
    return result


def test_a_series_books_every_week_at_the_same_local_time(db, world):
    stays = series(db, world, 6)
    assert len({stay.series_id for stay in stays}) == 1
    assert local(stays[-1].start_at, TZ).date() == TUESDAY + timedelta(weeks=5)
    assert all(stay.is_overnight for stay in stays)


def test_a_series_is_all_or_nothing_and_names_the_full_dates(db, make, world):
    other = make.child(world.household)
    night = TUESDAY + timedelta(weeks=2)
    book(db, world, at(night, "19:00"), at(night + timedelta(days=1), "07:00"), child=other)
    with pytest.raises(errors.SeriesRefused) as caught:
        series(db, world, 4)
    db.rollback()
    assert caught.value.refusals == [{"date": night.isoformat(), "code": "no_bed",
                                      "message": "No bed is free for this night."}]
    assert count(db) == 1


@pytest.mark.parametrize("weeks", [0, -1, 27, 10_000])
def test_a_series_must_end(db, world, weeks):
    with pytest.raises(ValidationFailed) as caught:
        series(db, world, weeks)
    assert caught.value.fields.keys() == {"weeks"}


def test_a_full_site_proposes_nearby_times_and_other_sites(db, make, world):
    spare = make.site(world.coop, name="Spare", capacity=3, beds=0)
    make.site(world.coop, name="Also full", capacity=0, beds=0)
    others = [make.child(world.household) for _ in range(2)]
    book(db, world, at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    book(db, world, at(TUESDAY, "10:00"), at(TUESDAY, "14:00"), child=others[0])
    found = propose(db, coop_id=world.coop.id, timezone=TZ, child_id=others[1].id, site_id=world.site.id,
                    start_at=at(TUESDAY, "11:00"), end_at=at(TUESDAY, "12:00"), now=NOW)
    assert found.same_site == [(at(TUESDAY, "12:00"), at(TUESDAY, "13:00")),
                               (at(TUESDAY, "12:30"), at(TUESDAY, "13:30")),
                               (at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))]
    assert [site.id for site in found.other_sites] == [spare.id]


def test_the_same_child_at_two_sites_at_once_is_booked_once(app, make, world):
    """Two sites, two transactions, one child: the child's row is locked too, so one waits and
    then sees the other's booking."""
    sites = [world.site, make.site(world.coop)]
    outcomes: list[str] = []

    def attempt(site, day, barrier: threading.Barrier) -> None:
        session = app.extensions["coop.db"].session()
        try:
            barrier.wait(timeout=10)
            book(session, world, at(day, "08:00"), at(day, "12:00"), site=site)
            outcomes.append("booked")
        except DomainError as exc:
            session.rollback()
            outcomes.append(exc.code)
        finally:
            session.close()

    for n in range(5):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=attempt, args=(site, TUESDAY + timedelta(days=n), barrier))
                   for site in sites]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(outcomes) == ["booked"] * 5 + ["child_already_booked"] * 5
