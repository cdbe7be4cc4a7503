"""Log in and out, account settings, invitation links and password resets."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from coop import mail
from coop.auth import service
from coop.auth.login import CurrentUser
from coop.auth.permissions import logged_in, public
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import form_values, safe_next

bp = Blueprint("auth", __name__)


def _settings():
    return current_app.extensions["coop.settings"]


def _login(person, token: str) -> None:
    login_user(CurrentUser(person, token))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    values, errors, message = {"email": ""}, {}, None
    if request.method == "POST":
        values = form_values(["email", "password", "next"])
        settings = _settings()
        limit = service.RateLimit.of(settings)
        session = get_session()
        try:
            person = service.authenticate(session, email=values["email"], password=values["password"],
                                          ip=request.remote_addr or "unknown", limit=limit)
            token = service.start_session(session, person=person)
            session.commit()
            _login(person, token)
            return redirect(safe_next(values["next"], url_for("home.index")))
        except DomainError as exc:
            session.commit()  # the failed attempt must count, across processes
            message = exc.message
            status = exc.status
            values.pop("password", None)
            return render_template("auth/login.html", values=values, errors=errors, message=message,
                                   next=values.get("next", "")), status
    return render_template("auth/login.html", values=values, errors=errors, message=message,
                           next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
@logged_in
def logout():
    session = get_session()
    service.revoke_session(session, token=current_user.token)
    session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@logged_in
def account():
    errors: dict = {}
    if request.method == "POST":
        values = form_values(["current_password", "new_password"])
        session = get_session()
        try:
            service.change_password(session, person=current_user.person, current=values["current_password"],
                                    new=values["new_password"], keep_token=current_user.token)
            session.commit()
            flash(_("Your password is changed. Your other devices are logged out."), "success")
            return redirect(url_for("auth.account"))
        except DomainError as exc:
            session.rollback()
            errors = exc.fields
            return render_template("auth/account.html", errors=errors, values={}), exc.status
    return render_template("auth/account.html", errors=errors, values={})


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    session = get_session()
    try:
        invitation = service.find_invitation(session, token=token)
    except DomainError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    values, errors = {"display_name": ""}, {}
    if request.method == "POST":
        values = form_values(["display_name", "password"])
        try:
            person = service.accept_invitation(session, token=token, display_name=values["display_name"],
                                               password=values["password"])
            login_token = service.start_session(session, person=person)
            session.commit()
            _login(person, login_token)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("home.index"))
        except DomainError as exc:
            session.rollback()
            errors = exc.fields or {"display_name": exc.message}
            values.pop("password", None)
            return render_template("auth/invitation.html", invitation=invitation, values=values,
                                   errors=errors), exc.status
    return render_template("auth/invitation.html", invitation=invitation, values=values, errors=errors)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Mails a reset link when a mail server is configured. Without one, the page sends the
    person to their coordinator, who can make a link for them: showing the link here would
    let anyone take over any account."""
    settings = _settings()
    if request.method == "POST":
        values = form_values(["email"])
        if settings.mail_server:
            session = get_session()
            result = service.request_password_reset(session, email=values["email"],
                                                    valid_minutes=settings.password_reset_valid_minutes)
            session.commit()
            if result is not None:
                person, token = result
                mail.send_password_reset(settings, person=person,
                                         link=url_for("auth.reset_password", token=token, _external=True))
        return render_template("auth/forgot_sent.html", has_mail=bool(settings.mail_server))
    return render_template("auth/forgot.html", values={}, errors={}, has_mail=bool(settings.mail_server))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    errors: dict = {}
    if request.method == "POST":
        values = form_values(["password"])
        session = get_session()
        try:
            service.reset_password(session, token=token, new_password=values["password"])
            session.commit()
            flash(_("Your password is changed. You can log in now."), "success")
            return redirect(url_for("auth.login"))
        except DomainError as exc:
            session.rollback()
            errors = exc.fields or {"password": exc.message}
            return render_template("auth/reset.html", errors=errors, values={}), exc.status
    return render_template("auth/reset.html", errors=errors, values={})
