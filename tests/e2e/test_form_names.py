"""A form reference that cannot name a form is reported at upload, over HTTP as from the engine: the
version is documentation only, the issue names the element's name, id and line (it was ignored, and
the task took any data)."""

from __future__ import annotations

import pytest

from tests.conftest import BPMN


@pytest.mark.parametrize("value", ["ytunnus.jsn", "../../etc/passwd"])
def test_an_upload_with_a_form_name_that_is_no_form_file_is_not_runnable(client, tokens, value):
    model = (BPMN / "three_lanes.bpmn").read_bytes().replace(b'kapula:form="tarve.json"', f'kapula:form="{value}"'.encode())
    files = [
        ("files", ("three_lanes.bpmn", model, "application/xml")),
        ("files", ("tarve.json", (BPMN / "tarve.json").read_bytes(), "application/json")),
    ]
    r = client.post("/api/processes", headers=tokens["omistaja"], files=files)
    assert r.status_code == 201, r.text[:300]
    [version] = r.json()["versions"]
    assert version["runnable"] is False
    [issue] = version["issues"]
    assert (issue["element_id"], issue["element_name"], issue["line"]) == ("Task_describe", "Kuvaa tarve", 28)
    assert f"names the form '{value}' (kapula:form)" in issue["message"]
    started = client.post("/api/cases", headers=tokens["admin"], json={"process_key": "Handoff_demo", "data": {}})
    assert started.status_code == 422 and "documentation only" in started.json()["message"]
