"""`kapula test`'s runner: scenarios on fresh databases, failures with their step and reason, coverage per model."""

from __future__ import annotations

from pathlib import Path

from engine.model import Event, Lifecycle
from engine.scenarios import runner
from engine.scenarios.coverage import taken_flows
from engine.scenarios.graph import ModelGraph
from engine.scenarios.report import FAILED, PASSED, SKIPPED, UNDEFINED, render
from engine.scenarios.runner import feature_files, run_features
from tests.conftest import BPMN, FIXTURES

FEATURES = FIXTURES / "features"

FAILING = """Feature: Broken expectations
  Scenario: Funding goes to SEK
    Given a new case of "Handoff_demo"
    When "Asiakas" completes "Kuvaa tarve"
    And "SEK" completes "Valmistele käynti" with:
      | needs_funding | true |
    Then the case waits at "Jälkihoito" in lane "SEK"
    And the case is completed

  Scenario: Speaks nonsense
    Given a new case of "Handoff_demo"
    Then the moon is full

  Scenario: Fine
    Given a new case of "Handoff_demo"
    Then the case waits at "Kuvaa tarve" in lane "Asiakas"
"""


def _write(tmp_path: Path, text: str, name: str = "x.feature") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_fixture_features_all_pass_with_outline_rows_named(tmp_path):
    report = run_features([FEATURES], models=BPMN)
    assert report.passed, "\n".join(render(report))
    names = [s.name for s in report.scenarios]
    assert "The gateway sends the case to ELY only when funding is needed [funding=true, next=Rahoituspäätös, lane=ELY]" in names
    assert "Rahoitustarve vie työn ELYlle ja kahden päivän odotuksen jälkeen takaisin SEKille" in names
    assert len(report.scenarios) == 9


def test_a_failing_step_is_reported_with_its_line_and_reason_and_the_rest_skipped(tmp_path):
    report = run_features([_write(tmp_path, FAILING)], models=BPMN)
    assert not report.passed
    first, nonsense, fine = report.scenarios
    failed = first.failed_step
    assert (failed.line, failed.keyword.strip(), failed.status) == (7, "Then", FAILED)
    assert (
        failed.message
        == 'expected the case to wait at "Jälkihoito" in lane "SEK", but the case waits at "Rahoituspäätös" in lane "ELY"'
    )
    assert [s.status for s in first.steps] == [PASSED, PASSED, PASSED, FAILED, SKIPPED]
    assert nonsense.failed_step.status == UNDEFINED
    assert fine.passed
    text = "\n".join(render(report))
    assert "  FAIL  Funding goes to SEK  (line 2)" in text
    assert '        at line 7: Then the case waits at "Jälkihoito" in lane "SEK"' in text
    assert "  PASS  Fine  (line 14)" in text
    assert "3 scenario(s): 1 passed, 2 failed" in text


def test_each_scenario_has_its_own_fresh_database(tmp_path, monkeypatch):
    opened = []
    real_open = runner.open_kapula

    def spy(url, **kwargs):
        kapula = real_open(url, **kwargs)
        opened.append((url, kapula.processes(), kapula.cases()))
        return kapula

    monkeypatch.setattr(runner, "open_kapula", spy)
    two = "Feature: f\n" + "".join(f'  Scenario: s{i}\n    Given a new case of "Handoff_demo"\n' for i in (1, 2))
    report = run_features([_write(tmp_path, two)], models=BPMN)
    assert report.passed
    assert len({url for url, _, _ in opened}) == 2
    assert [(processes, cases) for _, processes, cases in opened] == [([], []), ([], [])]


def test_a_file_that_is_not_gherkin_is_a_problem_and_fails_the_run(tmp_path):
    bad = _write(tmp_path, "Feature: x\n  Scenario: y\n    Given a\n    | a |\n   not a step\n", "bad.feature")
    report = run_features([bad], models=BPMN)
    assert not report.passed
    assert report.problems and report.problems[0].startswith(f"{bad}: ")
    assert "no scenarios found" in render(report)


def test_feature_files_are_found_under_folders_once_each(tmp_path):
    (tmp_path / "sub").mkdir()
    a = _write(tmp_path, "Feature: a\n", "a.feature")
    b = _write(tmp_path / "sub", "Feature: b\n", "b.feature")
    assert feature_files([tmp_path, a]) == [a, b]


def test_coverage_names_what_the_scenarios_reached_and_what_none_did(tmp_path):
    only_default = """Feature: f
  Scenario: no funding
    Given a new case of "Handoff_demo"
    When "Asiakas" completes "Kuvaa tarve"
    And "SEK" completes "Valmistele käynti" with:
      | needs_funding | false |
"""
    report = run_features([_write(tmp_path, only_default)], models=BPMN)
    (model,) = report.coverage
    assert model.key == "Handoff_demo"
    reached = {(i.kind, i.element_id) for i in model.items if i.reached}
    missed = {(i.kind, i.element_id) for i in model.missed}
    assert reached == {("task", "Task_describe"), ("task", "Task_prepare"), ("task", "Task_aftercare"), ("flow", "Flow_default")}
    assert missed == {("task", "Task_funding"), ("task", "Task_feedback"), ("flow", "Flow_funding"), ("end", "EndEvent_done")}
    assert (model.counts("task"), model.counts("flow"), model.counts("end")) == ((3, 5), (1, 2), (0, 1))
    text = "\n".join(render(report))
    assert "  Yrityskäynti ja kapulan vaihto (Handoff_demo): 3/5 tasks, 1/2 gateway flows, 0/1 end events" in text
    assert '    not reached: gateway flow "Tarvitaanko rahoitusta?" → "Rahoituspäätös" (rahoitus)' in text
    assert '    not reached: task "Anna palaute" [Asiakas]' in text
    assert "  Toistuvat yrityskäynnit (Loop_demo): no scenario deployed it" in text


def _event(seq: int, element: str, lifecycle: Lifecycle) -> Event:
    return Event(case_id=1, seq=seq, at=None, lifecycle=lifecycle, element_id=element)  # type: ignore[arg-type]


def test_a_gateway_flow_is_taken_only_when_the_gateway_was_the_last_way_in():
    source = {"three_lanes.bpmn": (BPMN / "three_lanes.bpmn").read_text(encoding="utf-8")}
    graph = ModelGraph.from_source("Handoff_demo", source)
    ready, done = Lifecycle.TASK_READY, Lifecycle.TASK_COMPLETED
    via_timer = [
        _event(1, "Gateway_route", done),
        _event(2, "Task_funding", ready),
        _event(3, "Task_funding", done),
        _event(4, "Timer_wait", ready),
        _event(5, "Timer_wait", done),
        _event(6, "Task_aftercare", ready),
    ]
    assert taken_flows(graph, via_timer) == {"Flow_funding"}  # aftercare came from the timer, not the default flow
    direct = [_event(1, "Gateway_route", done), _event(2, "Task_aftercare", ready)]
    assert taken_flows(graph, direct) == {"Flow_default"}
