"""Demand from bookings, computed by hand: ratios per age band at the busiest instant, the
night minimum, qualifications, clock changes; and properties of the rule (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coop.bookings.models import MAX_STAY_MINUTES, Booking
from coop.members.models import Child
from coop.rosters.demand import (
    Stay,
    add_months,
    age_band,
    caregivers_needed,
    shift_demand,
    week_demand,
)
from coop.rosters.models import RosterRules
from coop.rosters.rules import RulesInput, get_rules, save_rules
from coop.rosters.templates import ShiftInput, save_day_templates

TZ = ZoneInfo("Europe/Brussels")
W49 = date(2026, 11, 30)
BABY, TODDLER, SCHOOL = date(2026, 1, 10), date(2024, 6, 1), date(2021, 1, 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def book(db, child: Child, site, start_at: datetime, end_at: datetime, *, cancelled: bool = False) -> Booking:
    booking = Booking(coop_id=child.coop_id, site_id=site.id, child_id=child.id, household_id=child.household_id,
                      start_at=start_at, end_at=end_at, cancelled_at=start_at if cancelled else None)
    db.add(booking)
    db.commit()
    return booking


def children(make, coop, birth_date: date, n: int, **kw) -> list[Child]:
    household = make.household(coop)
    return [make.child(household, birth_date=birth_date, **kw) for _ in range(n)]


def find(demands, site, code: str, day: date):
    start = {"early": 7, "late": 15, "night": 23}[code]
    [demand] = [d for d in demands if d.site_id == site.id and d.code == code and d.start_at == local(day, start)]
    return demand


def test_mixed_ages_need_the_rounded_sum_of_shares_at_the_busiest_hour(db, make):
    coop = make.coop()
    site = make.site(coop)
    tuesday = W49 + timedelta(days=1)
    [baby] = children(make, coop, BABY, 1)
    for child in [baby]:
        book(db, child, site, local(tuesday, 8), local(tuesday, 12))
    for child in children(make, coop, TODDLER, 3):
        book(db, child, site, local(tuesday, 7), local(tuesday, 15))
    for child in children(make, coop, SCHOOL, 9):
        book(db, child, site, local(tuesday, 9), local(tuesday, 15))
    for child in children(make, coop, SCHOOL, 4):
        book(db, child, site, local(tuesday, 13), local(tuesday, 15))

    early = find(week_demand(db, coop=coop, week_start=W49), site, "early", tuesday)

    # 09:00-12:00: 1/4 + 3/7 + 9/8 = 1.80 -> 2; 13:00-15:00: 3/7 + 13/8 = 2.05 -> 3.
    assert early.required == 3
    assert early.derivation["busiest_at"] == local(tuesday, 13).isoformat()
    assert early.derivation["children"] == {"infants": 0, "toddlers": 3, "children": 13}
    assert early.derivation["ratio_share"] == [115, 56]
    assert early.derivation["ratio_share_text"] == "2.05"
    assert early.derivation["ratio_need"] == 3
    assert early.derivation["children_in_shift"] == 17
    # The baby left before the busiest hour, but was there: someone with infant care is needed.
    assert early.qualified == {"first_aid": 1, "infant_care": 1}
    assert early.derivation["qualifications"] == {"first_aid": "children_present", "infant_care": "infant_present"}
    assert early.min_professionals == 0 and not early.is_night


def test_the_longest_stay_from_the_week_before_still_counts_on_monday(db, make):
    coop = make.coop()
    site = make.site(coop)
    [child] = children(make, coop, SCHOOL, 1)
    monday_eight = local(W49, 8)
    book(db, child, site, monday_eight - timedelta(minutes=MAX_STAY_MINUTES), monday_eight)

    early = find(week_demand(db, coop=coop, week_start=W49), site, "early", W49)

    assert early.required == 1
    assert early.derivation["children_in_shift"] == 1


def test_one_baby_needs_one_caregiver_with_infant_care(db, make):
    coop = make.coop()
    site = make.site(coop)
    [baby] = children(make, coop, BABY, 1)
    book(db, baby, site, local(W49, 16), local(W49, 18))

    late = find(week_demand(db, coop=coop, week_start=W49), site, "late", W49)

    assert late.required == 1
    assert late.qualified == {"first_aid": 1, "infant_care": 1}
    assert late.derivation["children"] == {"infants": 1, "toddlers": 0, "children": 0}


def test_a_child_needing_inclusive_care_asks_for_that_qualification(db, make):
    coop = make.coop()
    site = make.site(coop)
    [child] = children(make, coop, SCHOOL, 1, needs_inclusive_care=True)
    [other] = children(make, coop, SCHOOL, 1)
    book(db, child, site, local(W49, 15), local(W49, 17))
    book(db, other, site, local(W49, 16), local(W49, 20))

    late = find(week_demand(db, coop=coop, week_start=W49), site, "late", W49)

    assert late.required == 1
    assert late.qualified == {"first_aid": 1, "inclusive_care": 1}
    assert late.derivation["qualifications"]["inclusive_care"] == "inclusive_present"


def test_a_night_with_one_child_needs_two_adults_a_night_certified_and_a_professional(db, make):
    coop = make.coop()
    site = make.site(coop)
    wednesday, thursday = W49 + timedelta(days=2), W49 + timedelta(days=3)
    [child] = children(make, coop, SCHOOL, 1)
    # One stay over three shifts: the evening, the night and the first hour of the morning.
    book(db, child, site, local(wednesday, 18), local(thursday, 8))

    demands = week_demand(db, coop=coop, week_start=W49)
    late, night, early = (find(demands, site, "late", wednesday), find(demands, site, "night", wednesday),
                          find(demands, site, "early", thursday))

    assert (night.start_at, night.end_at) == (local(wednesday, 23), local(thursday, 7))
    assert night.is_night and night.required == 2
    assert night.qualified == {"first_aid": 1, "night_certified": 1}
    assert night.min_professionals == 1
    assert night.derivation["ratio_need"] == 1 and night.derivation["night_min_adults"] == 2
    assert night.derivation["professionals"] == "night_shift"
    assert (late.required, late.min_professionals, late.qualified) == (1, 0, {"first_aid": 1})
    assert (early.required, early.derivation["busiest_at"]) == (1, local(thursday, 7).isoformat())


def test_a_shift_without_children_needs_nobody(db, make):
    coop = make.coop()
    site = make.site(coop)

    demands = week_demand(db, coop=coop, week_start=W49)

    assert len(demands) == 21
    night = find(demands, site, "night", W49)
    assert (night.required, night.qualified, night.min_professionals) == (0, {}, 0)
    assert night.derivation == {"children_in_shift": 0, "required": 0}


def test_cancelled_bookings_and_other_cooperatives_are_ignored(db, make):
    coop, other = make.coop(), make.coop()
    site, other_site = make.site(coop), make.site(other)
    for child in children(make, coop, SCHOOL, 8):
        book(db, child, site, local(W49, 8), local(W49, 12), cancelled=True)
    for child in children(make, other, SCHOOL, 8):
        book(db, child, other_site, local(W49, 8), local(W49, 12))

    demands = week_demand(db, coop=coop, week_start=W49)

    assert {d.site_id for d in demands} == {site.id}
    assert all(d.required == 0 for d in demands)
    assert find(week_demand(db, coop=other, week_start=W49), other_site, "early", W49).required == 1


def test_the_cooperatives_own_ratios_are_used(db, make):
    coop = make.coop()
    site = make.site(coop)
    for child in children(make, coop, SCHOOL, 8):
        book(db, child, site, local(W49, 8), local(W49, 12))
    assert find(week_demand(db, coop=coop, week_start=W49), site, "early", W49).required == 1

    data = RulesInput.of(get_rules(db, coop_id=coop.id))
    save_rules(db, coop_id=coop.id, data=RulesInput(**{**data.__dict__, "child_ratio": 3}), actor_id=None)
    db.commit()

    early = find(week_demand(db, coop=coop, week_start=W49), site, "early", W49)
    assert early.required == 3
    assert early.derivation["ratios"] == {"infants": 4, "toddlers": 7, "children": 3}


def test_autumn_clock_change_makes_a_nine_hour_night(db, make):
    coop = make.coop()
    site = make.site(coop)
    monday, saturday, sunday = date(2026, 10, 19), date(2026, 10, 24), date(2026, 10, 25)
    [child] = children(make, coop, SCHOOL, 1)
    book(db, child, site, utc("2026-10-24T21:00"), utc("2026-10-25T06:00"))

    demands = week_demand(db, coop=coop, week_start=monday)

    assert len(demands) == 21
    night = find(demands, site, "night", saturday)
    assert (night.start_at, night.end_at) == (utc("2026-10-24T21:00"), utc("2026-10-25T06:00"))
    assert night.end_at - night.start_at == timedelta(hours=9)
    assert night.required == 2
    friday_night = find(demands, site, "night", date(2026, 10, 23))
    assert (friday_night.start_at, friday_night.end_at) == (utc("2026-10-23T21:00"), utc("2026-10-24T05:00"))
    sunday_early = find(demands, site, "early", sunday)
    assert (sunday_early.start_at, sunday_early.end_at) == (utc("2026-10-25T06:00"), utc("2026-10-25T14:00"))
    sunday_night = find(demands, site, "night", sunday)
    assert sunday_night.end_at - sunday_night.start_at == timedelta(hours=8)


def test_spring_clock_change_makes_a_seven_hour_night(db, make):
    coop = make.coop()
    site = make.site(coop)
    monday, saturday, sunday = date(2027, 3, 22), date(2027, 3, 27), date(2027, 3, 28)
    [child] = children(make, coop, BABY, 1)
    book(db, child, site, utc("2027-03-28T03:00"), utc("2027-03-28T07:00"))

    demands = week_demand(db, coop=coop, week_start=monday)

    night = find(demands, site, "night", saturday)
    assert (night.start_at, night.end_at) == (utc("2027-03-27T22:00"), utc("2027-03-28T05:00"))
    assert night.end_at - night.start_at == timedelta(hours=7)
    assert night.required == 2
    assert night.qualified == {"first_aid": 1, "infant_care": 1, "night_certified": 1}
    early = find(demands, site, "early", sunday)
    assert (early.start_at, early.end_at) == (utc("2027-03-28T05:00"), utc("2027-03-28T13:00"))
    assert early.required == 1


def test_sites_with_opening_hours_only_have_shifts_on_open_days(db, make):
    coop = make.coop()
    site = make.site(coop, is_always_open=False, hours=dict.fromkeys(range(5), (7 * 60 + 30, 18 * 60)))

    demands = week_demand(db, coop=coop, week_start=W49)

    assert [(d.code, d.start_at.astimezone(TZ).weekday()) for d in demands] == [
        (code, day) for day in range(5) for code in ("early", "late")]
    assert {d.site_id for d in demands} == {site.id}


def test_age_bands_follow_the_birthday_on_the_local_day():
    born = date(2025, 8, 31)
    assert add_months(born, 18) == date(2027, 2, 28)
    assert age_band(born, date(2027, 2, 27)) == "infants"
    assert age_band(born, date(2027, 2, 28)) == "toddlers"
    assert age_band(born, date(2028, 8, 30)) == "toddlers"
    assert age_band(born, date(2028, 8, 31)) == "children"
    assert age_band(date(2014, 1, 1), date(2026, 12, 1)) == "children"


def test_a_baby_turning_eighteen_months_at_midnight_changes_the_need_within_the_night():
    rules = RosterRules(coop_id=1, infant_ratio=1, toddler_ratio=20, night_min_adults=1)
    born = date(2025, 6, 2)  # 18 months old on 2 December 2026
    babies = [Stay(start_at=local(date(2026, 12, 1), 22), end_at=local(date(2026, 12, 2), 8),
                    child=Child(id=i, coop_id=1, household_id=1, first_name="x", last_name="y", birth_date=born))
              for i in range(3)]

    night = shift_demand(site_id=1, code="night", start_at=local(date(2026, 12, 1), 23),
                         end_at=local(date(2026, 12, 2), 7), is_night=True, stays=babies, rules=rules,
                         timezone="Europe/Brussels")

    assert night.required == 3
    assert night.derivation["busiest_at"] == local(date(2026, 12, 1), 23).isoformat()
    assert night.qualified["infant_care"] == 1


SHIFT_START = local(W49, 7)
stays_strategy = st.lists(
    st.tuples(st.integers(-120, 470), st.integers(1, 600), st.sampled_from([BABY, TODDLER, SCHOOL]), st.booleans()),
    max_size=25)
rules_strategy = st.builds(lambda i, t, c, n: RosterRules(coop_id=1, infant_ratio=i, toddler_ratio=t, child_ratio=c,
                                                          night_min_adults=n),
                           st.integers(1, 20), st.integers(1, 20), st.integers(1, 30), st.integers(1, 10))


def _stays(raw) -> list[Stay]:
    return [Stay(start_at=SHIFT_START + timedelta(minutes=offset),
                  end_at=SHIFT_START + timedelta(minutes=offset + length),
                  child=Child(id=i, coop_id=1, household_id=1, first_name="x", last_name="y", birth_date=born,
                              needs_inclusive_care=inclusive))
            for i, (offset, length, born, inclusive) in enumerate(raw)]


def _demand(stays, rules, is_night):
    return shift_demand(site_id=1, code="s", start_at=SHIFT_START, end_at=SHIFT_START + timedelta(hours=8),
                        is_night=is_night, stays=stays, rules=rules, timezone="Europe/Brussels")


@settings(max_examples=60, deadline=None)
@given(raw=stays_strategy, rules=rules_strategy, is_night=st.booleans())
def test_required_is_the_largest_need_of_any_minute_of_the_shift(raw, rules, is_night):
    stays = _stays(raw)
    demand = _demand(stays, rules, is_night)
    today = SHIFT_START.astimezone(TZ).date()
    needs = []
    for minute in range(8 * 60):
        instant = SHIFT_START + timedelta(minutes=minute)
        counts = {"infants": 0, "toddlers": 0, "children": 0}
        for stay in stays:
            if stay.start_at <= instant < stay.end_at:
                counts[age_band(stay.child.birth_date, today)] += 1
        needs.append(caregivers_needed(counts, rules, is_night=is_night))
    assert demand.required == max(needs)
    assert (demand.required > 0) == bool(demand.qualified) == (demand.derivation["children_in_shift"] > 0)


@settings(max_examples=60, deadline=None)
@given(raw=stays_strategy, extra=st.tuples(st.integers(-120, 470), st.integers(1, 600),
                                           st.sampled_from([BABY, TODDLER, SCHOOL]), st.booleans()),
       rules=rules_strategy, is_night=st.booleans())
def test_adding_a_child_never_lowers_what_a_shift_needs(raw, extra, rules, is_night):
    before = _demand(_stays(raw), rules, is_night)
    after = _demand(_stays([*raw, extra]), rules, is_night)
    assert after.required >= before.required
    assert all(after.qualified.get(q, 0) >= n for q, n in before.qualified.items())
    assert after.min_professionals >= before.min_professionals


def test_the_demand_page_explains_each_number(db, make, login_as):
    coop = make.coop()
    site = make.site(coop, name="Maison Haute")
    wednesday, thursday = W49 + timedelta(days=2), W49 + timedelta(days=3)
    [child] = children(make, coop, SCHOOL, 1)
    [baby] = children(make, coop, BABY, 1)
    book(db, child, site, local(wednesday, 18), local(thursday, 8))
    book(db, baby, site, local(wednesday, 19), local(wednesday, 22))
    client = login_as(make.person(coop, "coordinator"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(f"/c/{coop.slug}/rosters/setup/demand", query_string={"week": "2026-W49"})

    assert page.status_code == 200
    text = page.text
    assert "Maison Haute" in text and "week 2026-W49" in text
    assert "Busiest moment: Wednesday 19:00" in text
    assert "1 ÷ 4 + 0 ÷ 7 + 1 ÷ 8 = 0.38," in text
    assert "0 ÷ 4 + 0 ÷ 7 + 1 ÷ 8 = 0.13," in text
    assert "Night: at least 2 adults whenever a child is there." in text
    assert "Infant care: a baby under 18 months is booked." in text
    assert "One professional (paid staff or flying professional): night shift with children." in text
    assert "2026-W48" in text and "2026-W50" in text


def test_a_wrong_week_is_named_in_french(db, make, login_as):
    coop = make.coop()
    make.site(coop)
    client = login_as(make.person(coop, "coordinator", language="fr"))

    page = client.get(f"/c/{coop.slug}/rosters/setup/demand", query_string={"week": "2026-W60"})

    assert page.status_code == 422
    assert "Indiquez une semaine comme 2026-W49." in page.text


def test_parents_may_not_see_the_demand(make, login_as):
    coop = make.coop()
    parent = make.person(coop, "parent", household=make.household(coop))
    assert login_as(parent).get(f"/c/{coop.slug}/rosters/setup/demand").status_code == 403


def test_a_shift_inside_the_skipped_spring_hour_does_not_happen(db, make):
    coop = make.coop()
    site = make.site(coop)
    sunday = date(2027, 3, 28)
    save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=6,
                       shifts=[ShiftInput("lost", 2 * 60, 60), ShiftInput("after", 2 * 60 + 30, 60)], actor_id=None)
    db.commit()

    demands = [d for d in week_demand(db, coop=coop, week_start=date(2027, 3, 22))
               if d.start_at.astimezone(TZ).date() == sunday]

    assert [(d.code, d.start_at, d.end_at) for d in demands] == [
        ("after", utc("2027-03-28T01:00"), utc("2027-03-28T01:30"))]
