"""The sliding scale of minimum pledges: the service, its rules (hypothesis), the pledge it
guards, and the screens of coordinators and parents."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from coop.audit.models import AuditEntry
from coop.clock import local_today
from coop.credits import pledges, scale, service
from coop.credits.models import PledgeChange, PledgeScaleBand
from coop.credits.scale import BandInput
from coop.errors import ValidationFailed
from coop.members.models import Child, Household

DAY = date(2026, 11, 20)
DECEMBER = date(2026, 12, 1)
BRUSSELS = [
    BandInput(code="A", label="Modest", income_up_to_cents=1_800_00, base_minutes=120, per_child_minutes=60),
    BandInput(code="B", label="Middle", income_up_to_cents=3_000_00, base_minutes=240, per_child_minutes=60),
    BandInput(code="C", label="Comfortable", income_up_to_cents=None, base_minutes=360, per_child_minutes=120),
]


def _family(make, coop, children: int) -> Household:
    household = make.household(coop)
    for _ in range(children):
        make.child(household)
    return household


def test_the_minimum_follows_the_band_and_the_children_else_the_plain_minimum(db, make):
    coop = make.coop()
    service.save_settings(db, coop_id=coop.id, cents_per_hour=1500, night_weight_permille=1500,
                          minimum_pledge_minutes=90)
    two, five = _family(make, coop, 2), _family(make, coop, 5)
    assert scale.minimum_for_band(db, household=two, period=DECEMBER, income_band="B") == 90  # no scale yet
    scale.save_scale(db, coop_id=coop.id, bands=BRUSSELS, actor_id=None)
    db.commit()
    assert [b.code for b in scale.get_scale(db, coop_id=coop.id)] == ["A", "B", "C"]
    assert scale.minimum_for_band(db, household=two, period=DECEMBER, income_band="B") == 240 + 2 * 60
    assert scale.minimum_for_band(db, household=five, period=DECEMBER, income_band="C") == 360 + 3 * 120  # 3+
    assert scale.minimum_for_band(db, household=two, period=DECEMBER, income_band=None) == 90
    # A child born after the month counts from its birth month on.
    db.add(Child(coop_id=coop.id, household_id=two.id, first_name="Baby", last_name="Two",
                 birth_date=date(2027, 1, 10)))
    db.flush()
    assert scale.minimum_for_band(db, household=two, period=DECEMBER, income_band="A") == 120 + 2 * 60
    assert scale.minimum_for_band(db, household=two, period=date(2027, 1, 1), income_band="A") == 120 + 3 * 60
    assert db.exec(select(AuditEntry.object_id).where(AuditEntry.object_type == "pledge_scale")).all() == [coop.id]


def test_a_pledge_below_the_bands_minimum_is_refused_and_euros_count_too(db, make):
    coop = make.coop()
    household = _family(make, coop, 1)
    scale.save_scale(db, coop_id=coop.id, bands=BRUSSELS, actor_id=None)
    db.commit()
    # Band B with one child: 5 hours; 4 hours plus 14.99 euros (at 15 euros an hour) is short of it.
    with pytest.raises(ValidationFailed) as refused:
        pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=240, cents=1499, today=DAY,
                           actor_id=None, income_band="B")
    assert "at least 5 hours" in str(refused.value.fields["pledge_hours"])
    with pytest.raises(ValidationFailed) as unknown:
        pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=600, cents=0, today=DAY,
                           actor_id=None, income_band="Z")
    assert set(unknown.value.fields) == {"income_band"}
    db.rollback()
    change = pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=240, cents=1500, today=DAY,
                                actor_id=None, income_band="B")
    db.commit()
    assert (change.effective_month, change.income_band) == (DECEMBER, "B")
    assert scale.minimum_for(db, household=household, period=DECEMBER) == 300
    assert scale.declared_band(db, household_id=household.id, period=date(2026, 11, 1)) is None
    assert pledges.pledges_for(db, households=[household], period=date(2026, 11, 1)) == {household.id: (0, 0)}
    assert pledges.pledges_for(db, households=[household], period=DECEMBER) == {household.id: (240, 1500)}


def test_pledges_of_several_households_are_read_at_once_each_from_its_own_history(db, make):
    coop = make.coop()
    changed, declared, raised_later = (_family(make, coop, 1) for _ in range(3))
    for household, minutes in ((changed, 240), (raised_later, 300)):
        pledges.set_pledge(db, coop_id=coop.id, household_id=household.id, minutes=minutes, cents=0, today=DAY,
                           actor_id=None)
    pledges.set_pledge(db, coop_id=coop.id, household_id=raised_later.id, minutes=420, cents=0,
                       today=date(2026, 12, 10), actor_id=None)
    db.commit()
    before = {h.id: (h.pledge_minutes, h.pledge_cents) for h in (changed, declared, raised_later)}
    due = pledges.pledges_for(db, households=[changed, declared, raised_later], period=DECEMBER)
    assert due == {changed.id: (240, 0), declared.id: before[declared.id], raised_later.id: (300, 0)}
    january = pledges.pledges_for(db, households=[raised_later], period=date(2027, 1, 1))
    assert january == {raised_later.id: (420, 0)}


BAD_SCALES = [
    ([BandInput("A", "x", None, 60, 0), BandInput("B", "y", None, 60, 0)], "income-0"),
    ([BandInput("A", "x", 1000_00, 60, 0), BandInput("B", "y", 900_00, 60, 0), BandInput("C", "z", None, 60, 0)],
     "income-1"),
    ([BandInput("A", "x", 1000_00, 60, 0)], "income-0"),
    ([BandInput("A", "x", 1000_00, 60, 0), BandInput("a", "y", None, 60, 0)], "code-1"),
    ([BandInput("A B", "x", None, 60, 0)], "code-0"),
    ([BandInput("A", " ", None, 60, 0)], "label-0"),
    ([BandInput("A", "x", None, 201 * 60, 0)], "base-0"),
    ([BandInput("A", "x", 1000_00, 120, 0), BandInput("B", "y", None, 60, 30)], "base-1"),
    # More per child but a lower base: a family of 3+ pays more, a childless one less: refused.
    ([BandInput("A", "x", 1000_00, 240, 0), BandInput("B", "y", None, 0, 120)], "base-1"),
]


@pytest.mark.parametrize(("bands", "field"), BAD_SCALES)
def test_a_wrong_scale_is_refused_with_the_field_named_and_the_old_one_kept(db, make, bands, field):
    coop = make.coop()
    scale.save_scale(db, coop_id=coop.id, bands=BRUSSELS, actor_id=None)
    db.commit()
    with pytest.raises(ValidationFailed) as refused:
        scale.save_scale(db, coop_id=coop.id, bands=bands, actor_id=None)
    assert field in refused.value.fields
    db.rollback()
    assert [b.code for b in scale.get_scale(db, coop_id=coop.id)] == ["A", "B", "C"]


def test_an_empty_scale_removes_it(db, make):
    coop = make.coop()
    scale.save_scale(db, coop_id=coop.id, bands=BRUSSELS, actor_id=None)
    scale.save_scale(db, coop_id=coop.id, bands=[], actor_id=None)
    db.commit()
    assert db.exec(select(func.count()).select_from(PledgeScaleBand)).one() == 0


minutes = st.integers(min_value=0, max_value=20 * 60)
band_values = st.lists(st.tuples(minutes, minutes), min_size=1, max_size=5)


def _is_monotone(values: list[tuple[int, int]]) -> bool:
    """The reference rule, written apart from the service: over bands in income order, the
    minimum for 0, 1, 2 and 3+ children never goes down."""
    return all(base + per * k <= next_base + next_per * k
               for (base, per), (next_base, next_per) in zip(values, values[1:], strict=False) for k in range(4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=band_values)
def test_the_minimum_never_drops_with_a_higher_band_or_one_more_child(db, make, values):
    """Any scale is saved exactly when it is monotone; once saved, the minimum a household
    must pledge grows (or stays) with its income band and with its number of children."""
    coop = make.coop()
    families = [_family(make, coop, k) for k in range(5)]
    bands = [BandInput(code=f"B{i}", label=f"Band {i}", income_up_to_cents=None if i == len(values) - 1
                       else 1000_00 * (i + 1), base_minutes=base, per_child_minutes=per)
             for i, (base, per) in enumerate(values)]
    if not _is_monotone(values):
        with pytest.raises(ValidationFailed):
            scale.save_scale(db, coop_id=coop.id, bands=bands, actor_id=None)
        db.rollback()
        return
    scale.save_scale(db, coop_id=coop.id, bands=bands, actor_id=None)
    table = [[scale.minimum_for_band(db, household=h, period=DECEMBER, income_band=b.code) for h in families]
             for b in bands]
    for row, (base, per) in zip(table, values, strict=True):
        assert row == [base + per * min(k, 3) for k in range(5)]
        assert row == sorted(row)
    for lower, higher in zip(table, table[1:], strict=False):
        assert all(a <= b for a, b in zip(lower, higher, strict=True))
    db.rollback()


# --- screens -------------------------------------------------------------------------------

def _world(make):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator", language="en")
    household = _family(make, coop, 2)
    parent = make.person(coop, "parent", household=household, language="en")
    return coop, coordinator, household, parent


SCALE_FORM = {"code-0": "A", "label-0": "Modest", "income-0": "1800", "base-0": "2", "per_child-0": "1",
              "code-2": "B", "label-2": "Others", "income-2": "", "base-2": "4", "per_child-2": "1,5"}


def test_coordinator_edits_the_scale_on_one_page(db, make, login_as):
    coop, coordinator, _, parent = _world(make)
    client = login_as(coordinator)
    url = f"/c/{coop.slug}/credits/scale"
    assert "Pledge scale" in client.get(url).get_data(as_text=True)
    assert client.post(url, data=SCALE_FORM).status_code == 302
    db.rollback()
    saved = [(b.code, b.income_up_to_cents, b.base_minutes, b.per_child_minutes)
             for b in scale.get_scale(db, coop_id=coop.id)]
    assert saved == [("A", 1800_00, 120, 60), ("B", None, 240, 90)]
    page = client.get(url).get_data(as_text=True)
    assert 'value="Modest"' in page and 'value="1800.00"' in page and 'value="1.5"' in page
    # A richer band asking less is refused; the message sits by the block typed, the values stay.
    refused = client.post(url, data={**SCALE_FORM, "base-2": "1"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="e-base-2"' in body and "cannot ask less" in body and 'value="Others"' in body
    db.rollback()
    assert len(scale.get_scale(db, coop_id=coop.id)) == 2
    assert login_as(parent).get(url).status_code == 403


def test_a_parent_sees_the_minimum_and_pledges_for_their_own_household(db, make, login_as):
    coop, _, household, parent = _world(make)
    other = _family(make, coop, 0)
    scale.save_scale(db, coop_id=coop.id, bands=BRUSSELS, actor_id=None)
    db.commit()
    client = login_as(parent)
    page_url = f"/c/{coop.slug}/credits/households/{household.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Modest" in page and "Change the pledge" in page and "Record a payment" not in page
    url = f"{page_url}/pledge"
    no_band = client.post(url, data={"pledge_hours": "10", "pledge_euros": "0"})
    assert no_band.status_code == 422 and "Choose the band" in no_band.get_data(as_text=True)
    # Band B with two children asks 6 hours.
    too_little = client.post(url, data={"pledge_hours": "5", "pledge_euros": "14", "income_band": "B"})
    assert too_little.status_code == 422
    assert "at least 6 hours" in too_little.get_data(as_text=True)
    assert client.post(url, data={"pledge_hours": "5", "pledge_euros": "15", "income_band": "B"}).status_code == 302
    assert client.post(f"/c/{coop.slug}/credits/households/{other.id}/pledge",
                       data={"pledge_hours": "9", "income_band": "C"}).status_code == 404
    db.rollback()
    history = db.exec(select(PledgeChange).where(PledgeChange.household_id == household.id)
                      .order_by(PledgeChange.id)).all()
    assert [(c.effective_month, c.minutes, c.cents, c.income_band) for c in history][-1] == (
        pledges.next_month(local_today(coop.timezone)), 300, 1500, "B")
    assert db.exec(select(func.count()).select_from(PledgeChange).where(PledgeChange.household_id == other.id)
                   ).one() == 0
    page = client.get(page_url).get_data(as_text=True)
    assert "Minimum for this household from next month: 6 hours" in page and "income band B" in page


def test_the_household_form_changes_the_pledge_only_through_the_pledge_rules(db, make, login_as):
    coop, coordinator, household, _ = _world(make)
    service.save_settings(db, coop_id=coop.id, cents_per_hour=1500, night_weight_permille=1500,
                          minimum_pledge_minutes=180)
    db.commit()
    client = login_as(coordinator)
    url = f"/c/{coop.slug}/households/{household.id}/edit"
    form = {"name": household.name, "pledge_hours": "2", "pledge_euros": "0"}
    refused = client.post(url, data=form)
    assert refused.status_code == 422 and "at least 3 hours" in refused.get_data(as_text=True)
    assert client.post(url, data={**form, "name": "Renamed"}).status_code == 422
    db.refresh(household)
    assert household.name != "Renamed"
    assert client.post(url, data={**form, "pledge_hours": "3"}).status_code == 302
    # Saving the form again without touching the pledge adds no history.
    assert client.post(url, data={**form, "name": "Renamed", "pledge_hours": "3"}).status_code == 302
    db.rollback()
    history = [(c.effective_month, c.minutes) for c in pledges.pledge_history(db, household_id=household.id)]
    assert history == [(pledges.BEGINNING, 0), (pledges.next_month(local_today(coop.timezone)), 180)]
    db.refresh(household)
    assert (household.name, household.pledge_minutes) == ("Renamed", 180)
