"""Screenshots of the coordinator and parent home pages in French and Dutch, on a 360 px phone
and a 1280 px screen, with the axe-core result of each page.

    .venv/bin/python scripts/screenshots.py --out artifacts/screenshots

Starts its own demo server (a throw-away SQLite database) and drives Debian's Chromium, like the
browser tests (``tests/browser/live.py``); axe-core must be installed (``npm ci`` in
``tests/browser``). Exits with status 1 when a page has a serious or critical violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.live import (  # noqa: E402
    ROLES,
    blocking,
    chromium,
    count_by_impact,
    describe,
    open_home,
    run_axe,
    start_demo_server,
)

SHOTS = [("coordinator", "fr"), ("coordinator", "nl"), ("parent", "fr"), ("parent", "nl")]
WIDTHS = (360, 1280)
BROWSER_LOCALES = {"fr": "fr-BE", "nl": "nl-BE"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "screenshots",
                        help="folder for the PNG files (created when missing)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="coop-shots-") as workdir:
        server = start_demo_server(Path(workdir))
        try:
            with chromium() as browser:
                for role, language in SHOTS:
                    # The browser's language decides, not the demo person's saved one.
                    server.set_language(ROLES[role][0], None)
                    for width in WIDTHS:
                        context = browser.new_context(locale=BROWSER_LOCALES[language],
                                                      viewport={"width": width, "height": 800}, bypass_csp=True)
                        try:
                            page = context.new_page()
                            open_home(page, server.url, role)
                            path = out / f"{role}-{language}-{width}.png"
                            page.screenshot(path=str(path), full_page=True)
                            violations = run_axe(page)
                        finally:
                            context.close()
                        counts = ", ".join(f"{impact} {n}" for impact, n in count_by_impact(violations).items())
                        print(f"{path}  axe: {counts}")
                        if violations:
                            print(describe(violations))
                        failed = failed or bool(blocking(violations))
        finally:
            server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
