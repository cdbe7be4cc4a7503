"""Alembic environment: the schema is coop.models' metadata; the URL comes from settings."""

from alembic import context

from coop.clock import UTCDateTime
from coop.db import make_engine
from coop.models import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    from config import load_settings

    return load_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our UTC timestamp type as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
