"""A called process's task as people see it: by its name and the call activity's lane on the command
line, in the JSON API and on the case page (../shared/cases/engine/call-activity-lanes)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli import main
from tests.conftest import FIXTURES
from tests.e2e.test_pages import sign_in

CALLS = FIXTURES / "call_activities"
FILES = ("case_main.bpmn", "case_register_check.bpmn")


def test_the_command_line_lists_the_called_task_by_name_and_lane(database_url, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for name in FILES:
        (folder / name).write_bytes((CALLS / name).read_bytes())
    runner = CliRunner()

    def cli(*args: str):
        result = runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Main_case v1" in cli("load", str(folder))  # the folder's models that call each other go as one upload
    case = json.loads(cli("start", "Main_case", "--json"))
    for _ in range(2):
        (task,) = json.loads(cli("tasks", "--case", str(case["id"]), "--json"))
        cli("complete", task["id"])
    (task,) = json.loads(cli("tasks", "--case", str(case["id"]), "--json"))
    assert (task["name"], task["lane"]) == ("Look up register", "Office A")
    listed = cli("tasks", "--lane", "Office A")
    assert "Office A             Look up register  (Main_case v1)" in listed and "Task_lookup" not in listed
    assert "waits for: Look up register [Office A]" in cli("cases")
    cli("complete", task["id"])
    history = cli("history", str(case["id"]))
    assert "task completed Look up register [Office A]" in history and "Task_lookup" not in history
    assert "Office B -> Office A (Call_check" in history


def test_the_api_and_the_case_page_name_the_called_task(client, tokens):
    files = [("files", (n, (CALLS / n).read_bytes(), "application/xml")) for n in FILES]
    r = client.post("/api/processes", headers=tokens["admin"], params={"owner": "SEK"}, files=files)
    assert r.status_code == 201, r.text
    admin = tokens["admin"]
    case = client.post("/api/cases", headers=admin, json={"process_key": "Main_case", "data": {}}).json()
    for _ in range(2):
        (task,) = client.get("/api/tasks", headers=admin, params={"case_id": case["id"]}).json()
        assert client.post(f"/api/tasks/{task['id']}/complete", headers=admin, json={"data": {}}).status_code == 200
    (task,) = client.get("/api/tasks", headers=admin, params={"lane": "Office A"}).json()
    assert (task["name"], task["lane"]) == ("Look up register", "Office A")
    detail = client.get(f"/api/cases/{case['id']}", headers=admin).json()
    assert [(t["name"], t["lane"]) for t in detail["ready_tasks"]] == [("Look up register", "Office A")]
    ready = [e for e in detail["timeline"] if e["element_id"] == "Register_check:Task_lookup"]
    assert ready and all((e["element_name"], e["lane"]) == ("Look up register", "Office A") for e in ready)
    page = sign_in(client, "admin").get(f"/cases/{case['id']}")
    assert page.status_code == 200 and "Look up register" in page.text and ">Task_lookup<" not in page.text
