"""A live demo server and a headless Chromium, shared by the browser tests and
``scripts/screenshots.py``.

The server is the real app on a fresh SQLite file (schema through Alembic, the demo
cooperatives loaded), served by werkzeug on 127.0.0.1 in a thread, with CSRF on. The browser
is Debian's Chromium driven by Playwright; axe-core comes from ``tests/browser/node_modules``
(``npm ci`` in this folder).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext
from sqlmodel import select
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from coop import create_app
from coop.auth.models import Person
from coop.demo import DEMO_PASSWORD, load_demo
from coop.schema import upgrade

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium waits on the network of a closed machine.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BLOCKING_IMPACTS = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")

# Each demo login, the cooperative it lands in and the element only its home page shows.
ROLES = {
    "coordinator": ("coordinator@demo.coop", "marolles", "#h-coord"),
    "parent": ("parent@demo.coop", "marolles", "h2[id^='h-fam-']"),
    "staff": ("staff@demo.coop", "marolles", "#h-care"),
    "provider": ("provider@demo.coop", "marolles", "#h-prov"),
}
PASSWORD = DEMO_PASSWORD


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class LiveServer:
    """The demo app answering on ``url`` until :meth:`stop`."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.extensions["coop.db"].dispose()

    def set_language(self, email: str, language: str | None) -> None:
        """Set a person's saved language (``None``: the browser decides)."""
        with self.app.extensions["coop.db"].scope() as session:
            person = session.exec(select(Person).where(Person.email == email)).one()
            person.language = language

    def translate(self, message: str, language: str) -> str:
        """``message`` as the running app shows it in ``language`` (English when untranslated)."""
        with self.app.test_request_context(), force_locale(language):
            return gettext(message)


def start_demo_server(workdir: Path) -> LiveServer:
    """Create a demo database in ``workdir`` and serve the app on a free port of 127.0.0.1."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'coop.sqlite3'}"
    upgrade(url)
    # The app first: in testing mode it switches to fast password hashing, which the demo uses.
    app = create_app({"env": "testing", "database_url": url, "instance_path": workdir / "instance",
                      "secret_key": "browser-test-secret-key-" + "x" * 32, "run_scheduler": False})
    with app.extensions["coop.db"].scope() as session:
        load_demo(session)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="coop-live-server", daemon=True)
    thread.start()
    return LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", server=server, thread=thread)


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (its own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Fill and send the login form like a person would."""
    if not page.url.startswith(f"{base_url}/login"):
        page.goto(f"{base_url}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def open_home(page: Any, base_url: str, role: str, *, is_logged_in: bool = False) -> None:
    """Log in as the demo ``role`` (unless the page's context already is) and go to its home
    page in its cooperative."""
    email, slug, _marker = ROLES[role]
    if is_logged_in:
        page.goto(f"{base_url}/c/{slug}/")
        return
    log_in(page, base_url, email)
    if not page.url.endswith(f"/c/{slug}/"):  # several cooperatives: the choice page first
        with page.expect_navigation():
            page.click(f"main a[href$='/c/{slug}/']")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page; returns its violations. The context needs ``bypass_csp=True``."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` in {HERE}")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")
    return list(result)


def count_by_impact(violations: list[dict[str, Any]]) -> dict[str, int]:
    """Violations (rules) per impact, every impact listed."""
    counts = Counter(v["impact"] or "minor" for v in violations)
    return {impact: counts.get(impact, 0) for impact in IMPACTS}


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list: rule, impact, help and each offending element."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page: Any, name: str) -> None:
    """Fail on any serious or critical axe-core violation, listing them readably."""
    violations = run_axe(page)
    print(f"axe {name}: {count_by_impact(violations)}")
    if violations:
        print(describe(violations))
    serious = blocking(violations)
    assert not serious, f"axe-core on {name} ({page.url}):\n{describe(serious)}"
