"""axe-core on the main forms, blank and with errors: no serious or critical violation. (The
home pages are checked in test_smoke.py, right after each role logs in.) axe is injected into
the page, so these contexts bypass the CSP (script-src 'self'); the app's pages run no script."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.live import ROLES, LiveServer, assert_accessible, open_home

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _login_page(page: Page, live: LiveServer) -> None:
    page.goto("/login")


def _login_page_with_error(page: Page, live: LiveServer) -> None:
    page.goto("/login")
    page.fill("#f-email", "nobody@demo.coop")
    page.fill("#f-password", "wrong password")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _site_form(page: Page, live: LiveServer) -> None:
    page.goto("/c/marolles/sites/new")


def _site_form_with_errors(page: Page, live: LiveServer) -> None:
    _site_form(page, live)
    page.fill("#f-capacity", "-1")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".error-summary").count() == 1


def _household_form(page: Page, live: LiveServer) -> None:
    page.goto("/c/marolles/households/new")


def _household_form_with_errors(page: Page, live: LiveServer) -> None:
    _household_form(page, live)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".error-summary").count() == 1


def _availability(page: Page, live: LiveServer) -> None:
    open_home(page, live.url, "staff", is_logged_in=True)
    with page.expect_navigation():
        page.click("#h-care ~ p a.button")
    assert "/availability" in page.url


# page: (who is logged in, browser language, how to get there)
FORM_PAGES: dict[str, tuple[str | None, str, Callable[[Page, LiveServer], None]]] = {
    "login": (None, "nl-BE", _login_page),
    "login-error": (None, "nl-BE", _login_page_with_error),
    "site-form": ("coordinator", "fr-BE", _site_form),
    "site-form-errors": ("coordinator", "nl-BE", _site_form_with_errors),
    "household-form": ("coordinator", "fr-BE", _household_form),
    "household-form-errors": ("coordinator", "nl-BE", _household_form_with_errors),
    "availability": ("staff", "fr-BE", _availability),
}


@pytest.mark.parametrize("form", list(FORM_PAGES))
def test_form_page_has_no_serious_accessibility_violation(new_page, live_server: LiveServer, form: str) -> None:
    role, locale, go = FORM_PAGES[form]
    if role:
        live_server.set_language(ROLES[role][0], None)
    page = new_page(locale=locale, bypass_csp=True, role=role)
    go(page, live_server)
    assert page.evaluate("document.documentElement.lang") == locale[:2]
    assert_accessible(page, form)
