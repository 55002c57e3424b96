"""Settings are read once from KAPULA_* by pydantic-settings, and a bad one is a clear error."""

from __future__ import annotations

import pytest

from engine.errors import InvalidDataError
from engine.settings import load_settings


def test_settings_come_from_the_environment_with_defaults(monkeypatch):
    monkeypatch.delenv("KAPULA_DATABASE_URL", raising=False)
    monkeypatch.setenv("KAPULA_DB_POOL_SIZE", "7")
    settings = load_settings()
    assert settings.database_url == "sqlite:///kapula.db"
    assert settings.pool() == {"pool_size": 7, "max_overflow": 10, "pool_timeout": 30}
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KAPULA_DB_POOL_SIZE", "many"),
        ("KAPULA_DB_POOL_TIMEOUT", "0"),
        ("KAPULA_TICK_SECONDS", "-1"),
        ("KAPULA_TICK_SECONDS", "often"),
    ],
)
def test_a_bad_setting_names_itself(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidDataError) as caught:
        load_settings()
    assert name in caught.value.message


def test_tick_zero_means_no_timer_loop(monkeypatch):
    """`kapula serve --tick 0` hands KAPULA_TICK_SECONDS=0 to its workers: a valid setting."""
    monkeypatch.setenv("KAPULA_TICK_SECONDS", "0")
    assert load_settings().tick_seconds == 0
