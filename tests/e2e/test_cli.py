"""The `kapula` command line as a user runs it: readable output, --json for scripts, exit codes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from tests.conftest import BPMN

REPO = Path(__file__).resolve().parents[2]


def test_a_case_from_load_to_history(cli):
    loaded = cli("load", str(BPMN / "three_lanes.bpmn"))
    assert loaded.exit_code == 0, loaded.output
    assert "Handoff_demo v1 (new version)" in loaded.output and "Asiakas, SEK, ELY" in loaded.output
    again = cli("load", str(BPMN / "three_lanes.bpmn"))
    assert "Handoff_demo v1 (unchanged)" in again.output

    # --user names an existing user, held to the access rules: a customer starts and works their own case
    assert cli("user", "add", "maija", "--role", "customer", "--password", "salasana-123").exit_code == 0
    started = json.loads(cli("start", "Handoff_demo", "--user", "maija", "--json").output)  # no start form: no data
    assert started["status"] == "running"
    (task,) = started["ready_tasks"]
    assert (task["element_id"], task["lane"]) == ("Task_describe", "Asiakas")

    listed = cli("tasks", "--lane", "Asiakas")
    assert task["id"] in listed.output and "Kuvaa tarve" in listed.output
    assert cli("tasks", "--lane", "ELY").output.strip() == "no ready tasks"

    done = cli("complete", task["id"], "--data", '{"need": "kasvu"}', "--user", "maija")
    assert done.exit_code == 0 and "waits for SEK: Valmistele käynti" in done.output

    history = cli("history", str(started["id"]))
    assert "task completed Kuvaa tarve [Asiakas] by maija" in history.output
    assert "Asiakas -> SEK (Task_prepare, not picked up yet)" in history.output
    as_json = json.loads(cli("history", str(started["id"]), "--json").output)
    assert [h["to_lane"] for h in as_json["handoffs"]] == ["SEK"]
    assert cli("tick").output.strip() == "0 case(s) moved by due timers"


def test_errors_are_readable_with_exit_codes(cli):
    bad = cli("load", str(BPMN / "not_xml.bpmn"))
    assert bad.exit_code == 3 and "not well-formed XML" in bad.output
    assert cli("processes").output.strip().startswith("no processes deployed")
    documented = cli("load", str(BPMN / "gateway_no_default.bpmn"))
    assert documented.exit_code == 0
    assert "documentation only — 1 thing to fix before cases can start" in documented.output
    assert "line 11, element 'Kunnossa?' (Gateway_1)" in documented.output and "no condition and no default" in documented.output
    key = documented.output.split()[0]
    refused = cli("start", key)
    assert refused.exit_code == 3 and "documentation only" in refused.output

    missing = cli("complete", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 4 and "error: task" in missing.output

    cli("load", str(BPMN / "three_lanes.bpmn"))
    not_json = cli("start", "Handoff_demo", "--data", "{oops")
    assert not_json.exit_code == 2 and "not valid JSON" in not_json.output
    as_json = cli("start", "Nope", "--json")
    assert as_json.exit_code == 4 and json.loads(as_json.output)["error"] == "NotFoundError"


@pytest.mark.parametrize(
    "command", ["load", "processes", "start", "tasks", "complete", "cancel", "history", "tick", "demo", "cases"]
)
def test_every_command_has_help(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output and "--json" in result.output


def _all_commands(group, path=()):
    import click

    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*path, name))


def test_every_command_and_subcommand_has_help(cli):
    commands = list(_all_commands(main))
    assert len(commands) > 20
    for command in commands:
        result = cli(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, (command, result.output)


def test_the_cli_runs_as_a_module_with_no_import_cycle():
    """`python -m api.cli` imported the command modules, which imported api.cli back (ImportError)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "api.cli", "--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout and "migrate" in done.stdout


def test_the_demo_runs_the_models_in_bpmn(cli):
    result = cli("demo", "--models", str(REPO / "bpmn"))
    assert result.exit_code == 0, result.output
    assert "case 1: completed" in result.output
    for key in ("suupohja_yrityskaynti", "suupohja_teemaseminaari", "lansi_uusimaa_yrityspalvelu", "vastuullisuusraportointi"):
        assert f"process {key} v1" in result.output
    assert "running; waits for" in result.output
    assert "handoffs:" in result.output
    rerun = cli("demo", "--models", str(REPO / "bpmn"))
    assert "has cases already" in rerun.output


def test_the_demo_names_its_missing_default_models_folder_not_an_option(cli, tmp_path, monkeypatch):
    # it said "Invalid value for '--models': Directory 'bpmn' does not exist.", an option not given
    monkeypatch.chdir(tmp_path)
    result = cli("demo")
    assert result.exit_code == 2 and "'--models'" not in result.output
    assert f"the default models folder 'bpmn' is not in {tmp_path}; name the folder with --models" in result.output


def test_tick_can_keep_running_for_a_scheduler(cli):
    result = cli("tick", "--every", "0.1", "--rounds", "3")
    assert result.exit_code == 0
    assert result.output.count("0 case(s) moved by due timers") == 3


def test_a_bad_time_zone_setting_is_one_readable_line_not_a_traceback(database_url, monkeypatch):
    monkeypatch.setenv("KAPULA_TIME_ZONE", "Mars/Base")
    result = CliRunner().invoke(main, ["--database", database_url, "processes"])
    assert result.exit_code == 6, result.output
    assert "KAPULA_TIME_ZONE" in result.output and "Mars/Base" in result.output and "Traceback" not in result.output


HUGE = str(2**66)  # beyond a 64-bit integer: the driver raised OverflowError, printed as a traceback


@pytest.mark.parametrize(
    "args",
    [
        ("history", HUGE),
        ("cancel", HUGE, "--reason", "x"),
        ("retry", HUGE),
        ("tasks", "--case", HUGE),
        ("access-log", "--case", HUGE),
        ("erase", HUGE, "--reason", "x", "--by", "x"),
        ("user", "revoke", HUGE),
        ("migrate", "Handoff_demo", "--from", HUGE, "--to", "1", "--dry-run"),
        ("metrics", "Handoff_demo", "--version", HUGE),
    ],
)
def test_an_id_too_large_for_the_database_is_a_usage_error(cli, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "is not in the range 1<=x<=2147483647" in result.output


def test_a_file_that_cannot_be_written_is_one_line_and_invalid_data(cli, tmp_path):
    """Exit 6 (invalid data, README) naming the missing folder; before, click's FileError exited 1."""
    assert cli("load", str(BPMN / "three_lanes.bpmn")).exit_code == 0
    missing = tmp_path / "no-such-folder" / "log.csv"
    result = cli("export", "Handoff_demo", "--format", "csv", "-o", str(missing))
    assert result.exit_code == 6, result.output
    assert result.output == f"error: cannot use the file {missing}: the folder {missing.parent} does not exist\n"
    as_json = json.loads(cli("export", "Handoff_demo", "-o", str(missing), "--json").output)
    assert as_json["error"] == "InvalidDataError" and as_json["field_errors"] == {"file": str(missing)}
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli("docs", "Handoff_demo", "--out", str(blocker / "docs"))
    assert result.exit_code == 6 and str(blocker / "docs") in result.output and "Not a directory" in result.output


def test_force_writes_through_a_symlink_and_never_over_what_is_not_a_file(cli, tmp_path):
    """--force put a new file in place of whatever was at the path (a rename over it): a symlink
    became a file and its target kept the old text, a named pipe became a file, and as root
    `export -o /dev/full --force` replaced the device. Now a symlink is written through, as a shell's
    `>` does, and anything but a regular file is refused with exit 6, left as it was."""
    assert cli("load", str(BPMN / "three_lanes.bpmn")).exit_code == 0
    target = tmp_path / "log.csv"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert cli("export", "Handoff_demo", "--format", "csv", "-o", str(link), "--force").exit_code == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("case_id")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    pipe_link = tmp_path / "pipe-link.csv"
    pipe_link.symlink_to(pipe)
    for path in (pipe, pipe_link):
        refused = cli("export", "Handoff_demo", "--format", "csv", "-o", str(path), "--force")
        assert refused.exit_code == 6, refused.output
        assert refused.output == (
            f"error: cannot use the file {path}: it is a named pipe; the command writes regular files only\n"
        )
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and pipe_link.is_symlink()
    cards = tmp_path / "cards"
    cards.mkdir()
    (tmp_path / "mine.md").write_text("mine", encoding="utf-8")
    (cards / "Handoff_demo.md").symlink_to(tmp_path / "mine.md")
    os.mkfifo(cards / "Handoff_demo.html")
    refused = cli("docs", "Handoff_demo", "--out", str(cards), "--force")
    assert refused.exit_code == 6 and "Handoff_demo.html: it is a named pipe" in refused.output
    assert stat.S_ISFIFO((cards / "Handoff_demo.html").lstat().st_mode)
    (cards / "Handoff_demo.html").unlink()
    assert cli("docs", "Handoff_demo", "--out", str(cards), "--force").exit_code == 0
    assert (cards / "Handoff_demo.md").is_symlink() and (tmp_path / "mine.md").read_text(encoding="utf-8") != "mine"


def test_docs_refuse_files_that_exist_unless_forced(cli, tmp_path):
    assert cli("load", str(BPMN / "three_lanes.bpmn")).exit_code == 0
    out = tmp_path / "cards"
    out.mkdir()
    (out / "Handoff_demo.md").write_text("mine", encoding="utf-8")
    refused = cli("docs", "Handoff_demo", "--out", str(out))
    assert refused.exit_code == 2 and "Handoff_demo.md already exists; use --force to overwrite" in refused.output
    assert [p.name for p in out.iterdir()] == ["Handoff_demo.md"] and (out / "Handoff_demo.md").read_text() == "mine"
    assert cli("docs", "Handoff_demo", "--out", str(out), "--force").exit_code == 0
    assert (out / "Handoff_demo.md").read_text(encoding="utf-8") != "mine" and (out / "Handoff_demo.tem.svg").is_file()
    # an unknown key among the keys writes nothing
    fresh = tmp_path / "fresh"
    assert cli("docs", "Handoff_demo", "nope", "--out", str(fresh)).exit_code == 4 and not fresh.exists()


def test_an_unknown_migration_revision_is_one_line(cli):
    result = cli("db", "upgrade", "--revision", "nope")
    assert result.exit_code == 6 and "--revision 'nope': Can't locate revision identified by 'nope'" in result.output


def test_a_folder_without_a_diagram_is_a_usage_error_not_a_silent_success(cli, tmp_path):
    result = cli("load", str(tmp_path))
    assert result.exit_code == 2 and f"no .bpmn file in {tmp_path}" in result.output
    assert cli("processes", "--json").output.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--tick", "nan"),
        ("tick", "--every", "nan"),
        ("tick", "--every", "inf"),
        ("metrics", "Handoff_demo", "--stuck-after", "nan"),
    ],
)
def test_a_number_of_seconds_or_hours_is_finite(cli, args):
    # nan passes click's range check; `serve --tick nan` failed in the settings with a traceback
    result = cli(*args)
    assert result.exit_code == 2 and "is not a finite number" in result.output, result.output


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("garbage", "the database URL 'garbage' is not a URL"),
        (
            "mysql://kapula:secret@db/kapula",
            "the database URL 'mysql://kapula:***@db/kapula' names mysql, which Kapula does not run on",
        ),
        ("postgresql+asyncpg://db/kapula", "names postgresql+asyncpg, which Kapula does not run on"),
        # "the database is not reachable just now; try again in 5 seconds", which never helps
        ("sqlite:////no/such/folder/kapula.db", "the SQLite file '/no/such/folder/kapula.db' is in a folder that does not exist"),
    ],
)
def test_a_database_url_kapula_cannot_use_is_one_line_without_its_password(url, said):
    # SQLAlchemy's ArgumentError, or the missing driver's ModuleNotFoundError, was a traceback
    result = CliRunner().invoke(main, ["--database", url, "processes"])
    assert result.exit_code == 6, result.output
    assert said in result.output and "secret" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("KAPULA_DATABASE_URL", "garbage", "the database URL 'garbage' is not a URL"),
        ("KAPULA_TIME_ZONE", "Mars/Base", "setting KAPULA_TIME_ZONE: 'Mars/Base' is not a time zone"),
    ],
)
def test_serve_with_a_setting_it_cannot_use_says_so_before_it_starts(monkeypatch, setting, value, said):
    # it printed 'Kapula is at …', then each worker's traceback
    monkeypatch.setenv(setting, value)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the server started"))
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 6 and said in result.output and "Kapula is at" not in result.output, result.output
