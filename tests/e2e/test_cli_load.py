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
