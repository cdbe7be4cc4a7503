"""The coordinator's roster pages over HTTP: who may see them, the week under review, solving,
the run page, manual edits and publishing (refused while a rule is broken)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from coop.clock import local_today, utcnow
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from coop.rosters.weeks import format_week
from tests.conftest import Factory
from tests.rosters.review_rows import MONDAY, WEEK, caregiver, draft, local_at


def text_of(response) -> str:
    """The page's visible text, spaces collapsed: inline tags vanish, others separate words."""
    html = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", response.get_data(as_text=True))
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def coordinator(make: Factory):
    def make_one(coop):
        return make.person(coop, "coordinator", language="en")
    return make_one


def test_the_week_shows_the_grid_coverage_reasons_loads_and_penalties(make: Factory, login_as, coordinator):
    d = draft(make)
    page = login_as(coordinator(d.coop)).get(f"/c/{d.coop.slug}/rosters/{WEEK}")
    assert page.status_code == 200
    body = text_of(page)
    assert "Roster, week 2026-W49" in body and "draft, not published yet" in body
    assert "Maison Haute" in body and "Early" in body and "07:00–15:00" in body
    # Early needs 2, has 1: short, with the solver's reason in words; late is covered.
    assert "1/2" in body and "1/1" in body
    assert "1 missing: everyone free has reached their hours for the week." in body
    assert d.people[0].display_name in body and d.people[1].display_name in body
    assert "Missing caregivers 10,000" in body and "Uneven share between households 40" in body
    assert "the best roster possible" in body and "gap 0%" in body
    assert "No rule is broken." in body and "Publish this roster" in body
    html = page.get_data(as_text=True)
    assert f'href="/c/{d.coop.slug}/rosters/2026-W48"' in html and f'href="/c/{d.coop.slug}/rosters/2026-W50"' in html
    assert f'href="/c/{d.coop.slug}/rosters/shifts/{d.shifts[0].id}"' in html
    assert 'rosters.css' in html and "<th scope=\"col\">" in html


def test_a_week_without_roster_offers_to_solve(make: Factory, login_as, coordinator):
    coop = make.coop()
    body = text_of(login_as(coordinator(coop)).get(f"/c/{coop.slug}/rosters/2027-W02"))
    assert "no roster yet" in body and "Solve now" in body and "Publish" not in body


def test_the_roster_home_opens_the_current_week(make: Factory, login_as, coordinator):
    coop = make.coop()
    response = login_as(coordinator(coop)).get(f"/c/{coop.slug}/rosters/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{coop.slug}/rosters/{format_week(local_today())}"


@pytest.mark.parametrize("week", ["2026-W54", "2026-49", "next", "2026-W00"])
def test_a_malformed_week_is_not_found(make: Factory, login_as, coordinator, week: str):
    coop = make.coop()
    client = login_as(coordinator(coop))
    assert client.get(f"/c/{coop.slug}/rosters/{week}").status_code == 404
    assert client.post(f"/c/{coop.slug}/rosters/{week}/solve").status_code == 404


@pytest.mark.parametrize("role", ["parent", "staff", "professional", "provider"])
def test_other_roles_are_refused(make: Factory, login_as, role: str):
    d = draft(make)
    client = login_as(make.person(d.coop, role))
    for path in (f"rosters/{WEEK}", f"rosters/shifts/{d.shifts[0].id}"):
        assert client.get(f"/c/{d.coop.slug}/{path}").status_code == 403
    assert client.post(f"/c/{d.coop.slug}/rosters/assignments/{d.assignments[0].id}/remove").status_code == 403
    assert client.post(f"/c/{d.coop.slug}/rosters/{WEEK}/solve").status_code == 403


def test_another_cooperatives_coordinator_sees_nothing(db: Session, make: Factory, login_as, coordinator):
    theirs, mine = draft(make), make.coop()
    client = login_as(coordinator(mine))
    run = SolveRun(coop_id=theirs.coop.id, week_start=MONDAY)
    db.add(run)
    db.commit()
    assert client.get(f"/c/{theirs.coop.slug}/rosters/{WEEK}").status_code == 404
    for path in (f"shifts/{theirs.shifts[0].id}", f"runs/{run.id}"):
        assert client.get(f"/c/{mine.slug}/rosters/{path}").status_code == 404
    assert client.post(f"/c/{mine.slug}/rosters/assignments/{theirs.assignments[0].id}/pin").status_code == 404
    assert client.post(f"/c/{mine.slug}/rosters/shifts/{theirs.shifts[0].id}/assign",
                       data={"caregiver_id": theirs.caregivers[0].id}).status_code == 404
    assert client.post(f"/c/{mine.slug}/rosters/{WEEK}/publish",
                       data={"roster_id": theirs.roster.id}).status_code == 404
    db.expire_all()
    assert db.get(Roster, theirs.roster.id).status == "draft"
    assert not db.exec(select(RosterAssignment).where(RosterAssignment.is_pinned)).all()


def test_solve_now_queues_a_run_and_opens_its_page(db: Session, make: Factory, login_as, coordinator):
    coop = make.coop()
    client = login_as(coordinator(coop))
    response = client.post(f"/c/{coop.slug}/rosters/{WEEK}/solve")
    run = db.exec(select(SolveRun).where(SolveRun.coop_id == coop.id)).one()
    assert (run.week_start, run.status, run.kind) == (MONDAY, "queued", "solve")
    assert response.status_code == 302 and response.headers["Location"] == f"/c/{coop.slug}/rosters/runs/{run.id}"
    # Asking twice while it waits queues nothing more.
    client.post(f"/c/{coop.slug}/rosters/{WEEK}/solve")
    assert len(db.exec(select(SolveRun).where(SolveRun.coop_id == coop.id)).all()) == 1
    assert "Follow the solve" in text_of(client.get(f"/c/{coop.slug}/rosters/{WEEK}"))


REFRESH = '<meta http-equiv="refresh" content="3">'


@pytest.mark.parametrize(("status", "progress", "error", "shows", "refreshes"), [
    ("queued", "queued", "", "The solve is waiting for a free worker.", True),
    ("running", "solving", "", "Looking for the best roster", True),
    ("failed", "failed", "infeasible", "a fixed (pinned) assignment is probably on a shift", False),
    ("done", "done", "", "Review the draft", False),
])
def test_the_run_page_shows_each_state_and_refreshes_only_while_waiting(
        db: Session, make: Factory, login_as, coordinator, status, progress, error, shows, refreshes):
    d = draft(make)
    run = SolveRun(coop_id=d.coop.id, week_start=MONDAY, status=status, progress=progress, error=error,
                   roster_id=d.roster.id if status == "done" else None,
                   finished_at=utcnow() if status in ("done", "failed") else None)
    db.add(run)
    db.commit()
    page = login_as(coordinator(d.coop)).get(f"/c/{d.coop.slug}/rosters/runs/{run.id}")
    assert page.status_code == 200
    assert shows in text_of(page)
    assert (REFRESH in page.get_data(as_text=True)) is refreshes
    if status == "done":
        assert f'href="/c/{d.coop.slug}/rosters/{WEEK}"' in page.get_data(as_text=True)
    still = login_as(coordinator(d.coop)).get(f"/c/{d.coop.slug}/rosters/runs/{run.id}?refresh=off")
    assert shows in text_of(still) and REFRESH not in still.get_data(as_text=True)
    assert ("Refresh by itself again" in text_of(still)) is refreshes


def test_the_shift_page_pins_removes_and_adds_by_posted_forms(db: Session, make: Factory, login_as, coordinator):
    d = draft(make)
    client = login_as(coordinator(d.coop))
    shift_page = f"/c/{d.coop.slug}/rosters/shifts/{d.shifts[0].id}"
    body = text_of(client.get(shift_page))
    assert "1 of 2 caregivers" in body and "everyone free has reached their hours" in body
    assert "First aid: 1" in body

    response = client.post(f"/c/{d.coop.slug}/rosters/assignments/{d.assignments[0].id}/pin")
    assert response.status_code == 302 and response.headers["Location"] == shift_page
    assert "Pinned." in text_of(client.get(shift_page))
    added = client.post(f"/c/{d.coop.slug}/rosters/shifts/{d.shifts[0].id}/assign",
                        data={"caregiver_id": d.caregivers[1].id})
    assert added.headers["Location"] == shift_page
    client.post(f"/c/{d.coop.slug}/rosters/assignments/{d.assignments[1].id}/remove")
    db.expire_all()
    rows = db.exec(select(RosterAssignment).order_by(RosterAssignment.id)).all()
    assert [(a.shift_id, a.caregiver_id, a.is_pinned) for a in rows] == [
        (d.shifts[0].id, d.caregivers[0].id, True), (d.shifts[0].id, d.caregivers[1].id, True)]
    assert "2/2" in text_of(client.get(f"/c/{d.coop.slug}/rosters/{WEEK}"))


def test_edits_of_a_published_roster_are_refused_with_a_message(db: Session, make: Factory, login_as, coordinator):
    d = draft(make, status="published")
    client = login_as(coordinator(d.coop))
    response = client.post(f"/c/{d.coop.slug}/rosters/assignments/{d.assignments[0].id}/remove",
                           follow_redirects=True)
    assert "This roster is already published" in text_of(response)
    assert "Remove" not in text_of(response)
    db.expire_all()
    assert db.get(RosterAssignment, d.assignments[0].id) is not None


def test_publish_is_refused_while_a_rule_is_broken_and_the_page_says_which(db: Session, make: Factory, login_as,
                                                                           coordinator):
    d = draft(make, is_available=False)
    client = login_as(coordinator(d.coop))
    before = text_of(client.get(f"/c/{d.coop.slug}/rosters/{WEEK}"))
    assert "This draft breaks 2 rules: fix them before publishing." in before
    response = client.post(f"/c/{d.coop.slug}/rosters/{WEEK}/publish", data={"roster_id": d.roster.id})
    assert response.status_code == 409
    body = text_of(response)
    assert "This draft breaks 2 rules" in body
    for person in d.people:
        assert f"{person.display_name} is not available for the shift on Monday 30 November." in body
    assert "This roster breaks 2 rule(s)" in body and 'role="alert"' in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Roster, d.roster.id).status == "draft"


def test_publish_a_roster_that_keeps_every_rule(db: Session, make: Factory, login_as, coordinator):
    d = draft(make)
    client = login_as(coordinator(d.coop))
    response = client.post(f"/c/{d.coop.slug}/rosters/{WEEK}/publish", data={"roster_id": d.roster.id})
    assert response.status_code == 302 and response.headers["Location"] == f"/c/{d.coop.slug}/rosters/{WEEK}"
    body = text_of(client.get(response.headers["Location"]))
    assert "Published: the caregivers concerned are told." in body and "State: published" in body
    assert "Publish this roster" not in body
    db.expire_all()
    assert db.get(Roster, d.roster.id).status == "published"


def test_a_repair_shows_who_would_move_before_accept_and_publish(db: Session, make: Factory, login_as, coordinator):
    d = draft(make, status="published")
    newcomer, newcomer_person = caregiver(make, d.coop, is_available=True)
    repair = Roster(coop_id=d.coop.id, week_start=MONDAY, status="draft", based_on_id=d.roster.id,
                    solver_status="optimal", objective=0, bound=0)
    db.add(repair)
    db.flush()
    shifts = [RosterShift(roster_id=repair.id, site_id=s.site_id, code=s.code, start_at=s.start_at, end_at=s.end_at,
                          required=s.required) for s in d.shifts]
    db.add_all(shifts)
    db.flush()
    # The first caregiver keeps the early shift; the late one goes to the newcomer.
    db.add_all([RosterAssignment(roster_id=repair.id, shift_id=shifts[0].id, caregiver_id=d.caregivers[0].id),
                RosterAssignment(roster_id=repair.id, shift_id=shifts[1].id, caregiver_id=newcomer.id)])
    db.commit()
    client = login_as(coordinator(d.coop))
    page = client.get(f"/c/{d.coop.slug}/rosters/{WEEK}")
    body = text_of(page)
    assert "A published roster exists for this week: publishing this draft replaces it." in body
    moved = body[body.index("Who would move if you publish:"):body.index("Accept and publish")]
    assert f"{d.people[1].display_name}: no longer works Mon 30 Nov 15:00–23:00, Maison Haute" in moved
    assert f"{newcomer_person.display_name}: now works Mon 30 Nov 15:00–23:00, Maison Haute" in moved
    assert d.people[0].display_name not in moved
    response = client.post(f"/c/{d.coop.slug}/rosters/{WEEK}/publish", data={"roster_id": repair.id})
    assert response.status_code == 302
    db.expire_all()
    assert (db.get(Roster, d.roster.id).status, db.get(Roster, repair.id).status) == ("superseded", "published")


def test_the_shift_page_links_to_how_its_demand_was_derived(make: Factory, login_as, coordinator):
    d = draft(make)
    html = login_as(coordinator(d.coop)).get(f"/c/{d.coop.slug}/rosters/shifts/{d.shifts[0].id}").get_data(
        as_text=True)
    assert f'href="/c/{d.coop.slug}/rosters/setup/demand?week={WEEK}' in html


def test_a_day_with_no_shift_is_shown_closed(db: Session, make: Factory, login_as, coordinator):
    d = draft(make)
    sunday = MONDAY + timedelta(days=6)
    db.add(RosterShift(roster_id=d.roster.id, site_id=d.site.id, code="early", start_at=local_at(sunday, 7),
                       end_at=local_at(sunday, 15), required=0))
    db.commit()
    body = text_of(login_as(coordinator(d.coop)).get(f"/c/{d.coop.slug}/rosters/{WEEK}"))
    assert body.count("closed") == 5 + 6 and "0/0" in body


def test_publishing_a_roster_already_published_says_so(db: Session, make: Factory, login_as, coordinator):
    d = draft(make, status="published")
    response = login_as(coordinator(d.coop)).post(f"/c/{d.coop.slug}/rosters/{WEEK}/publish",
                                                  data={"roster_id": d.roster.id})
    assert response.status_code == 409
    assert "Only a draft can be published" in text_of(response)
    db.expire_all()
    assert db.get(Roster, d.roster.id).published_at is None
