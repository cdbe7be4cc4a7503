"""Languages: the person's setting, then the visitor's choice, then the browser, then the
cooperative's default. French, Dutch and English ship complete."""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


def select_locale() -> str:
    settings = current_app.extensions["coop.settings"]
    available = list(settings.languages)
    if not has_request_context():
        return settings.default_language
    if current_user and current_user.is_authenticated and current_user.person.language in available:
        return current_user.person.language
    chosen = session.get("lang")
    if chosen in available:
        return chosen
    return request.accept_languages.best_match(available) or settings.default_language


def select_timezone() -> str:
    return current_app.extensions["coop.settings"].timezone


def template_translations() -> NullTranslations:
    """The current locale's translations, remembered on `g` for the rest of the request.

    Flask-Babel finds them anew for every `_()` of a template, through a dozen context
    lookups; a roster grid calls it a hundred times. The memo is keyed by the locale object,
    so `force_locale` (a notice rendered in its recipient's language) still switches."""
    locale = get_locale()
    memo = g.get("_coop_translations")
    if memo is None or memo[0] is not locale:
        memo = (locale, get_translations())
        g._coop_translations = memo
    return memo[1]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: template_translations().ugettext(s),
        ngettext=lambda s, p, n: template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "fr")
