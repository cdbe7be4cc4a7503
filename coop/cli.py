"""The `coop` command: init, demo, serve, scheduler, create-user, solve, worker (and the cheques and
statements groups)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from coop.backup import backup_command, restore_command
from coop.cheques.commands import cheques_group
from coop.db import session_scope
from coop.rosters.commands import solve_command, worker_command
from coop.statements.commands import statements_command


def _create_app() -> Flask:
    from coop import create_app
    from coop.logging import configure

    app = create_app()
    configure(app.extensions["coop.settings"])
    return app


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Cooparentive: neighbourhood parent childcare cooperatives."""


def register_commands(app: Flask) -> None:
    for command in (init_command, demo_command, serve_command, scheduler_command, create_user_command):
        app.cli.add_command(command)
    app.cli.add_command(cheques_group)
    app.cli.add_command(statements_command)
    app.cli.add_command(solve_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("init")
def init_command() -> None:
    """Create or upgrade the database schema (Alembic upgrade to head)."""
    from coop.schema import upgrade

    settings = current_app.extensions["coop.settings"]
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    click.echo("Database is up to date.")


@click.command("demo")
def demo_command() -> None:
    """Load the demo cooperatives (deterministic; safe to run twice) and say how to log in."""
    from coop.clock import local_today
    from coop.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo, open_demo_vote, publish_demo_rosters
    from coop.schema import upgrade

    settings = current_app.extensions["coop.settings"]
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    with session_scope() as session:
        slugs, created = load_demo(session)
        if created:
            open_demo_vote(session, today=local_today(settings.timezone))
    click.echo("Demo data loaded." if created else "Demo data was already there.")
    for published in publish_demo_rosters(current_app.extensions["coop.db"], today=local_today(settings.timezone)):
        click.echo(f"Roster published: {published}")
    for slug in slugs:
        click.echo(f"slug: {slug}")
    click.echo(f"Open {settings.base_url}/login and log in as one of:")
    for email, role in DEMO_LOGINS:
        click.echo(f"  {email:<26} {role}")
    click.echo(f"Password for all of them: {DEMO_PASSWORD}")


@click.command("serve")
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--no-scheduler", is_flag=True, help="Do not run the scheduled jobs in this process.")
def serve_command(port: int, no_scheduler: bool) -> None:
    """Development server on 127.0.0.1 with the scheduler in the same process."""
    from werkzeug.serving import run_simple

    from coop.jobs import start_background_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["coop.settings"]
    if settings.run_scheduler and not no_scheduler:
        from coop.scheduling import scheduler_lock

        # Kept in the app so the lock lives (and stays held) as long as the server.
        lock = app.extensions["coop.scheduler_lock"] = scheduler_lock(app.extensions["coop.db"],
                                                                      settings.instance_path)
        if lock.try_acquire():
            start_background_scheduler(app)
        else:
            click.echo("Another scheduler is active: this server runs no scheduled jobs.")
    click.echo(f"Cooparentive on http://127.0.0.1:{port}/login")
    # Not app.run(): Flask ignores it inside a `flask`-style CLI command.
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


@click.command("scheduler")
@click.option("--retry-seconds", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="How often a waiting scheduler tries to take over (and the active one checks its lock).")
def scheduler_command(retry_seconds: float) -> None:
    """Run the scheduled jobs alone (production: beside the web workers). Start one per host if
    you like: one is active, the others wait and take over when it stops."""
    import signal
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    from coop.jobs import register_jobs
    from coop.scheduling import run_as_singleton, scheduler_lock

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["coop.settings"]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def start() -> Callable[[], None]:
        scheduler = BackgroundScheduler(timezone=settings.timezone)
        register_jobs(scheduler, app)
        scheduler.start()
        return scheduler.shutdown

    messages = {"waiting": "Another scheduler is active: waiting to take over.",
                "active": "Scheduler active: running the jobs; Ctrl+C to stop.",
                "lost": "Scheduler lock lost (database connection closed): jobs stopped."}
    run_as_singleton(scheduler_lock(app.extensions["coop.db"], settings.instance_path), start=start, stop=stop,
                     retry_seconds=retry_seconds, on_state=lambda state: click.echo(messages[state]))


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--coop", "coop_slug", help="Cooperative slug to give the role in (created if missing).")
@click.option("--role", default="coordinator", show_default=True)
@click.password_option()
def create_user_command(email: str, display_name: str, coop_slug: str | None, role: str, password: str) -> None:
    """Create a login, optionally with a role in a cooperative."""
    from sqlmodel import select

    from coop.auth.service import add_membership, create_person
    from coop.cooperatives.models import Cooperative
    from coop.cooperatives.service import create_cooperative
    from coop.errors import DomainError

    try:
        with session_scope() as session:
            person = create_person(session, email=email, display_name=display_name, password=password)
            if coop_slug:
                coop = session.exec(select(Cooperative).where(Cooperative.slug == coop_slug)).first()
                if coop is None:
                    coop = create_cooperative(session, slug=coop_slug, name=coop_slug.replace("-", " ").title())
                add_membership(session, coop_id=coop.id, person_id=person.id, role=role)
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Created {email}.")
