"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from coop import create_app
from coop.logging import configure

app = create_app()
configure(app.extensions["coop.settings"])
