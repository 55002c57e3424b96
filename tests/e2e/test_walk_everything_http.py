"""No traceback, ever, over HTTP (issue 10): every diagram under bpmn/ and tests/fixtures/ is uploaded,
started, walked task by task with generated data and read back through the API and the process page;
every answer is a 2xx or a 4xx with the JSON error shape, never a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.http.app import create_app
from tests.e2e.conftest import PASSWORD
from tests.walk import DIAGRAMS, MAX_STEPS, bundle_of, case_data, label, names_in

WALKS = settings(max_examples=2, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


def answered(r: httpx.Response) -> httpx.Response:
    assert r.status_code < 500, (r.request.method, r.request.url.path, r.status_code, r.text[:300])
    if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str), r.text[:300]
    return r


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=label)
def test_every_diagram_over_http_answers_without_a_500(kapula, tokens, diagram: Path):
    app = create_app(kapula, max_body_bytes=6_000_000, secret_key="walk")
    with TestClient(app, raise_server_exceptions=False) as client:
        files = [("files", (name, content, "application/octet-stream")) for name, content in bundle_of(diagram)]
        uploaded = answered(client.post("/api/processes", files=files, headers=tokens["admin"], params={"owner": "SEK"}))
        if uploaded.status_code != 201:
            return
        versions = uploaded.json()["versions"]
        answered(client.post("/signin", data={"username": "admin", "password": PASSWORD, "next": "/"}))
        for version in versions:
            key = version["key"]
            for path in (
                f"/api/processes/{key}/versions",
                f"/api/processes/{key}/versions/{version['version']}/xml",
                f"/processes/{key}",
            ):
                answered(client.get(path, headers=tokens["admin"]))
        names = names_in(diagram)

        @WALKS
        @given(data=st.data())
        def walk(data: st.DataObject) -> None:
            for version in versions:
                _walk_case(client, tokens["admin"], version, lambda: data.draw(case_data(names)))

        walk()


def _walk_case(client: TestClient, headers: dict[str, str], version: dict[str, Any], draw: Any) -> None:
    started = answered(client.post("/api/cases", json={"process_key": version["key"], "data": draw()}, headers=headers))
    if not version["runnable"]:  # refused: for its data, or as documentation only
        assert started.status_code == 422, started.text[:300]
        return
    if started.status_code != 201:
        return
    case_id = started.json()["id"]
    for _ in range(MAX_STEPS):
        case = answered(client.get(f"/api/cases/{case_id}", headers=headers)).json()
        if not case["ready_tasks"]:
            break
        task_id = case["ready_tasks"][0]["id"]
        answered(client.post(f"/api/tasks/{task_id}/complete", json={"data": draw()}, headers=headers))
