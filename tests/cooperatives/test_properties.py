"""Property tests: no text a user can type makes a parser raise anything but
ValidationFailed, and whatever the service accepts keeps the sites' invariants."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.caregivers.forms import (
    CAREGIVER_FIELDS,
    EXCEPTION_FIELDS,
    WINDOW_FIELDS,
    parse_caregiver,
    parse_exception,
    parse_window,
)
from coop.cooperatives.forms import SITE_FIELDS, parse_site
from coop.cooperatives.service import save_site
from coop.errors import ValidationFailed
from coop.forms import FieldParser
from coop.members.forms import (
    CHILD_FIELDS,
    HOUSEHOLD_FIELDS,
    INVITATION_FIELDS,
    PICKUP_FIELDS,
    parse_child,
    parse_household,
    parse_invitation,
    parse_pickup,
)

WITH_DB = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PARSERS = [(parse_site, SITE_FIELDS), (parse_household, HOUSEHOLD_FIELDS), (parse_child, CHILD_FIELDS),
           (parse_pickup, PICKUP_FIELDS), (parse_invitation, INVITATION_FIELDS), (parse_caregiver, CAREGIVER_FIELDS),
           (parse_window, WINDOW_FIELDS), (parse_exception, EXCEPTION_FIELDS)]
# Text a person could type, plus near-misses of the formats the parsers expect.
typed = st.one_of(st.text(max_size=30), st.from_regex(r"-?[0-9]{0,6}([.,][0-9]{0,4})?", fullmatch=True),
                  st.from_regex(r"[0-9]{1,2}:[0-9]{1,2}(:[0-9]{2})?", fullmatch=True),
                  st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True), st.sampled_from(["1", "on", ""]))


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, len(PARSERS) - 1), data=st.data())
def test_form_parsers_refuse_any_text_only_with_validation_failed(index, data):
    parse, fields = PARSERS[index]
    values = {name: data.draw(typed, label=name) for name in fields}
    try:
        parse(values)
    except ValidationFailed as exc:
        assert exc.fields and set(exc.fields) <= set(fields)


@settings(max_examples=200, deadline=None)
@given(raw=typed)
def test_field_parser_converts_or_reports_each_field(raw):
    amounts = FieldParser({"f": raw})
    assert 0 <= amounts.decimal_hundredths("f") <= 10**8 or "f" in amounts.errors
    times = FieldParser({"f": raw})
    minute = times.clock_minutes("f", allow_24=True)
    assert "f" in times.errors or 0 <= minute <= 1440
    numbers = FieldParser({"f": raw})
    number = numbers.integer("f", minimum=0, maximum=500)
    assert "f" in numbers.errors or 0 <= number <= 500
    dates = FieldParser({"f": raw})
    assert dates.date("f") is not None or "f" in dates.errors


@settings(max_examples=100, deadline=None)
@given(whole=st.integers(0, 10**6 - 1), cents=st.integers(0, 99), comma=st.booleans())
def test_decimal_amounts_round_trip_exactly(whole, cents, comma):
    p = FieldParser({"f": f"{whole}{',' if comma else '.'}{cents:02d}"})
    assert p.decimal_hundredths("f") == whole * 100 + cents and not p.errors
    assert p.hours_as_minutes("f") == round((whole * 100 + cents) * 60 / 100) and not p.errors


@pytest.fixture
def coop(make):
    return make.coop()


@WITH_DB
@given(capacity=st.integers(-10, 600), beds=st.integers(-10, 600), always=st.booleans(),
       hours=st.dictionaries(st.integers(-1, 8), st.tuples(st.integers(-60, 1500), st.integers(-60, 1500)),
                             max_size=3))
def test_a_saved_site_always_holds_its_invariants(db, coop, capacity, beds, always, hours):
    try:
        site = save_site(db, coop_id=coop.id, site_id=None, name="Maison", address="Rue Haute 1", capacity=capacity,
                         beds=beds, is_always_open=always, hours=hours)
    except ValidationFailed as exc:
        assert exc.fields
        return
    finally:
        db.rollback()
    assert site.capacity == capacity and site.beds == beds
    assert 0 <= site.beds <= site.capacity <= 500
    assert always or all(0 <= day <= 6 and 0 <= opens < closes <= 1440 for day, (opens, closes) in hours.items())
