"""The one place that wires settings to implementations: database, clock and script engine."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import Clock, SystemClock
from engine.persistence.database import make_engine, make_session_factory
from engine.persistence.migrate import upgrade
from engine.runtime.script_engine import SafeScriptEngine
from engine.services import Kapula
from engine.settings import Settings, load_settings


def open_kapula(
    url: str | None = None, *, clock: Clock | None = None, migrate: bool = True, settings: Settings | None = None
) -> Kapula:
    """A Kapula on the database at `url` (default: the settings' KAPULA_DATABASE_URL, else
    ./kapula.db). The settings are read here, once (engine.settings). Raises InvalidDataError for
    a bad setting."""
    settings = settings or load_settings(database_url=url)
    engine = make_engine(url or settings.database_url, pool=settings.pool())
    if migrate:
        upgrade(engine)
    ttl = timedelta(hours=settings.message_ttl_hours)
    return Kapula(make_session_factory(engine), clock or SystemClock(), SafeScriptEngine(), message_ttl=ttl)
