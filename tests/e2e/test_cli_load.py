"""`kapula load` with folders and globs: each model finds its decision tables, forms and card itself,
models that call each other go together, and a diagram that cannot run says what to fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "bpmn").glob("*.bpmn"))
FIXTURES = REPO / "tests" / "fixtures"


def _loaded(result) -> dict[str, dict]:
    assert result.exit_code == 0, result.output
    return {v["key"]: v for v in json.loads(result.output)["versions"]}


def test_every_model_of_bpmn_loads_by_glob_with_its_decision_table_and_forms(cli):
    # `kapula load bpmn/*.bpmn` names no DMN and no form: they are found next to the models
    versions = _loaded(cli("load", "--json", *map(str, MODELS)))
    assert len(versions) == len(MODELS)
    assert all(v["issues"] == [] for v in versions.values()), versions
    started = cli("start", "lansi_uusimaa_yrityspalvelu", "--data", '{"asiakas": "Oy Testi Ab", "kanava": "kaynti"}')
    assert started.exit_code == 0, started.output


def test_a_folder_loads_as_one_transaction_and_again_unchanged(cli):
    first = _loaded(cli("load", "--json", str(REPO / "bpmn")))
    again = json.loads(cli("load", "--json", str(REPO / "bpmn")).output)
    assert again["created"] == [False] * len(first)


def test_a_folder_with_a_file_that_cannot_be_loaded_stores_nothing(cli, tmp_path: Path):
    shutil.copy(FIXTURES / "bpmn" / "loop.bpmn", tmp_path / "loop.bpmn")
    shutil.copy(FIXTURES / "bpmn" / "not_xml.bpmn", tmp_path / "not_xml.bpmn")
    result = cli("load", str(tmp_path))
    assert result.exit_code == 3 and "not_xml.bpmn" in result.output and "Traceback" not in result.output
    assert cli("processes").output.strip().startswith("no processes deployed")


def test_models_that_call_each_other_go_in_one_upload(cli, tmp_path: Path):
    for name in ("C.9.0.bpmn", "C.9.1.bpmn", "C.9.2.bpmn"):
        shutil.copy(FIXTURES / "miwg" / name, tmp_path / name)
    versions = _loaded(cli("load", "--json", str(tmp_path / "C.9.0.bpmn")))
    assert set(versions) == {"customer_onboarding_en", "ManualCheck", "requestDocument_en"}
    messages = " ".join(i["message"] for i in versions["customer_onboarding_en"]["issues"])
    assert "which is not in this upload" not in messages
    assert "calls process 'ManualCheck', which cannot run yet" in messages


def test_a_task_naming_a_form_nobody_uploaded_is_reported_at_load(cli, tmp_path: Path):
    shutil.copy(FIXTURES / "bpmn" / "three_lanes.bpmn", tmp_path / "three_lanes.bpmn")
    result = cli("load", str(tmp_path / "three_lanes.bpmn"))
    assert result.exit_code == 0
    assert "documentation only — 1 thing to fix before cases can start" in result.output
    assert "the form 'tarve.json'" in result.output and "'Kuvaa tarve' (Task_describe)" in result.output
    (tmp_path / "tarve.json").write_text('{"type": "object"}', encoding="utf-8")
    fixed = _loaded(cli("load", "--json", str(tmp_path)))
    assert fixed["Handoff_demo"]["version"] == 2 and fixed["Handoff_demo"]["issues"] == []


_RULE_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_r" targetNamespace="urn:t">
  <bpmn:process id="Discounts" name="Discounts" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L_a" name="Office A"><bpmn:flowNodeRef>S</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Rule</bpmn:flowNodeRef><bpmn:flowNodeRef>Look</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S"><bpmn:outgoing>F0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="Rule" name="Decide"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>d_one</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>F0</bpmn:incoming><bpmn:outgoing>F1</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:userTask id="Look" name="Look"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="E"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F0" sourceRef="S" targetRef="Rule" />
    <bpmn:sequenceFlow id="F1" sourceRef="Rule" targetRef="Look" />
    <bpmn:sequenceFlow id="F2" sourceRef="Look" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>
"""


def _table(ids: list[str]) -> str:
    decisions = "".join(
        f'<decision id="{d}" name="{d}"><decisionTable id="T_{d}">'
        f'<input id="I_{d}" label="Customer"><inputExpression id="IE_{d}" typeRef="string"><text>customer</text></inputExpression></input>'
        f'<output id="O_{d}" label="discount" name="discount" typeRef="number"/>'
        f'<rule id="R_{d}"><inputEntry id="RI_{d}"><text>-</text></inputEntry><outputEntry id="RO_{d}"><text>5</text></outputEntry></rule>'
        "</decisionTable></decision>"
        for d in ids
    )
    return f'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="D" name="D" namespace="urn:t">{decisions}</definitions>'


def test_named_decision_tables_are_the_only_ones_loaded(cli, tmp_path: Path):
    # a sibling file holding the same decision (as Camunda Modeler saves several in one file) was
    # picked up beside the one named, and the version was documentation only: two decisions 'd_one'
    (tmp_path / "discounts.bpmn").write_text(_RULE_MODEL, encoding="utf-8")
    (tmp_path / "d_one.dmn").write_text(_table(["d_one"]), encoding="utf-8")
    (tmp_path / "all_decisions.dmn").write_text(_table(["d_one", "d_two"]), encoding="utf-8")
    versions = _loaded(cli("load", "--json", str(tmp_path / "discounts.bpmn"), str(tmp_path / "d_one.dmn")))
    assert versions["Discounts"]["issues"] == [], versions
    # naming no table, the folder's tables are looked up: both hold 'd_one', and the issue names the file
    again = _loaded(cli("load", "--json", str(tmp_path / "discounts.bpmn")))
    assert "two decisions have the id 'd_one'" in json.dumps(again["Discounts"]["issues"])
