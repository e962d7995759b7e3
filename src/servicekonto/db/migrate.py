"""Alembic configured from code: the schema history ships inside the package (issue 11 item 6).

``servicekonto db upgrade`` works from any working directory of an installed wheel: nothing here
reads an ``alembic.ini``. The repository's ``alembic.ini`` points at the same folder, for
developers running ``alembic revision --autogenerate``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
"""env.py, the revision template and versions/; package data of the wheel."""


def alembic_config(url: str) -> Config:
    """A Config without a file: env.py takes the URL from ``attributes["url"]`` and leaves the
    caller's logging alone."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str | None:
    """The revision this version of the code needs."""
    head = _scripts().get_current_head()
    return str(head) if head else None


def known_revisions() -> set[str]:
    """Every revision this version knows; a database at another one was migrated by a newer
    release."""
    return {rev.revision for rev in _scripts().walk_revisions()}
