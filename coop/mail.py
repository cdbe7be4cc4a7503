"""Outgoing mail, only when a mail server is configured (``COOP_MAIL_SERVER``)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import gettext as _

from config import Settings
from coop.auth.models import Person


def send(settings: Settings, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=10) as smtp:
        smtp.send_message(message)


def send_password_reset(settings: Settings, *, person: Person, link: str) -> None:
    """The reset link, in the person's own language."""
    with force_locale(person.language or settings.default_language):
        send(settings, to=person.email, subject=_("Cooparentive: choose a new password"),
             body=_("Hello %(name)s,\n\nTo choose a new password, open this link within the hour:\n%(link)s\n\n"
                    "If you did not ask for this, ignore this message.", name=person.display_name, link=link))
