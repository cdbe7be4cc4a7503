"""Cooparentive: neighbourhood parent childcare cooperatives."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings, load_settings


def create_app(settings: Settings | dict[str, Any] | None = None) -> Flask:
    """Wire settings, database, login, languages, CSRF and blueprints. It never migrates,
    seeds, starts the scheduler or touches the network."""
    from coop import db, errorpages, i18n, labels, security
    from coop import logging as logs
    from coop.audit.views import bp as audit_bp
    from coop.auth.api import bp as auth_api
    from coop.auth.login import init_app as init_login
    from coop.auth.login import init_csrf
    from coop.auth.passwords import use_fast_hashing
    from coop.auth.views import bp as auth_bp
    from coop.bookings.api import bp as bookings_api
    from coop.bookings.views import bp as bookings_bp
    from coop.caregivers.api import bp as caregivers_api
    from coop.caregivers.views import bp as caregivers_bp
    from coop.cheques.api import bp as cheques_api
    from coop.cheques.scheme_views import bp as cheque_scheme_bp
    from coop.cheques.views import bp as cheques_bp
    from coop.cooperatives.api import bp as cooperatives_api
    from coop.cooperatives.views import bp as cooperatives_bp
    from coop.credits.api import bp as credits_api
    from coop.credits.views import bp as credits_bp
    from coop.governance import history as governance_history
    from coop.governance.views import bp as governance_bp
    from coop.home.views import bp as home_bp
    from coop.members.api import bp as members_api
    from coop.members.views import bp as members_bp
    from coop.openapi import bp as openapi_bp
    from coop.outbox.views import bp as outbox_bp
    from coop.privacy.views import bp as privacy_bp
    from coop.rosters.caregiver_views import bp as shifts_bp
    from coop.rosters.template_views import bp as roster_setup_bp
    from coop.rosters.views import bp as rosters_bp
    from coop.statements.views import bp as statements_bp

    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.url_map.converters["int"] = db.IdConverter
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=1024 * 1024,
                      WTF_CSRF_TIME_LIMIT=None, TESTING=settings.env == "testing")
    app.extensions["coop.settings"] = settings
    if settings.trusted_proxies:
        # Behind nginx/Caddy the client's address (used by the login rate limit) and the
        # scheme come from X-Forwarded-* headers set by that many trusted proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies, x_host=settings.trusted_proxies)
    if settings.env == "testing":
        use_fast_hashing()

    db.init_app(app, db.Database(settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms))
    # First of the request hooks, so that requests refused by the later ones are logged too.
    logs.init_app(app)
    init_login(app)
    i18n.init_app(app)
    labels.init_app(app)
    governance_history.init_app(app)
    init_csrf(app)
    security.init_app(app, production=settings.is_production)
    errorpages.init_app(app)
    for blueprint in (home_bp, auth_bp, cooperatives_bp, members_bp, caregivers_bp, audit_bp, bookings_bp,
                      auth_api, cooperatives_api, members_api, caregivers_api, bookings_api):
        app.register_blueprint(blueprint)
    for blueprint in (credits_bp, credits_api, cheques_bp, cheque_scheme_bp, cheques_api, statements_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(governance_bp)
    app.register_blueprint(roster_setup_bp)
    app.register_blueprint(rosters_bp)
    app.register_blueprint(shifts_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(openapi_bp)
    app.register_blueprint(privacy_bp)
    from coop.cli import register_commands

    register_commands(app)
    return app
