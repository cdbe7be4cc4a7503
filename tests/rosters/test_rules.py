"""Roster rules: defaults, ranges (a ratio of zero is refused clearly, nothing saved), the
audit of every change, and the coordinator's form (French errors, parents refused)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask_babel import force_locale
from sqlmodel import select

from coop.audit.models import AuditEntry
from coop.errors import ValidationFailed
from coop.rosters.models import RosterRules
from coop.rosters.rules import RulesInput, get_rules, save_rules

DEFAULTS = RulesInput(infant_ratio=4, toddler_ratio=7, child_ratio=8, night_min_adults=2, min_rest_hours=11,
                      volunteer_max_week_minutes=16 * 60, solve_seconds=20)


def form(**kw) -> dict[str, str]:
    return {"infant_ratio": "4", "toddler_ratio": "7", "child_ratio": "8", "night_min_adults": "2",
            "min_rest_hours": "11", "volunteer_max_week_hours": "16", "solve_seconds": "20", **kw}


def test_a_cooperative_without_rules_gets_the_defaults_without_saving_them(db, make):
    coop = make.coop()

    assert RulesInput.of(get_rules(db, coop_id=coop.id)) == DEFAULTS
    assert db.get(RosterRules, coop.id) is None


def test_saving_rules_stores_them_and_records_who_did(db, make):
    coop = make.coop()
    person = make.person(coop, "coordinator")
    wanted = replace(DEFAULTS, infant_ratio=3, night_min_adults=3, volunteer_max_week_minutes=12 * 60 + 30)

    save_rules(db, coop_id=coop.id, data=wanted, actor_id=person.id)
    db.commit()

    assert RulesInput.of(get_rules(db, coop_id=coop.id)) == wanted
    entry = db.exec(select(AuditEntry).where(AuditEntry.object_type == "roster_rules")).one()
    assert (entry.coop_id, entry.actor_id, entry.action, entry.object_id) == (coop.id, person.id, "update", coop.id)
    save_rules(db, coop_id=coop.id, data=DEFAULTS, actor_id=None)
    db.commit()
    assert RulesInput.of(get_rules(db, coop_id=coop.id)) == DEFAULTS


@pytest.mark.parametrize(("change", "field"), [
    ({"infant_ratio": 0}, "infant_ratio"), ({"toddler_ratio": -2}, "toddler_ratio"),
    ({"child_ratio": 31}, "child_ratio"),
    ({"night_min_adults": 0}, "night_min_adults"), ({"min_rest_hours": 25}, "min_rest_hours"),
    ({"volunteer_max_week_minutes": -60}, "volunteer_max_week_minutes"), ({"solve_seconds": 0}, "solve_seconds"),
])
def test_out_of_range_values_are_refused_and_nothing_changes(db, make, change, field):
    coop = make.coop()
    save_rules(db, coop_id=coop.id, data=replace(DEFAULTS, infant_ratio=3), actor_id=None)
    db.commit()

    with pytest.raises(ValidationFailed) as refused:
        save_rules(db, coop_id=coop.id, data=replace(DEFAULTS, **change), actor_id=None)
    db.rollback()

    assert set(refused.value.fields) == {field}
    assert get_rules(db, coop_id=coop.id).infant_ratio == 3
    assert len(db.exec(select(AuditEntry)).all()) == 1


def test_a_zero_ratio_is_explained(app, db, make):
    coop = make.coop()

    with pytest.raises(ValidationFailed) as refused:
        save_rules(db, coop_id=coop.id, data=replace(DEFAULTS, infant_ratio=0), actor_id=None)

    with app.test_request_context(), force_locale("en"):
        assert str(refused.value.fields["infant_ratio"]) == (
            "A ratio is the number of children one caregiver looks after: enter at least 1 (at most 20).")


def test_the_coordinator_changes_the_rules_through_the_form(db, make, login_as):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator")
    client = login_as(coordinator)

    page = client.get(f"/c/{coop.slug}/rosters/setup/rules")
    assert page.status_code == 200 and 'value="16"' in page.text
    saved = client.post(f"/c/{coop.slug}/rosters/setup/rules",
                        data=form(child_ratio="6", volunteer_max_week_hours="10,5"))

    assert saved.status_code == 302
    db.rollback()
    assert (get_rules(db, coop_id=coop.id).child_ratio, get_rules(db, coop_id=coop.id).volunteer_max_week_minutes) \
        == (6, 630)
    assert "10.5" in client.get(f"/c/{coop.slug}/rosters/setup/rules").text


def test_form_errors_are_shown_in_french_and_nothing_is_saved(db, make, login_as):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator", language="fr")
    client = login_as(coordinator)

    response = client.post(f"/c/{coop.slug}/rosters/setup/rules",
                           data=form(infant_ratio="0", solve_seconds="beaucoup", volunteer_max_week_hours="99"))

    assert response.status_code == 422
    assert "indiquez au moins 1 (au plus 20)." in response.text
    assert "Indiquez un nombre entier." in response.text
    assert "heures entre 0 et 80." in response.text
    assert 'value="beaucoup"' in response.text
    db.rollback()
    assert db.get(RosterRules, coop.id) is None


def test_parents_may_not_see_or_change_the_rules(db, make, login_as):
    coop = make.coop()
    household = make.household(coop)
    parent = make.person(coop, "parent", household=household)
    client = login_as(parent)

    assert client.get(f"/c/{coop.slug}/rosters/setup/rules").status_code == 403
    assert client.post(f"/c/{coop.slug}/rosters/setup/rules", data=form(infant_ratio="1")).status_code == 403
    db.rollback()
    assert db.get(RosterRules, coop.id) is None
