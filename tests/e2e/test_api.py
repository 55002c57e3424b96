"""The JSON API against the real app and database: each endpoint, and the error table."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BPMN, FIXTURES
from tests.e2e.conftest import upload


@pytest.fixture
def client(client: TestClient, tokens) -> TestClient:
    """The app, signed in as the administrator (access rules are tested in test_access.py)."""
    client.headers.update(tokens["admin"])
    return client


def _upload(client, name="three_lanes.bpmn"):
    return upload(client, {}, name, owner="SEK")


def _started(client):
    assert _upload(client).status_code == 201
    r = client.post("/api/cases", json={"process_key": "Handoff_demo", "data": {"customer": "Oy"}})
    assert r.status_code == 201, r.text
    return r.json()


def test_upload_returns_key_version_and_lanes_and_same_file_is_no_new_version(client):
    r = _upload(client)
    assert r.status_code == 201
    (v,) = r.json()["versions"]
    assert (v["key"], v["version"], v["lanes"], v["created"]) == ("Handoff_demo", 1, ["Asiakas", "SEK", "ELY"], True)
    assert _upload(client).json()["versions"][0]["created"] is False
    assert [p["key"] for p in client.get("/api/processes").json()] == ["Handoff_demo"]
    assert [p["version"] for p in client.get("/api/processes/Handoff_demo/versions").json()] == [1]


def test_version_xml_is_the_uploaded_file(client):
    _upload(client)
    r = client.get("/api/processes/Handoff_demo/versions/1/xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert r.content == (BPMN / "three_lanes.bpmn").read_bytes()
    assert client.get("/api/processes/Handoff_demo/versions/2/xml").json()["code"] == "not_found"


def test_a_file_that_cannot_be_loaded_is_422_with_its_issues(client):
    r = _upload(client, "not_xml.bpmn")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "diagram_invalid" and body["details"]["issues"]
    assert all("message" in i for i in body["details"]["issues"])
    assert client.get("/api/processes").json() == []


def test_a_diagram_that_cannot_run_is_kept_as_documentation_and_says_what_to_fix(client):
    r = _upload(client, "missing_target.bpmn")
    assert r.status_code == 201, r.text
    [version] = r.json()["versions"]
    assert version["runnable"] is False
    [issue] = [i for i in version["issues"] if i["element_id"] == "Flow_2"]
    assert issue["line"] == 13 and issue["file"] == "missing_target.bpmn" and "points to 'Task_missing'" in issue["message"]
    [listed] = client.get("/api/processes").json()
    assert listed["runnable"] is False and listed["issues"] == version["issues"]
    refused = client.post("/api/cases", json={"process_key": version["key"]})
    assert refused.status_code == 422 and refused.json()["code"] == "diagram_invalid"
    assert "documentation only" in refused.json()["message"]
    assert client.get("/api/cases").json() == []


def test_oversized_upload_is_413_before_the_body_is_read(client):
    big = b"<x/>" + b" " * 300_000
    r = client.post("/api/processes", files=[("files", ("big.bpmn", big, "application/xml"))])
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_oversized_streamed_body_without_length_is_413(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    r = client.post("/api/cases", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_case_runs_lane_to_lane_through_the_api(client):
    case = _started(client)
    (describe,) = case["ready_tasks"]
    assert (describe["name"], describe["lane"]) == ("Kuvaa tarve", "Asiakas")
    r = client.post(f"/api/tasks/{describe['id']}/complete", json={"data": {"need": "kasvu"}})
    assert r.status_code == 200, r.text
    sek = client.get("/api/tasks", params={"lane": "SEK"}).json()
    assert [t["name"] for t in sek] == ["Valmistele käynti"]
    assert client.get("/api/tasks", params={"lane": "ELY"}).json() == []
    detail = client.get(f"/api/cases/{case['id']}").json()
    assert detail["handoffs"][0]["from_lane"] == "Asiakas" and detail["handoffs"][0]["to_lane"] == "SEK"
    assert [e["lifecycle"] for e in detail["timeline"]][:2] == ["case_started", "task_ready"]
    assert detail["data"]["need"] == "kasvu"


def test_claim_unclaim_and_task_state_filter(client):
    case = _started(client)
    task_id = case["ready_tasks"][0]["id"]
    assert client.post(f"/api/tasks/{task_id}/claim").json()["claimed_by"]
    assert client.post(f"/api/tasks/{task_id}/claim").status_code == 409
    assert [t["id"] for t in client.get("/api/tasks", params={"state": "claimed"}).json()] == [task_id]
    assert client.get("/api/tasks", params={"state": "unclaimed"}).json() == []
    assert client.post(f"/api/tasks/{task_id}/unclaim").json()["claimed_by"] is None
    assert client.get(f"/api/tasks/{task_id}").json()["claimed_by"] is None


def test_claiming_or_giving_back_a_task_of_a_cancelled_case_says_the_case_is_cancelled(client):
    """The words a completion answers with ("case N is cancelled; it takes no more steps"), not the
    task's "not ready; it was probably completed by someone else"."""
    case = _started(client)
    task_id = case["ready_tasks"][0]["id"]
    assert client.post(f"/api/tasks/{task_id}/claim").status_code == 200
    assert client.post(f"/api/cases/{case['id']}/cancel", json={"reason": "tuplakirjaus"}).status_code == 200
    completed = client.post(f"/api/tasks/{task_id}/complete", json={"data": {}})
    said = f"case {case['id']} is cancelled; it takes no more steps"
    assert completed.status_code == 409 and completed.json()["message"] == said
    for action in ("claim", "unclaim"):
        r = client.post(f"/api/tasks/{task_id}/{action}")
        assert (r.status_code, r.json()["code"], r.json()["message"]) == (409, "conflict", said), action


def test_completing_twice_is_409_and_bad_data_is_422_with_field_errors(client):
    case = _started(client)
    task_id = case["ready_tasks"][0]["id"]
    r = client.post(f"/api/tasks/{task_id}/complete", json={"data": {"_secret": 1}})
    assert r.status_code == 422
    assert r.json()["details"]["field_errors"] == {"_secret": "not a usable field name"}
    assert client.post(f"/api/tasks/{task_id}/complete", json={"data": {}}).status_code == 200
    r = client.post(f"/api/tasks/{task_id}/complete", json={"data": {}})
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_cancel_then_cancel_again_is_409(client):
    case = _started(client)
    r = client.post(f"/api/cases/{case['id']}/cancel", json={"reason": "tuplakirjaus"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.post(f"/api/cases/{case['id']}/cancel", json={"reason": "uudestaan"}).status_code == 409
    assert client.get("/api/cases", params={"status": "cancelled"}).json()[0]["id"] == case["id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/cases/999", 404, "not_found"),
        ("get", "/api/tasks/00000000-0000-0000-0000-000000000000", 404, "not_found"),
        ("post", "/api/tasks/00000000-0000-0000-0000-000000000000/claim", 404, "not_found"),
        ("get", "/api/processes/Nope/versions", 404, "not_found"),
        ("get", "/api/cases/abc", 422, "invalid_request"),
        ("get", "/api/nothing-here", 404, "not_found"),
    ],
)
def test_errors_have_one_shape(client, method, path, status, code):
    r = getattr(client, method)(path)
    assert r.status_code == status
    body = r.json()
    assert body["code"] == code and isinstance(body["message"], str) and isinstance(body["details"], dict)


def test_start_of_unknown_process_is_404_and_malformed_body_422(client):
    assert client.post("/api/cases", json={"process_key": "Nope"}).status_code == 404
    r = client.post("/api/cases", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_a_task_answers_with_its_own_data_and_the_case_keeps_no_instance_item(client, kapula):
    # an instance of a multi-instance task is for one item: the page shows it in the name, the API in `data` too
    kapula.deploy([("statements.bpmn", (FIXTURES / "multi_instance" / "statements.bpmn").read_bytes())])
    r = client.post("/api/cases", json={"process_key": "Statements", "data": {"offices": ["Office A", "Office B"]}})
    assert r.status_code == 201, r.text
    case = r.json()
    first, second = case["ready_tasks"]
    task = client.get(f"/api/tasks/{first['id']}").json()
    assert (task["name"], task["data"]) == ("Give statement — Office A", {"office": "Office A"})
    listed = client.get("/api/tasks", params={"case_id": case["id"]}).json()
    assert [t["data"] for t in listed] == [{"office": "Office A"}, {"office": "Office B"}]
    r = client.post(f"/api/tasks/{first['id']}/complete", json={"data": {"statement": "agreed"}})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"offices": ["Office A", "Office B"], "statements": ["agreed"]}
    assert client.get(f"/api/cases/{case['id']}").json()["data"] == r.json()["data"]
    assert client.get(f"/api/tasks/{second['id']}").json()["data"] == {"office": "Office B"}
    schema = client.get("/openapi.json").json()["components"]["schemas"]["TaskPublic"]["properties"]["data"]
    assert schema["type"] == "object" and "multi-instance" in schema["description"]


def test_a_case_timeline_comes_in_pages_of_events_and_the_summaries_stay_whole(client, kapula):
    from engine.model import MAX_TIMELINE_PAGE, TIMELINE_PAGE

    assert upload(client, {}, "loop.bpmn", owner="SEK").status_code == 201
    case = client.post("/api/cases", json={"process_key": "Loop_demo", "data": {}}).json()
    while len(kapula.history(case["id"])) <= TIMELINE_PAGE + 20:
        (task,) = kapula.get_case(case["id"]).ready_tasks
        kapula.complete_task(task.id, {"again": True})
    full = client.get(f"/api/cases/{case['id']}", params={"limit": MAX_TIMELINE_PAGE}).json()
    assert full["timeline_total"] == len(full["timeline"]) > TIMELINE_PAGE and full["timeline_older"] is None
    assert [e["seq"] for e in full["timeline"]] == sorted(e["seq"] for e in full["timeline"])

    latest = client.get(f"/api/cases/{case['id']}").json()  # the default page: the latest events
    assert latest["timeline"] == full["timeline"][-TIMELINE_PAGE:]
    assert latest["timeline_older"] == latest["timeline"][0]["seq"]
    assert latest["timeline_total"] == full["timeline_total"]
    assert (latest["stages"], latest["handoffs"], latest["lead_time_seconds"]) == (
        full["stages"],
        full["handoffs"],
        full["lead_time_seconds"],
    )
    assert (latest["stages_total"], latest["stages_older"]) == (len(full["stages"]), None)

    pages, before = [], None
    while True:  # walking back with `before` gives every event once
        page = client.get(f"/api/cases/{case['id']}", params={"limit": 37, **({"before": before} if before else {})}).json()
        assert 0 < len(page["timeline"]) <= 37
        pages = page["timeline"] + pages
        before = page["timeline_older"]
        if before is None:
            break
    assert pages == full["timeline"]
    for bad in ({"limit": 0}, {"limit": MAX_TIMELINE_PAGE + 1}, {"before": 0}):
        r = client.get(f"/api/cases/{case['id']}", params=bad)
        assert r.status_code == 422 and r.json()["code"] == "invalid_request", (bad, r.text)


def test_a_case_s_stages_and_handoffs_come_in_pages_as_its_events_do(client, kapula):
    """A looping case's stages and handoffs grow each round (1.66 MB and 0.56 MB at 1,000 rounds):
    the latest page of each by default, older pages by `stages_before` / `handoffs_before`."""
    from engine.model import MAX_TIMELINE_PAGE, TIMELINE_PAGE

    kapula.deploy([(n, (FIXTURES / "loops" / n).read_bytes()) for n in ("call_loop.bpmn", "call_loop_check.bpmn")])
    case = kapula.start_case("Call_loop")
    while len(kapula.timeline(case.id).handoffs) <= TIMELINE_PAGE + 10:
        for _ in range(3):
            [task] = kapula.ready_tasks(case_id=case.id)
            kapula.complete_task(task.id, {"accepted": False})
    url = f"/api/cases/{case.id}"
    full = client.get(url, params={"stages_limit": MAX_TIMELINE_PAGE, "handoffs_limit": MAX_TIMELINE_PAGE}).json()
    latest = client.get(url).json()
    for name in ("stages", "handoffs"):
        assert full[f"{name}_total"] == len(full[name]) > TIMELINE_PAGE and full[f"{name}_older"] is None
        assert latest[name] == full[name][-TIMELINE_PAGE:] and latest[f"{name}_total"] == full[f"{name}_total"]
        assert latest[f"{name}_older"] == latest[name][0]["seq"]
        walked, before = [], None
        while True:
            params = {f"{name}_limit": 41, **({f"{name}_before": before} if before else {})}
            page = client.get(url, params=params).json()
            walked = page[name] + walked
            before = page[f"{name}_older"]
            if before is None:
                break
        assert walked == full[name]
        for bad in ({f"{name}_limit": 0}, {f"{name}_limit": MAX_TIMELINE_PAGE + 1}, {f"{name}_before": 0}):
            r = client.get(url, params=bad)
            assert r.status_code == 422 and r.json()["code"] == "invalid_request", (bad, r.text)
    properties = client.get("/openapi.json").json()["components"]["schemas"]["CaseDetailPublic"]["properties"]
    assert {"stages_total", "stages_older", "handoffs_total", "handoffs_older"} <= set(properties)
