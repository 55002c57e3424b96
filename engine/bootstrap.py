"""The one place that wires settings to implementations: database, clock and script engine."""

from __future__ import annotations

from engine.clock import Clock, SystemClock
from engine.persistence.database import database_url, make_engine, make_session_factory
from engine.persistence.migrate import upgrade
from engine.runtime.script_engine import SafeScriptEngine
from engine.services import Kapula


def open_kapula(url: str | None = None, *, clock: Clock | None = None, migrate: bool = True) -> Kapula:
    """A Kapula on the database at `url` (default: KAPULA_DATABASE_URL, else ./kapula.db)."""
    engine = make_engine(database_url(url))
    if migrate:
        upgrade(engine)
    return Kapula(make_session_factory(engine), clock or SystemClock(), SafeScriptEngine())
