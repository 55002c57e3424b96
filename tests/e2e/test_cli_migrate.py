"""`kapula migrate` as an operator runs it: dry run, plan file, progress, readable errors, --json."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from engine.bundles import model_bundle
from tests.integration.test_reference_models import VISIT, VISIT_START
from tests.migration_models import version_b

MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "suupohja_yrityskaynti.bpmn"


def test_dry_run_then_move_with_a_plan_file(database_url, kapula, tmp_path) -> None:
    kapula.deploy(model_bundle(MODEL))
    case_id = kapula.start_case(VISIT, VISIT_START, user="sek").id
    renamed = {
        MODEL.name: lambda t: version_b(t).replace("Task_valmistele", "Task_valmistelu"),
        "suupohja_yrityskaynti.card.json": lambda t: t.replace("Task_valmistele", "Task_valmistelu"),
    }
    kapula.deploy([(n, renamed[n](c.decode()).encode() if n in renamed else c) for n, c in model_bundle(MODEL)])
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(main, ["--database", database_url, "migrate", VISIT, "--from", "1", "--to", "2", *args])

    dry = cli("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"case {case_id}: cannot move — it is at 'Valmistele yrityskäynti' (Task_valmistele)" in dry.output
    assert "suggestion: map Task_valmistele → Task_valmistelu" in dry.output

    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    refused = cli("--plan", str(bad))
    assert refused.exit_code == 6 and "not a readable JSON plan" in refused.output and "Traceback" not in refused.output

    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"Task_valmistele": "Timer_seuranta"}))
    assert "different kinds of element" in cli("--plan", str(wrong)).output

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"Task_valmistele": "Task_valmistelu"}))
    moved = cli("--plan", str(plan), "--json")
    assert moved.exit_code == 0, moved.output
    report = json.loads(moved.stdout)
    assert report["cases"] == [{"case_id": case_id, "moves": True, "reasons": [], "moved": True, "skipped": None}]
    assert kapula.get_case(case_id).ready_tasks[0].element_id == "Task_valmistelu"
    assert runner.invoke(main, ["--database", database_url, "migrate", "--help"]).exit_code == 0


def test_a_plan_file_nested_too_deep_is_one_line(database_url, tmp_path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(
        main,
        ["--database", database_url, "migrate", "Handoff_demo", "--from", "1", "--to", "2", "--plan", str(plan), "--dry-run"],
    )
    assert result.exit_code == 6 and f"{plan}: not a readable JSON plan" in result.output, result.output
