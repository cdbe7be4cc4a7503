"""Refresh the catalogues from the code and fill in translations, in one locked step.

    .venv/bin/python scripts/translate.py                 # extract + update + compile
    .venv/bin/python scripts/translate.py new.json        # ... and translate from new.json
    .venv/bin/python scripts/translate.py --missing       # list what still lacks a translation

``new.json`` maps each English msgid to its translations: ``{"Publish": {"fr": "Publier",
"nl": "Publiceren"}}``; English defaults to the msgid itself, and a plural entry gives a list
per language (``{"fr": ["%(num)d jour", "%(num)d jours"], ...}``). The whole step holds a
lock on ``coop/translations/.lock``, so several people (or sessions) working in one checkout
never overwrite each other's entries.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "coop" / "translations"
LANGUAGES = ("fr", "nl", "en")
BIN = Path(sys.executable).parent


def pybabel(*args: str) -> None:
    subprocess.run([str(BIN / "pybabel"), *args], cwd=ROOT, check=True, capture_output=True)


def refresh() -> None:
    """The README's two commands: extract the code's messages, merge them into each catalogue."""
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output",
            "--omit-header", "-o", "coop/translations/messages.pot", ".")
    pybabel("update", "-i", "coop/translations/messages.pot", "-d", "coop/translations", "--no-fuzzy-matching",
            "--ignore-obsolete")


def fill(translations: dict[str, dict[str, str | list[str]]]) -> list[str]:
    """Write the given translations into each catalogue; return the entries still empty."""
    missing: list[str] = []
    for lang in LANGUAGES:
        path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            given = translations.get(key, {}).get(lang)
            if given is None and lang == "en" and key in translations:
                given = list(message.id) if isinstance(message.id, tuple) else key
            if given is not None:
                message.string = tuple(given) if isinstance(message.id, tuple) else given
                message.flags.discard("fuzzy")
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                missing.append(f"{lang}: {key}")
        with path.open("wb") as f:
            write_po(f, catalog)
    return missing


def main(argv: list[str]) -> int:
    only_missing = "--missing" in argv
    files = [a for a in argv if not a.startswith("--")]
    translations: dict[str, dict[str, str | list[str]]] = {}
    for name in files:
        translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
    TRANSLATIONS.mkdir(exist_ok=True)
    with (TRANSLATIONS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not only_missing:
            refresh()
        missing = fill(translations)
        if not only_missing:
            pybabel("compile", "-d", "coop/translations")
    for line in missing:
        print("missing", line)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
