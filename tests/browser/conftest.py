"""Browser fixtures: one live demo server (SQLite, Alembic, demo data, CSRF on) and one
headless Chromium per test process. They use neither the ``app`` nor the ``database_url``
fixture of ``tests/conftest.py``, so they run once, never per database engine. Every test module
here is marked ``browser`` and put in the ``browser`` xdist group: they share the server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.live import ROLES, LiveServer, chromium, log_in, start_demo_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_demo_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as chromium_browser:
        yield chromium_browser


@pytest.fixture(scope="session")
def login_state(browser: Any, live_server: LiveServer) -> Callable[[str], dict[str, Any]]:
    """``login_state(role)``: the cookies of one real browser login per demo role, made once.
    Tests about logging in log in themselves; the others start from these to stay fast."""
    states: dict[str, dict[str, Any]] = {}

    def get(role: str) -> dict[str, Any]:
        if role not in states:
            context = browser.new_context(base_url=live_server.url)
            log_in(context.new_page(), live_server.url, ROLES[role][0])
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return get


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer, login_state: Callable[[str], dict[str, Any]]) -> Iterator[Any]:
    """``new_page(locale=..., width=..., bypass_csp=..., role=...)``: a page in a fresh context,
    logged in as the demo ``role`` when given, else with no cookies."""
    contexts: list[Any] = []

    def make(locale: str = "fr-BE", width: int = 1280, height: int = 900, bypass_csp: bool = False,
             role: str | None = None) -> Any:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                      bypass_csp=bypass_csp, base_url=live_server.url,
                                      storage_state=login_state(role) if role else None)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
