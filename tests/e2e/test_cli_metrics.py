"""`kapula metrics`: the readable table and --json, on a log built through the engine."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli import main
from api.cli_metrics import duration
from tests.integration.metrics_log import KEY, build_log


def test_metrics_table_and_json(kapula, clock, database_url):
    build_log(kapula, clock)
    runner = CliRunner()
    shown = runner.invoke(main, ["--database", database_url, "metrics", KEY], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "cases: 4 started, 2 completed, 1 cancelled, 1 in progress" in shown.output
    assert "lead time: n=2 mean 1 day 9 hr  median 1 day 9 hr  p90 2 days 5 hr  max 2 days 11 hr" in shown.output
    assert "1 never claimed: waiting unknown" in shown.output
    assert any(line.split()[:3] == ["Asiakas", "SEK", "3"] for line in shown.output.splitlines())
    as_json = json.loads(
        runner.invoke(main, ["--database", database_url, "metrics", KEY, "--segment", "founder", "--json"]).output
    )
    assert as_json["cases"] == {"started": 2, "completed": 1, "cancelled": 0, "in_progress": 1, "failed": 0, "incidents": 0}
    assert as_json["lead_time"]["median"] == 7 * 3600


def test_unknown_process_exits_with_not_found(database_url):
    result = CliRunner().invoke(main, ["--database", database_url, "metrics", "nope"])
    assert result.exit_code == 4 and "nope" in result.output


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (None, 30, 600, 5400, 3 * 86400)] == ["–", "30 sec", "10 min", "1 hr 30 min", "3 days"]


def test_export_writes_the_file_and_counts_events(kapula, clock, database_url, tmp_path):
    build_log(kapula, clock)
    target = tmp_path / "log.csv"
    result = CliRunner().invoke(main, ["--database", database_url, "export", KEY, "--format", "csv", "-o", str(target), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["events"] == len(target.read_text(encoding="utf-8").splitlines()) - 1 > 20


def test_export_refuses_an_existing_file_unless_forced(kapula, clock, database_url, tmp_path):
    # `export -o /etc/passwd` overwrote it; the progress line ended without a newline
    build_log(kapula, clock)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "log.csv"
    target.write_text("keep me\n", encoding="utf-8")
    args = ["--database", database_url, "export", KEY, "--format", "csv", "-o", str(target)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and f"{target} already exists; use --force to overwrite" in refused.output
    assert target.read_text(encoding="utf-8") == "keep me\n"
    forced = CliRunner().invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.stderr.startswith("\r") and forced.stderr.endswith(" events\n")
    assert forced.stdout.startswith("wrote ") and target.read_text(encoding="utf-8").startswith("case")
    # a failed export leaves no file behind, and nothing beside it
    missing = tmp_path / "out" / "nope.csv"
    failed = CliRunner().invoke(main, ["--database", database_url, "export", "nope", "-o", str(missing)])
    assert failed.exit_code == 4 and not missing.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["log.csv"]


def test_a_date_out_of_range_is_one_line_and_invalid_data(kapula, clock, database_url):
    # 'kapula metrics KEY --since 0001-01-01' printed SQLAlchemy's 94-line OverflowError and exit 1
    build_log(kapula, clock)
    for option, value in (("--since", "0001-01-01"), ("--until", "9999-12-31T23:59:59-14:00")):
        result = CliRunner().invoke(main, ["--database", database_url, "metrics", KEY, option, value])
        assert result.exit_code == 6 and "Traceback" not in result.output, (option, result.output)
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: "), result.output
