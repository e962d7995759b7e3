"""Alembic environment: the one metadata (DESIGN §6), every migration on SQLite and PostgreSQL (§7).

Where the database URL comes from, first match wins:

1. ``config.attributes["connection"]`` — an open connection handed in programmatically (tests);
2. ``config.attributes["url"]`` — set by ``servicekonto db upgrade`` from the validated Settings;
3. ``alembic -x url=...`` on the command line;
4. the ``SERVICEKONTO_DATABASE_URL`` environment variable;
5. ``sqlite:///<SERVICEKONTO_DATA_DIR or var>/servicekonto.sqlite3`` (the embedded default).

``Settings()`` is deliberately not constructed here: outside dev mode it refuses to start without a
real secret, and migrating must not need one.

Migrations never import application code: the custom column types of ``servicekonto.db.base``
(``UTCDateTime``, any later ``TypeDecorator``) are rendered as their plain SQLAlchemy
implementation by ``render_item`` below.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from pathlib import Path
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.types import TypeDecorator, TypeEngine

import servicekonto.db.models  # noqa: F401  (registers every table on the metadata)
from servicekonto.db.base import Base

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# A test hands in a changed copy to prove the drift check (tests/test_migrations_drift.py).
target_metadata = config.attributes.get("target_metadata", Base.metadata)


def database_url() -> str:
    url = config.attributes.get("url")
    if url:
        return str(url)
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    url = os.environ.get("SERVICEKONTO_DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get("SERVICEKONTO_DATA_DIR") or "var")
    return f"sqlite:///{data_dir / 'servicekonto.sqlite3'}"


def _ensure_sqlite_dir(url: str) -> None:
    """SQLite does not create missing directories; `var/` may not exist on a fresh clone."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        assert parsed.database is not None
        if not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our own TypeDecorators as their SQLAlchemy implementation type.

    ``UTCDateTime`` becomes ``sa.DateTime(timezone=True)``; the conversion to and from UTC is
    Python-side behaviour and has no place in the schema history.
    """
    if (
        type_ == "type"
        and isinstance(obj, TypeDecorator)
        and type(obj).__module__.startswith("servicekonto.")
    ):
        impl: TypeEngine[Any] = obj.impl_instance
        module = type(impl).__module__
        if module.startswith("sqlalchemy.dialects."):
            dialect = module.split(".")[2]
            autogen_context.imports.add(f"from sqlalchemy.dialects import {dialect}")
            return f"{dialect}.{impl!r}"
        return f"sa.{impl!r}"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``)."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_item=render_item,
        render_as_batch=make_url(url).get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    url = database_url()
    _ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
