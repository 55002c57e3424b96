"""Bringing a database's schema up to date with Alembic (the migrations live beside this module)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from engine.errors import InvalidDataError

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x4B4150554C41  # "KAPULA": the advisory lock key of schema upgrades


def alembic_config(engine: Engine) -> Config:
    config = _config()
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations the database has not seen yet, up to `revision`. Raises
    InvalidDataError when `revision` is not a revision this code knows or not ahead of the database."""
    config = alembic_config(engine)
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError as exc:  # alembic's message, e.g. "Can't locate revision identified by 'x'"
        raise InvalidDataError(f"--revision {revision!r}: {exc}") from exc
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # server processes starting at once would each create the tables: take turns; whoever
            # comes second finds the database at head and has nothing to do (SQLite's BEGIN
            # IMMEDIATE already serialises writers)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError as exc:  # e.g. a revision behind the database's: an upgrade never goes back
            raise InvalidDataError(f"--revision {revision!r}: {exc}") from exc


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database Kapula has not set up."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def make_revision(engine: Engine, message: str) -> None:
    """Write a new migration by comparing the tables with the (upgraded) database. For developers."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
