"""What a case waits for besides people, as the command line, the API and the case page show it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.conftest import BPMN
from tests.e2e.conftest import upload
from tests.e2e.test_pages import sign_in

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_kapula_cases_names_the_timers_after_an_event_gateway_and_their_due_times(cli):
    assert cli("load", str(BPMN / "event_gateway_timers.bpmn")).exit_code == 0
    started = json.loads(cli("start", "Event_gateway_timers", "--json").output)
    moved = cli("complete", started["ready_tasks"][0]["id"]).output
    assert "waits for 1 hour (timer, due " in moved and "waits for 2 hours (timer, due " in moved
    (case,) = json.loads(cli("cases", "--json").output)
    first, second = case["waiting_for"]
    assert (first["name"], first["kind"], second["name"]) == ("1 hour", "timer", "2 hours")
    assert case["next_timer_due"] == first["due"]
    listed = cli("cases").output
    assert f"1 hour (timer, due {datetime.fromisoformat(first['due']).isoformat()})" in listed
    assert "2 hours (timer, due " in listed


def test_the_api_and_the_case_page_name_the_events_a_case_waits_for(client, tokens, clock):
    clock.set(T0)
    admin = tokens["admin"]
    assert upload(client, tokens["omistaja"], "event_gateway_timers.bpmn").status_code == 201
    case = client.post("/api/cases", headers=admin, json={"process_key": "Event_gateway_timers"}).json()
    task = case["ready_tasks"][0]["id"]
    assert client.post(f"/api/tasks/{task}/complete", headers=admin, json={"data": {}}).status_code == 200
    body = client.get(f"/api/cases/{case['id']}", headers=admin).json()
    assert [(e["element_id"], e["kind"], e["due"]) for e in body["waiting_for"]] == [
        ("Timer_short", "timer", "2026-01-05T09:00:00Z"),
        ("Timer_long", "timer", "2026-01-05T10:00:00Z"),
    ]
    assert body["next_timer_due"] == "2026-01-05T09:00:00Z"
    page = sign_in(client, "admin").get(f"/cases/{case['id']}")
    assert page.status_code == 200
    assert "1 hour – ajastin, erääntyy" in page.text and "2 hours – ajastin, erääntyy" in page.text
