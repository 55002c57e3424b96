"""Kapula's settings, read once from the environment (`KAPULA_*`) by pydantic-settings.

Only engine.bootstrap reads them and hands each part to what it configures; nothing else in
`engine/` looks at the environment for these.
"""

from __future__ import annotations

import functools
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import InvalidDataError

DEFAULT_TIME_ZONE = "Europe/Helsinki"
# how long a message between pools is kept for a case that does not wait for it yet: a week, since
# the receiving case often reaches its catch event only after a person's task; also the services'
# default when built without settings (engine.services.shared.MESSAGE_TTL)
DEFAULT_MESSAGE_TTL_HOURS = 168.0


class Settings(BaseSettings):
    """The environment's KAPULA_* settings. Raises pydantic's ValidationError on a bad value (see load())."""

    model_config = SettingsConfigDict(env_prefix="KAPULA_", extra="ignore", frozen=True)

    database_url: str = Field("sqlite:///kapula.db", min_length=1, description="SQLAlchemy URL of the database")
    db_pool_size: int = Field(5, ge=1, description="connections each process keeps open (PostgreSQL)")
    db_max_overflow: int = Field(10, ge=0, description="connections more at a peak")
    db_pool_timeout: int = Field(30, ge=1, description="seconds to wait for a free connection")
    time_zone: str = Field(DEFAULT_TIME_ZONE, description="the network's time zone, for pages and day boundaries")
    tick_seconds: float = Field(30.0, ge=0, description="how often `kapula serve` fires due timers (0: never)")
    message_ttl_hours: float = Field(
        DEFAULT_MESSAGE_TTL_HOURS,
        ge=0,
        description="how long a message between pools is kept for a case that does not wait for it yet (0: not kept, the step fails)",
    )

    def pool(self) -> dict[str, int]:
        """The connection pool's options for SQLAlchemy's create_engine."""
        return {"pool_size": self.db_pool_size, "max_overflow": self.db_max_overflow, "pool_timeout": self.db_pool_timeout}


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment, with `overrides` (None values are ignored). Raises
    InvalidDataError naming the setting and what it must be."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "KAPULA_" + str(first["loc"][0]).upper() if first.get("loc") else "a KAPULA_ setting"
        raise InvalidDataError(f"setting {name}: {first['msg']}", field_errors={name: str(first["msg"])}) from exc


@functools.cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"setting KAPULA_TIME_ZONE: {name!r} is not a time zone name such as Europe/Helsinki"
        raise InvalidDataError(message, field_errors={"KAPULA_TIME_ZONE": message}) from exc


def network_time_zone() -> ZoneInfo:
    """The network's time zone: the IANA name in KAPULA_TIME_ZONE (default Europe/Helsinki), in
    which pages, the CLI, process cards and timer dates without an offset are read. The one place
    that reads it; looked up on each call (cheap: the zone is cached by name) so a test or an
    operator can change it without a restart. Raises InvalidDataError naming the setting."""
    return _zone(os.environ.get("KAPULA_TIME_ZONE") or DEFAULT_TIME_ZONE)
