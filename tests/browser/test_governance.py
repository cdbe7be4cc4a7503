"""In Chromium, in Dutch, on a 360 px phone: a parent proposes one more respite cheque a
month and votes for it; other households vote; the close job runs against the live server's
database as the scheduler would; the result shows, and the quota changes on its date only."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from coop.auth.models import Person
from coop.cheques.scheme import get_scheme
from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.governance.jobs import run_governance
from coop.governance.models import Proposal
from coop.governance.service import cast_vote
from coop.members.models import Household
from coop.members.service import household_ids_of
from tests.browser.live import LiveServer, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PARENT = "parent@demo.coop"
BRUSSELS = ZoneInfo("Europe/Brussels")


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _quota(live_server: LiveServer) -> int:
    with live_server.app.extensions["coop.db"].scope(write=False) as session:
        coop = session.exec(select(Cooperative).where(Cooperative.slug == "marolles")).one()
        return get_scheme(session, coop_id=coop.id).base_quota


def _other_households_vote_yes(live_server: LiveServer, proposal_id: int, count: int) -> None:
    """Enough other households vote yes for the quorum (a third of the households)."""
    with live_server.app.extensions["coop.db"].scope() as session:
        proposal = session.get(Proposal, proposal_id)
        parent = session.exec(select(Person).where(Person.email == PARENT)).one()
        own = household_ids_of(session, coop_id=proposal.coop_id, person_id=parent.id)
        others = session.exec(select(Household.id).where(Household.coop_id == proposal.coop_id,
                                                         col(Household.id).not_in(own))
                              .order_by(col(Household.id)).limit(count)).all()
        for household_id in others:
            cast_vote(session, coop_id=proposal.coop_id, proposal_id=proposal_id, household_id=household_id,
                      voter_households={household_id}, choice="yes", now=proposal.created_at)


def test_a_parent_votes_in_dutch_and_the_quota_changes_on_its_date(new_page, live_server: LiveServer):
    def nl(message: str, **values: object) -> str:
        text = live_server.translate(message, "nl")
        return text % values if values else text

    with live_server.app.extensions["coop.db"].scope(write=False) as session:
        saved_language = session.exec(select(Person.language).where(Person.email == PARENT)).one()
    live_server.set_language(PARENT, "nl")
    try:
        before = _quota(live_server)
        page = new_page(locale="nl-BE", width=360, height=740, bypass_csp=True, role="parent")
        page.goto("/c/marolles/")
        with page.expect_navigation():
            page.click(f"nav a:text('{nl('Decisions')}')")
        expect(page.locator("main h1")).to_have_text(nl("Decisions"))
        assert fits_the_phone(page)
        with page.expect_navigation():
            page.click(f"main a:text('{nl('Make a proposal')}')")
        page.select_option("#f-setting", "cheque_base_quota")
        with page.expect_navigation():
            page.click(f"main button:text('{nl('Choose')}')")
        expect(page.locator("main")).to_contain_text(nl("%(n)d cheques a month", n=before))
        assert fits_the_phone(page)
        assert_accessible(page, "new proposal (nl, 360 px)")
        page.fill("#f-title", "Een cheque meer per maand")
        page.fill("#f-text", "Veel gezinnen vragen het.")
        page.fill("#f-base_quota", str(before + 1))
        effective_on = page.input_value("#f-effective_on")
        with page.expect_navigation():
            page.click(f"main button:text('{nl('Open the vote')}')")
        expect(page.locator(".flash")).to_have_text(nl("Your proposal is open for the vote. Every member was told."))
        proposal_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

        page.check(f"label:text('{nl('Yes')}')")
        with page.expect_navigation():
            page.click(f"main form button:text('{nl('Vote')}')")
        expect(page.locator(".flash")).to_have_text(
            nl("Your household's vote is recorded. You can change it until the vote closes."))
        expect(page.locator("#choice-yes")).to_be_checked()
        assert fits_the_phone(page)
        assert_accessible(page, "proposal with our vote (nl, 360 px)")

        _other_households_vote_yes(live_server, proposal_id, 14)
        with live_server.app.extensions["coop.db"].scope(write=False) as session:
            closes_at = session.get(Proposal, proposal_id).closes_at
        assert run_governance(live_server.app, now=closes_at + timedelta(minutes=5)) == (1, 0)
        page.reload()
        expect(page.locator("main")).to_contain_text(nl("passed"))
        expect(page.locator("main")).to_contain_text(nl("Yes: %(n)d", n=15))
        assert _quota(live_server) == before

        day = datetime.fromisoformat(effective_on).date()
        eve = datetime.combine(day, time(), tzinfo=BRUSSELS) - timedelta(minutes=1)
        assert run_governance(live_server.app, now=eve) == (0, 0)
        assert _quota(live_server) == before
        assert run_governance(live_server.app, now=eve + timedelta(minutes=2)) == (0, 1)
        assert _quota(live_server) == before + 1
        assert day > local_today("Europe/Brussels")

        page.goto("/c/marolles/decisions/history")
        expect(page.locator("main")).to_contain_text(nl("Decision: %(title)s", title="Een cheque meer per maand"))
        assert fits_the_phone(page)
        assert_accessible(page, "settings history (nl, 360 px)")
    finally:
        live_server.set_language(PARENT, saved_language)


@pytest.mark.parametrize("page_path", ["", "rules", "history", "new?setting=shift_templates:1"])
def test_the_decision_pages_are_accessible_on_a_phone(new_page, page_path: str):
    page = new_page(width=360, height=740, bypass_csp=True, role="coordinator")
    assert page.goto(f"/c/marolles/decisions/{page_path}").status == 200
    expect(page.locator("main h1")).to_be_visible()
    assert fits_the_phone(page)
    assert_accessible(page, f"decisions/{page_path} (360 px)")
