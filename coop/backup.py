"""Whole-database backups and their restore: `coop backup --out DIR` and `coop restore PATH`.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot taken in one transaction, so
writes may continue meanwhile) and ``pg_restore --clean --if-exists --single-transaction``
(all or nothing). SQLite: the online backup API, which copies every page in one step under a
read transaction; in WAL mode writers keep going. A backup is written under a temporary name
and renamed when complete, so a file with the final name is never half-written.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from coop.clock import utcnow

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
SUFFIXES = {"sqlite": "sqlite3", "postgresql": "pgdump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A table every Cooparentive database has: a file without it is some other database.
KNOWN_TABLE = "cooperative"
PG_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``, from the database URL."""
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"Backups support SQLite and PostgreSQL databases, not {backend!r}.")
    return backend


def backup_name(kind: str, now: datetime) -> str:
    """``coop-<kind>-<UTC timestamp>.<suffix>``: sorts by time, says what it holds."""
    return f"coop-{kind}-{now:%Y%m%dT%H%M%SZ}.{SUFFIXES[kind]}"


def file_kind(path: Path) -> str | None:
    """What a backup file holds, from its first bytes: ``sqlite``, ``postgresql`` or None."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def backup_database(url: str, out_dir: Path, *, now: datetime | None = None) -> Path:
    """Write a backup of the database at ``url`` into ``out_dir``; returns the file."""
    kind = database_kind(url)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / backup_name(kind, now or utcnow())
    if target.exists():
        raise BackupError(f"{target} already exists: wait a second or choose another folder.")
    partial = target.with_name(target.name + ".partial")
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run([_binary("pg_dump"), "--format=custom", f"--file={partial}",
                  f"--dbname={_conninfo(make_url(url))}"], url, "pg_dump")
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore_database(url: str, path: Path) -> None:
    """Replace the content of the database at ``url`` with the backup ``path``.

    Refuses a file of the other database kind, or one that is not a Cooparentive backup,
    before touching the database."""
    kind = database_kind(url)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    found = file_kind(path)
    if found is None:
        raise BackupError(f"{path} is not a backup made by `coop backup`: it is neither a SQLite database "
                          "nor a pg_dump custom-format file.")
    if found != kind:
        raise BackupError(f"{path} is a {KIND_NAMES[found]} backup but the configured database is "
                          f"{KIND_NAMES[kind]}: restore it into a {KIND_NAMES[found]} database "
                          "(set COOP_DATABASE_URL accordingly).")
    if kind == "sqlite":
        _sqlite_restore(path, _sqlite_path(url))
        return
    listing = _run([_binary("pg_restore"), "--list", str(path)], url, "pg_restore --list")
    if f" TABLE public {KNOWN_TABLE} " not in listing:
        raise BackupError(f"{path} is a PostgreSQL dump but not of a Cooparentive database.")
    _run([_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={_conninfo(make_url(url))}", str(path)], url, "pg_restore")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist.")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: a consistent snapshot
        # One self-contained file, without a -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _sqlite_restore(backup: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{quote(str(backup.resolve()))}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup} is damaged (SQLite integrity check failed); choose another backup.")
        if not src.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (KNOWN_TABLE,)).fetchone():
            raise BackupError(f"{backup} is a SQLite database but not a Cooparentive one.")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client).")
    return found


def _conninfo(url: URL) -> str:
    """A libpq connection string with the URL's parameters, without the password (given to the
    tool through PGPASSWORD so that it never shows in the process list)."""
    params: dict[str, str] = {"dbname": url.database or ""}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]

    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quoted(value)}" for key, value in params.items())


def _run(args: list[str], url: str, what: str) -> str:
    password = make_url(url).password
    # The tools need the inherited environment (PATH, locale, PG* of the operator) plus the password.
    env = {**os.environ, "PGPASSWORD": str(password)} if password else None
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish within {PG_TIMEOUT_SECONDS} seconds.") from exc
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[:2000]}")
    return done.stdout


@click.command("backup")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the backup file (created if missing).")
@with_appcontext
def backup_command(out_dir: Path) -> None:
    """Back up the whole database into DIR (safe while the service runs)."""
    url = current_app.extensions["coop.settings"].resolved_database_url
    try:
        path = backup_database(url, out_dir)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {path}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the configured database's content with the backup PATH. Stop the web service,
    scheduler and workers first."""
    url = current_app.extensions["coop.settings"].resolved_database_url
    if not yes:
        kind = KIND_NAMES.get(make_url(url).get_backend_name(), "")
        click.confirm(f"This replaces every row of the configured {kind} database with the backup. Continue?",
                      abort=True)
    try:
        restore_database(url, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored from {path}. Run `coop init` if the backup comes from an older version.")
