"""A short load run over HTTP against real server processes, checked case by case at the end."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bench.load import LoadConfig, run_load
from engine.access import passwords

CONFIG = LoadConfig(cases=40, workers=8, race_every=4, racers=3, funding_every=5, timer_cases=6, time_limit=90)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Tokens are what the simulated people sign in with: the seed's passwords need no strength."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_advisors_racing_over_http_leave_every_case_consistent(database_url, backend, processes):
    if processes > 1 and backend == "sqlite":
        pytest.skip(
            "several server processes need PostgreSQL: SQLite is one file on one host "
            "(run with KAPULA_DATABASE_URL=postgresql://… for the two-process run)"
        )
    cfg = LoadConfig(**{**vars(CONFIG), "processes": processes})
    report = run_load(database_url, cfg)
    assert report.problems == []
    races = len(range(0, cfg.cases, cfg.race_every))
    assert report.losing_racers == races * (cfg.racers - 1) == report.conflicts
    funding = len(range(1, cfg.cases, cfg.funding_every))
    assert report.completions == 4 * (cfg.cases - funding) + 3 * funding
    summary = report.summary()
    assert summary["completions_per_s"] > 0 and summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]
