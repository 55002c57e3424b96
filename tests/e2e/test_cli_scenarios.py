"""`kapula test` as a process owner runs it: a readable report, coverage, --json, and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from tests.conftest import BPMN, FIXTURES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def kapula_test(database_url):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--database", database_url, "test", *args], catch_exceptions=False)

    return invoke


def test_passing_features_print_each_scenario_and_the_coverage_and_exit_0(kapula_test):
    result = kapula_test(str(FIXTURES / "features" / "handoff.feature"), "--models", str(BPMN))
    assert result.exit_code == 0, result.output
    assert str(FIXTURES / "features" / "handoff.feature") in result.output
    assert "  PASS  No funding: ELY never sees the case  (line 49)" in result.output
    assert "5 scenario(s): 5 passed, 0 failed" in result.output
    assert "  Yrityskäynti ja kapulan vaihto (Handoff_demo): 5/5 tasks, 2/2 gateway flows, 1/1 end events" in result.output


def test_a_failing_scenario_prints_its_step_and_reason_and_exits_1(kapula_test, tmp_path):
    feature = tmp_path / "wrong.feature"
    feature.write_text(
        'Feature: wrong\n  Scenario: ELY first\n    Given a new case of "Handoff_demo"\n'
        '    Then the case waits at "Rahoituspäätös" in lane "ELY"\n',
        encoding="utf-8",
    )
    result = kapula_test(str(tmp_path), "--models", str(BPMN))
    assert result.exit_code == 1
    assert "  FAIL  ELY first  (line 2)" in result.output
    assert '        at line 4: Then the case waits at "Rahoituspäätös" in lane "ELY"' in result.output
    assert (
        '        expected the case to wait at "Rahoituspäätös" in lane "ELY", but the case waits at "Kuvaa tarve" in lane "Asiakas"'
        in result.output
    )


def test_json_report_for_scripts(kapula_test):
    result = kapula_test(str(FIXTURES / "features" / "deadline.feature"), "--models", str(BPMN), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["passed"] is True
    assert [s["name"] for s in report["scenarios"]] == [
        "Five days without a decision: the delay is investigated",
        "A decision in time ends the case",
    ]
    (model,) = report["coverage"]
    assert model["key"] == "Boundary_demo"
    assert {(i["element_id"], i["reached"]) for i in model["items"]} == {
        ("Task_decide", True),
        ("Task_escalate", True),
        ("End_decided", True),
        ("End_escalated", False),
    }


def test_no_scenarios_is_a_failure(kapula_test, tmp_path):
    result = kapula_test(str(tmp_path), "--models", str(BPMN))
    assert result.exit_code == 1
    assert "no scenarios found" in result.output


def test_a_missing_feature_path_is_a_usage_error(kapula_test, tmp_path):
    result = kapula_test(str(tmp_path / "nope.feature"), "--models", str(BPMN))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_reference_features_run_from_the_command_line(kapula_test, monkeypatch):
    monkeypatch.chdir(REPO)
    result = kapula_test("features")
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output and "coverage of the models:" in result.output


def test_a_wrong_argument_is_named_not_the_default_models_folder(kapula_test, tmp_path, monkeypatch):
    # it said "Invalid value for '--models': Directory 'bpmn' does not exist.", an option not given
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("root:x:0:0\n", encoding="utf-8")
    result = kapula_test("notes.txt")
    assert result.exit_code == 2 and "'--models'" not in result.output
    assert "Invalid value for FEATURE_OR_DIR: notes.txt is not a .feature file or a folder of them" in result.output
    # a right argument without --models: the default folder is named as the default, where it was looked for
    (tmp_path / "a.feature").write_text("Feature: x\n", encoding="utf-8")
    result = kapula_test("a.feature")
    assert result.exit_code == 2 and f"the default models folder 'bpmn' is not in {tmp_path}" in result.output
    assert "name the folder with --models" in result.output
    result = kapula_test()
    assert result.exit_code == 2 and f"the default folder 'features' is not in {tmp_path}" in result.output
