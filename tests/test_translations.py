"""The French, Dutch and English catalogues are complete and safe to use.

(a) every message the code marks for translation (same extraction as the README: babel.cfg,
    keywords ``_``, ``gettext``, ``ngettext``..., ``_l`` and ``lazy_gettext``) is in each catalogue;
(b) every entry is translated and none is fuzzy (``pybabel compile`` skips a catalogue whose
    header is fuzzy, silently leaving the site in English);
(c) each translation keeps exactly the placeholders of its original;
(d) the login page answers in the browser's language (this one needs the compiled ``.mo``
    files, which ``scripts/setup`` makes).

When (a) or (b) fails, run the two commands of README.md § Translations and translate the new
entries of ``coop/translations/{fr,nl,en}/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "coop" / "translations"
LANGUAGES = ("fr", "nl", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
HOW_TO_FIX = "run the commands of README.md § Translations and translate the new entries"
# A %-placeholder as Python formats it (named or not, with flags, width, precision), "%%", or a stray "%".
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]|%")


@cache
def extracted() -> Catalog:
    """What ``pybabel extract -F babel.cfg -k _l -k lazy_gettext .`` finds in the code now."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@cache
def catalogue(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_extraction_finds_the_messages():
    found = entries(extracted())
    assert len(found) > 100
    assert "Log in" in extracted() and "This field is required." in extracted()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_extracted_message_is_in_the_catalogue(lang: str):
    catalog = catalogue(lang)
    missing = [m.id for m in entries(extracted()) if m.id not in catalog]
    assert not missing, f"{len(missing)} message(s) missing from {lang}/messages.po ({HOW_TO_FIX}): {missing}"
    wrong_plural = [m.id for m in entries(extracted()) if ids(m) != ids(catalog[m.id])]
    assert not wrong_plural, f"singular/plural forms differ in {lang}/messages.po ({HOW_TO_FIX}): {wrong_plural}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str):
    catalog = catalogue(lang)
    assert not catalog.fuzzy, f"the header of {lang}/messages.po is fuzzy: pybabel compile would skip it"
    assert str(catalog.locale) == lang
    empty = [m.id for m in entries(catalog) if not all(s.strip() for s in strings(m))]
    assert not empty, f"{len(empty)} untranslated message(s) in {lang}/messages.po: {empty}"
    fuzzy = [m.id for m in entries(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy message(s) in {lang}/messages.po (check them, then remove the flag): {fuzzy}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str):
    catalog = catalogue(lang)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems, f"babel's checks fail in {lang}/messages.po: {problems}"
    for message in entries(catalog):
        expected = placeholders(ids(message)[-1])
        for text in strings(message):
            assert placeholders(text) == expected, (
                f"{lang}: {message.id!r} has placeholders {sorted(expected)} but its translation {text!r} "
                f"has {sorted(placeholders(text))}"
            )


@pytest.mark.parametrize(("accept", "lang", "title", "button"), [
    ("fr-BE,fr;q=0.9,en;q=0.5", "fr", "Se connecter", "Mot de passe"),
    ("nl-BE,nl;q=0.9,en;q=0.5", "nl", "Aanmelden", "Wachtwoord"),
    ("en-GB,en;q=0.9", "en", "Log in", "Password"),
])
def test_login_page_speaks_the_browser_language(client: FlaskClient, accept: str, lang: str, title: str,
                                                button: str):
    response = client.get("/login", headers={"Accept-Language": accept})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{title}</h1>" in page, (
        f"the login page is not in {lang!r}: are the catalogues compiled? (.venv/bin/pybabel compile -d "
        "coop/translations, which scripts/setup runs)"
    )
    assert button in page
    if lang != "en":
        assert "Forgot your password?" not in page


def test_templates_follow_a_locale_forced_inside_the_request_and_back(app):
    """Template translations are remembered per request; forcing another language (a notice
    in its recipient's language) must still switch them, and ending it switch back."""
    page = '{{ _("Roster") }} · {{ ngettext("%(n)s missing", "%(n)s missing", 2, n=2) }}'
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = render_template_string(page)
        with force_locale("nl"):
            dutch = render_template_string(page)
        assert render_template_string(page) == french
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert render_template_string(page) == dutch
    assert french.startswith("Planning · 2 ") and dutch.startswith("Rooster · 2 ")
