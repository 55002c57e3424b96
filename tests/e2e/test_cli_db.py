"""`kapula db current` and `kapula db upgrade`: the schema's migrations applied on purpose."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli import main
from bench.servers import free_port
from engine.persistence.migrate import head_revision


def _cli(database_url: str, *args: str):
    return CliRunner().invoke(main, ["--database", database_url, *args], catch_exceptions=False)


def test_db_upgrade_brings_an_empty_database_step_by_step_to_head(database_url):
    assert json.loads(_cli(database_url, "db", "current", "--json").output) == {"current": None, "head": head_revision()}
    first = _cli(database_url, "db", "upgrade", "--revision", "0001")
    assert first.exit_code == 0 and "from empty to 0001" in first.output
    assert "needs `kapula db upgrade`" in _cli(database_url, "db", "current").output
    assert json.loads(_cli(database_url, "db", "upgrade", "--json").output) == {"before": "0001", "current": head_revision()}
    again = _cli(database_url, "db", "upgrade")
    assert again.exit_code == 0 and f"already at {head_revision()}" in again.output
    assert "up to date" in _cli(database_url, "db", "current").output


def test_db_commands_on_an_unreachable_database_exit_8_with_one_line():
    result = CliRunner().invoke(main, ["--database", f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere", "db", "current"])
    assert result.exit_code == 8
    assert result.output.strip() == "error: the database is not reachable just now; try again in 5 seconds"
