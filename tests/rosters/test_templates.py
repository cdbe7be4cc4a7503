"""Shift templates: defaults for new and existing sites (24/7 or with opening hours), the
day editor's validation (nothing saved on error), copying a day, and the coordinator's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from coop.cooperatives.models import Site, SiteHours
from coop.db import make_engine
from coop.demo import load_demo
from coop.errors import NotFound, ValidationFailed
from coop.rosters.models import ShiftTemplate
from coop.rosters.templates import (
    DEFAULT_SHIFTS,
    ShiftInput,
    copy_day_to_all,
    save_day_templates,
    seed_defaults,
    templates_of,
)
from coop.schema import upgrade

WEEKDAYS_ONLY = dict.fromkeys(range(5), (7 * 60 + 30, 18 * 60))


def shape(by_day) -> dict[int, list[tuple[str, int, int, bool]]]:
    return {day: [(t.code, t.start_minute, t.length_minutes, t.is_night) for t in rows] for day, rows in by_day.items()}


DEFAULTS = [("early", 420, 480, False), ("late", 900, 480, False), ("night", 1380, 480, True)]


def test_a_new_24_7_site_gets_early_late_and_night_every_day(db, make):
    coop = make.coop()
    site = make.site(coop)

    assert shape(templates_of(db, coop_id=coop.id, site_id=site.id)) == dict.fromkeys(range(7), DEFAULTS)
    assert seed_defaults(db, site=site) == 0
    assert len(db.exec(select(ShiftTemplate).where(ShiftTemplate.site_id == site.id)).all()) == 21


def test_a_site_with_opening_hours_gets_only_the_shifts_overlapping_each_day(db, make):
    coop = make.coop()
    hours = {**WEEKDAYS_ONLY, 5: (9 * 60, 13 * 60), 6: (20 * 60, 24 * 60)}
    site = make.site(coop, is_always_open=False, hours=hours)

    by_day = shape(templates_of(db, coop_id=coop.id, site_id=site.id))

    assert by_day[0] == by_day[4] == DEFAULTS[:2]
    assert by_day[5] == DEFAULTS[:1]
    assert by_day[6] == DEFAULTS[1:]


def test_a_day_without_hours_gets_no_shift(db, make):
    coop = make.coop()
    site = make.site(coop, is_always_open=False, hours={2: (8 * 60, 12 * 60)})

    by_day = shape(templates_of(db, coop_id=coop.id, site_id=site.id))

    assert by_day == {day: (DEFAULTS[:1] if day == 2 else []) for day in range(7)}


def test_seeding_again_after_the_coordinator_emptied_a_day_changes_nothing(db, make):
    coop = make.coop()
    site = make.site(coop)
    save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=6, shifts=[], actor_id=None)

    assert seed_defaults(db, site=site) == 0
    assert templates_of(db, coop_id=coop.id, site_id=site.id)[6] == []


def test_saving_a_day_replaces_its_shifts_sorted_and_audited(db, make):
    coop = make.coop()
    site = make.site(coop)
    person = make.person(coop, "coordinator")
    shifts = [ShiftInput("evening", 17 * 60, 6 * 60), ShiftInput("morning", 6 * 60 + 30, 11 * 60),
              ShiftInput("night", 23 * 60, 7 * 60 + 30, is_night=True)]

    save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=2, shifts=shifts, actor_id=person.id)
    db.commit()

    by_day = shape(templates_of(db, coop_id=coop.id, site_id=site.id))
    assert by_day[2] == [("morning", 390, 660, False), ("evening", 1020, 360, False), ("night", 1380, 450, True)]
    assert by_day[1] == DEFAULTS
    entry = db.exec(select(AuditEntry).where(AuditEntry.actor_id == person.id)).one()
    assert (entry.action, entry.object_type, entry.object_id) == ("update", "site", site.id)


@pytest.mark.parametrize(("shifts", "errors"), [
    ([ShiftInput("Early shift", 420, 480)], {"code_0"}),
    ([ShiftInput("", 420, 480)], {"code_0"}),
    ([ShiftInput("early", 420, 480), ShiftInput("early", 900, 480)], {"code_1"}),
    ([ShiftInput("early", 1440, 480)], {"start_0"}),
    ([ShiftInput("early", -1, 480)], {"start_0"}),
    ([ShiftInput("early", 420, 29)], {"length_0"}),
    ([ShiftInput("early", 420, 1441)], {"length_0"}),
    ([ShiftInput(f"s{i}", 60 * i, 60) for i in range(9)], {"shifts"}),
])
def test_a_wrong_day_is_refused_whole_and_nothing_changes(db, make, shifts, errors):
    coop = make.coop()
    site = make.site(coop)
    good = ShiftInput("fine", 600, 60)

    with pytest.raises(ValidationFailed) as refused:
        save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=3, shifts=[*shifts, good], actor_id=None)
    db.rollback()

    assert set(refused.value.fields) == errors
    assert shape(templates_of(db, coop_id=coop.id, site_id=site.id))[3] == DEFAULTS


def test_whole_day_and_minimum_shift_lengths_are_accepted(db, make):
    coop = make.coop()
    site = make.site(coop)
    shifts = [ShiftInput("all-day", 0, 1440, is_night=True), ShiftInput("short_1", 1439, 30)]

    rows = save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=0, shifts=shifts, actor_id=None)

    assert [(r.code, r.start_minute, r.length_minutes) for r in rows] == [("all-day", 0, 1440), ("short_1", 1439, 30)]


def test_another_cooperatives_site_is_not_found(db, make):
    coop, other = make.coop(), make.coop()
    site = make.site(other)

    with pytest.raises(NotFound):
        templates_of(db, coop_id=coop.id, site_id=site.id)
    with pytest.raises(NotFound):
        save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=0, shifts=[], actor_id=None)
    db.rollback()
    assert len(templates_of(db, coop_id=other.id, site_id=site.id)[0]) == 3


def test_copying_a_day_fills_the_open_days_only(db, make):
    coop = make.coop()
    site = make.site(coop, is_always_open=False, hours={**WEEKDAYS_ONLY, 6: (20 * 60, 24 * 60)})
    save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=0,
                       shifts=[ShiftInput("day", 7 * 60 + 30, 10 * 60 + 30)], actor_id=None)

    assert copy_day_to_all(db, coop_id=coop.id, site_id=site.id, weekday=0, actor_id=None) == 5

    by_day = shape(templates_of(db, coop_id=coop.id, site_id=site.id))
    assert all(by_day[day] == [("day", 450, 630, False)] for day in (0, 1, 2, 3, 4, 6))
    assert by_day[5] == []


def test_the_migration_gives_existing_sites_the_defaults_on_sqlite(tmp_path: Path):
    _check_migration_seeds_templates(f"sqlite:///{tmp_path / 'before.sqlite3'}")


@pytest.mark.postgres_only
def test_the_migration_gives_existing_sites_the_defaults_on_postgresql(pg_url_factory):
    _check_migration_seeds_templates(pg_url_factory())


def _check_migration_seeds_templates(url: str) -> None:
    upgrade(url, "dadfb1173ce1")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cooperative (id, slug, name, timezone, language, created_at) "
                              "VALUES (1, 'old', 'Old', 'Europe/Brussels', 'fr', '2026-01-01 00:00:00')"))
            for site_id, always in ((1, True), (2, False)):
                conn.execute(text("INSERT INTO site (id, coop_id, name, address, capacity, beds, is_always_open, "
                                  "created_at) VALUES (:id, 1, :name, 'Rue 1', 10, 2, :always, "
                                  "'2026-01-01 00:00:00')"), {"id": site_id, "name": f"S{site_id}", "always": always})
            conn.execute(text("INSERT INTO site_hours (site_id, weekday, opens_minute, closes_minute) "
                              "VALUES (2, 0, 480, 1080)"))
        upgrade(url)
        with Session(engine) as session:
            rows = session.exec(select(ShiftTemplate).order_by(ShiftTemplate.site_id, ShiftTemplate.weekday,
                                                               ShiftTemplate.start_minute)).all()
    finally:
        engine.dispose()
    first = [(r.weekday, r.code, r.start_minute, r.length_minutes, r.is_night) for r in rows if r.site_id == 1]
    assert first == [(day, *shift) for day in range(7) for shift in DEFAULTS]
    assert [(r.weekday, r.code) for r in rows if r.site_id == 2] == [(0, "early"), (0, "late")]
    assert {r.coop_id for r in rows} == {1}
    assert [(s.code, s.start_minute, s.length_minutes, s.is_night) for s in DEFAULT_SHIFTS] == DEFAULTS


def test_demo_sites_have_shifts(db):
    load_demo(db)
    db.commit()
    sites = db.exec(select(Site)).all()
    assert len(sites) == 3
    for site in sites:
        assert len(db.exec(select(ShiftTemplate).where(ShiftTemplate.site_id == site.id)).all()) == 21
    assert db.exec(select(SiteHours)).all() == []


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_coordinator_edits_a_day_without_javascript(db, make, login_as):
    coop = make.coop()
    site = make.site(coop, name="Maison Haute")
    client = english(login_as(make.person(coop, "coordinator")))
    base = f"/c/{coop.slug}/rosters/setup"

    assert f'href="{base}/"' in client.get(f"/c/{coop.slug}/").text
    assert "Maison Haute" in client.get(f"{base}/").text
    week = client.get(f"{base}/sites/{site.id}")
    assert week.status_code == 200 and "23:00–07:00" in week.text
    page = client.get(f"{base}/sites/{site.id}/day", query_string={"weekday": 6})
    assert page.status_code == 200 and 'value="early"' in page.text and "Sunday" in page.text
    saved = client.post(f"{base}/sites/{site.id}/day?weekday=6", data={
        "code_0": "early", "start_0": "08:00", "end_0": "14:00", "remove_1": "1", "code_1": "late",
        "start_1": "15:00", "end_1": "23:00", "code_2": "Night", "start_2": "22:00", "end_2": "08:00", "night_2": "1",
        "code_3": "", "start_3": "", "end_3": ""})

    assert saved.status_code == 302
    db.rollback()
    assert shape(templates_of(db, coop_id=coop.id, site_id=site.id))[6] == [
        ("early", 480, 360, False), ("night", 1320, 600, True)]


def test_day_form_errors_stay_on_the_row_and_nothing_is_saved(db, make, login_as):
    coop = make.coop()
    site = make.site(coop)
    client = login_as(make.person(coop, "coordinator", language="fr"))

    response = client.post(f"/c/{coop.slug}/rosters/setup/sites/{site.id}/day?weekday=1", data={
        "code_0": "early", "start_0": "07:00", "end_0": "07:10", "code_1": "late", "start_1": "25:00", "end_1": "23:00",
        "code_4": "early", "start_4": "09:00", "end_4": "10:00"})

    assert response.status_code == 422
    assert 'id="e-end_0"' in response.text and "Une garde dure de 30 minutes à 24 heures." in response.text
    assert 'id="e-start_1"' in response.text and "Indiquez une heure comme 07:30." in response.text
    assert 'id="e-code_4"' in response.text and 'value="25:00"' in response.text
    db.rollback()
    assert shape(templates_of(db, coop_id=coop.id, site_id=site.id))[1] == DEFAULTS


def test_copying_a_day_through_the_page(db, make, login_as):
    coop = make.coop()
    site = make.site(coop)
    save_day_templates(db, coop_id=coop.id, site_id=site.id, weekday=2,
                       shifts=[ShiftInput("day", 8 * 60, 10 * 60)], actor_id=None)
    db.commit()
    client = login_as(make.person(coop, "coordinator"))

    response = client.post(f"/c/{coop.slug}/rosters/setup/sites/{site.id}/copy", data={"weekday": "2"})

    assert response.status_code == 302
    db.rollback()
    assert all(rows == [("day", 480, 600, False)]
               for rows in shape(templates_of(db, coop_id=coop.id, site_id=site.id)).values())


def test_only_coordinators_of_this_cooperative_reach_the_setup(db, make, login_as):
    coop, other = make.coop(), make.coop()
    site, other_site = make.site(coop), make.site(other)
    parent = make.person(coop, "parent", household=make.household(coop))
    base = f"/c/{coop.slug}/rosters/setup"

    as_parent = login_as(parent)
    for url in (f"{base}/", f"{base}/sites/{site.id}", f"{base}/sites/{site.id}/day", f"{base}/demand"):
        assert as_parent.get(url).status_code == 403, url
    assert as_parent.post(f"{base}/sites/{site.id}/day", data={"code_0": ""}).status_code == 403
    assert as_parent.post(f"{base}/sites/{site.id}/copy", data={"weekday": "0"}).status_code == 403
    as_coordinator = login_as(make.person(coop, "coordinator"))
    assert as_coordinator.get(f"{base}/sites/{other_site.id}").status_code == 404
    assert as_coordinator.post(f"{base}/sites/{other_site.id}/day?weekday=0", data={}).status_code == 404
    assert as_coordinator.get(f"{base}/sites/{site.id}/day?weekday=7").status_code == 404
    db.rollback()
    assert len(templates_of(db, coop_id=coop.id, site_id=site.id)[0]) == 3
    assert len(templates_of(db, coop_id=other.id, site_id=other_site.id)[0]) == 3
