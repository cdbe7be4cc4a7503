"""The decision pages over HTTP: proposing (with a clear refusal), voting in place, access
from another cooperative, the privacy of votes, and the history of a coordinator's change."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

from sqlmodel import func, select

from coop.clock import local_today
from coop.governance.models import Proposal, SettingChange, Vote
from tests.governance.conftest import Coop


def _proposal_form(**extra: str) -> dict[str, str]:
    today = local_today()
    return {"title": "More cheques", "text": "Families ask for it.",
            "closes_on": (today + timedelta(days=10)).isoformat(),
            "effective_on": (today + timedelta(days=40)).isoformat(), **extra}


def _count(db, model) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(model)).one()


def test_a_parent_proposes_a_quota_and_sees_the_current_value_beside_it(coop: Coop, login_as, db):
    client = login_as(coop.parents[1])  # speaks Dutch
    page = client.get("/c/gov/decisions/new?setting=cheque_base_quota")
    assert page.status_code == 200 and "Huidige waarde: 4 cheques per maand" in page.get_data(as_text=True)
    refused = client.post("/c/gov/decisions/new", data=_proposal_form(setting="cheque_base_quota", base_quota="-2"))
    assert refused.status_code == 422
    assert "Geef een getal in tussen 0 en 100." in refused.get_data(as_text=True)
    assert _count(db, Proposal) == 0
    done = client.post("/c/gov/decisions/new", data=_proposal_form(setting="cheque_base_quota", base_quota="6"))
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "4 cheques per maand" in shown and "6 cheques per maand" in shown


def test_a_household_votes_then_changes_its_vote_and_nobody_sees_it(coop: Coop, login_as, db, make):
    proposer = login_as(coop.parents[0])
    location = proposer.post("/c/gov/decisions/new", data=_proposal_form()).headers["Location"]
    proposal_id = int(location.rstrip("/").rsplit("/", 1)[1])
    voter = login_as(coop.parents[2])
    assert voter.post(f"/c/gov/decisions/{proposal_id}/vote", data={"choice": "yes"}).status_code == 302
    assert voter.post(f"/c/gov/decisions/{proposal_id}/vote", data={"choice": "abstain"}).status_code == 302
    db.rollback()
    votes = db.exec(select(Vote)).all()
    assert [(v.household_id, v.choice) for v in votes] == [(coop.households[2].id, "abstain")]
    assert "checked" in voter.get(f"/c/gov/decisions/{proposal_id}").get_data(as_text=True)
    for other in (proposer, login_as(coop.coordinator)):
        page = other.get(f"/c/gov/decisions/{proposal_id}").get_data(as_text=True)
        assert 'checked' not in page and "Abstention :" not in page
    refused = voter.post(f"/c/gov/decisions/{proposal_id}/vote",
                         data={"choice": "yes", "household_id": str(coop.households[3].id)})
    assert refused.status_code == 404
    db.rollback()
    stranger_coop = make.coop("stranger")
    stranger = make.person(stranger_coop, "parent", household=make.household(stranger_coop))
    outsider = login_as(stranger)
    assert outsider.get(f"/c/gov/decisions/{proposal_id}").status_code == 404
    assert outsider.post(f"/c/stranger/decisions/{proposal_id}/vote", data={"choice": "no"}).status_code == 404
    assert outsider.post(f"/c/gov/decisions/{proposal_id}/vote", data={"choice": "no"}).status_code == 404
    assert [v.choice for v in db.exec(select(Vote)).all()] == ["abstain"]


def test_a_coordinators_change_is_in_the_history_with_their_name(coop: Coop, login_as, db):
    client = login_as(coop.coordinator)
    response = client.post("/c/gov/cheques/scheme", data={
        "cheque_minutes": "60", "validity_months": "6", "base_quota": "5", "single_parent_percent": "200",
        "yearly_cap": "96", "reimbursement_euros": "25.00"})
    assert response.status_code == 302
    db.rollback()
    changes = db.exec(select(SettingChange).where(SettingChange.setting_key == "cheque_base_quota")).all()
    assert [(c.value, c.person_id, c.proposal_id) for c in changes] == [(5, coop.coordinator.id, None)]
    recorded = _count(db, SettingChange)  # the quota and the other governed values of the scheme
    assert client.post("/c/gov/cheques/scheme", data={
        "cheque_minutes": "60", "validity_months": "6", "base_quota": "5", "single_parent_percent": "200",
        "yearly_cap": "96", "reimbursement_euros": "30.00"}).status_code == 302
    assert _count(db, SettingChange) == recorded  # the reimbursement is not a governed setting
    page = login_as(coop.parents[0]).get("/c/gov/decisions/history").get_data(as_text=True)
    assert coop.coordinator.display_name in page and "5 chèques par mois" in page


def test_only_coordinators_change_the_voting_rules(coop: Coop, login_as, db):
    assert login_as(coop.parents[0]).post("/c/gov/decisions/rules", data={
        "proposers": "coordinators", "quorum_numerator": "1", "quorum_denominator": "2",
        "majority": "simple"}).status_code == 403
    client = login_as(coop.coordinator)
    refused = client.post("/c/gov/decisions/rules", data={"proposers": "coordinators", "quorum_numerator": "3",
                                                          "quorum_denominator": "2", "majority": "simple"})
    assert refused.status_code == 422
    assert client.post("/c/gov/decisions/rules", data={"proposers": "coordinators", "quorum_numerator": "1",
                                                       "quorum_denominator": "2", "majority": "two_thirds"},
                       ).status_code == 302
    refused = login_as(coop.parents[0]).post("/c/gov/decisions/new", data=_proposal_form())
    assert refused.status_code == 403
    assert "seuls les coordinateurs font des propositions" in refused.get_data(as_text=True)
    assert _count(db, Proposal) == 0


def test_every_settings_form_reads_back_the_current_value(coop: Coop, login_as, make, db):
    """For each setting, the form filled with the current value parses to that same value:
    proposing it unchanged is refused as already current."""
    site = make.site(coop.coop)
    client = login_as(coop.coordinator)
    for spec in ["booking_deadline", "cheque_base_quota", "cheque_single_parent", "cheque_validity", "night_weight",
                 "ratios", "pledge_scale", f"site_hours:{site.id}", f"shift_templates:{site.id}"]:
        page = client.get(f"/c/gov/decisions/new?setting={spec}")
        assert page.status_code == 200, spec
        form = {name: value for name, value in _inputs(page.get_data(as_text=True)).items() if value}
        response = client.post("/c/gov/decisions/new", data={**form, **_proposal_form(setting=spec)})
        assert response.status_code == 422, spec
        assert "C'est déjà la valeur actuelle." in response.get_data(as_text=True), spec
    assert client.get("/c/gov/decisions/new?setting=site_hours:999999").status_code == 404
    assert _count(db, Proposal) == 0


def _inputs(html: str) -> dict[str, str]:
    """The named inputs of the proposal form (text values, ticked boxes, chosen options)."""
    form = html[html.index('method="post" action="/c/gov/decisions/new"'):]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="checkbox"' not in tag or "checked" in tag):
            values[name.group(1)] = html_lib.unescape(value.group(1))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"\s*selected', options)
        if chosen:
            values[name] = chosen.group(1)
    return values
