"""The import cases (../shared/cases/import/) where their users met them: on the command line and
over HTTP, where a Camunda service task was a traceback and a 500, and a Signavio lane label with a
line break found no tasks."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES

IMPORT = FIXTURES / "import"


def test_kapula_load_keeps_a_camunda_service_task_as_documentation_with_a_note(cli):
    loaded = cli("load", str(IMPORT / "camunda_service.bpmn"))
    assert loaded.exit_code == 0, loaded.output
    assert "Traceback" not in loaded.output and "documentation only" in loaded.output
    assert "'Run some service' (t)" in loaded.output and "only Camunda can run" in loaded.output
    started = cli("start", "svc")
    assert started.exit_code == 3 and "documentation only" in started.output


def test_an_http_upload_of_a_camunda_service_task_is_stored_with_its_issue(client, tokens):
    files = [("files", ("camunda_service.bpmn", (IMPORT / "camunda_service.bpmn").read_bytes(), "application/xml"))]
    r = client.post("/api/processes", headers=tokens["admin"], params={"owner": "SEK"}, files=files)
    assert r.status_code == 201, r.text
    (version,) = r.json()["versions"]
    assert version["runnable"] is False
    assert [(i["element_id"], i["element_name"]) for i in version["issues"]] == [("t", "Run some service")]


def test_kapula_tasks_finds_a_signavio_task_by_its_lane_without_the_line_break(cli):
    assert cli("load", str(IMPORT / "signavio_style.bpmn")).exit_code == 0
    case = json.loads(cli("start", "sid-proc-1", "--json").output)
    listed = cli("tasks", "--lane", "Office A", "--json")
    assert [(t["name"], t["lane"], t["case_id"]) for t in json.loads(listed.output)] == [
        ("Register request", "Office A", case["id"])
    ]


def test_kapula_load_accepts_an_implicit_end(cli):
    loaded = cli("load", str(IMPORT / "implicit_end.bpmn"))
    assert loaded.exit_code == 0 and "documentation only" not in loaded.output, loaded.output
