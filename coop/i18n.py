"""Languages: the person's setting, then the visitor's choice, then the browser, then the
cooperative's default. French, Dutch and English ship complete."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
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


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "fr")
