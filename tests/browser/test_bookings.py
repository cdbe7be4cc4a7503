"""In Chromium, in French, on a 360 px phone: a parent books an overnight stay for next
Tuesday, sees it in the week view and cancels it; the pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from coop.clock import local_today
from tests.browser.live import LiveServer, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_parent_books_an_overnight_stay_for_next_tuesday_and_cancels_it(new_page, live_server: LiveServer):
    fr = lambda message: live_server.translate(message, "fr")  # noqa: E731
    today = local_today("Europe/Brussels")
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    page = new_page(locale="fr-BE", width=360, height=740, bypass_csp=True, role="parent")

    page.goto("/c/marolles/")
    with page.expect_navigation():
        page.click(f"main a:text('{fr('Book care')}')")
    expect(page.locator("main h1")).to_have_text(fr("Book care"))
    assert fits_the_phone(page)
    assert_accessible(page, "book care (fr, 360 px)")

    page.fill("#f-day", tuesday.isoformat())
    page.fill("#f-start_time", "18:00")
    page.fill("#f-end_time", "08:00")
    with page.expect_navigation():
        page.click("main form[method=post] button[type=submit]")
    expect(page.locator(".flash")).to_have_text(fr("Booked."))
    stay = page.locator("main li", has_text="18:00")
    expect(stay).to_have_count(1)
    expect(stay).to_contain_text(fr("Overnight"))
    assert fits_the_phone(page)
    assert_accessible(page, "week (fr, 360 px)")

    with page.expect_navigation():
        stay.locator("button").click()
    expect(page.locator(".flash")).to_have_text(fr("Cancelled."))
    expect(page.locator("main li", has_text="18:00")).to_have_count(0)


@pytest.mark.parametrize("page_path", ["occupancy", "changes", "rules", ""])
def test_the_coordinators_booking_pages_are_accessible_on_a_phone(new_page, page_path: str):
    page = new_page(width=360, height=740, bypass_csp=True, role="coordinator")
    page.goto(f"/c/marolles/bookings/{page_path}")
    expect(page.locator("main h1")).to_be_visible()
    assert fits_the_phone(page)
    assert_accessible(page, f"bookings/{page_path} (360 px)")
