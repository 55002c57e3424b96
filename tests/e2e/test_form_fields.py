"""Only what the process's forms define gets into a case, over the API, the pages and the CLI alike:
a field a start or task form does not define is a 422 naming it, and nothing is stored; a customer
gives no data at all to a start or task that has no form (an advisor still does)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engine.bundles import model_bundle
from tests.e2e.conftest import signin_form, upload

LU_MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "lansi_uusimaa_yrityspalvelu.bpmn"
LU = "lansi_uusimaa_yrityspalvelu"
# what the tester sent as a customer: the start form has asiakas and kanava; the gateways route on organisaatiot
INJECTED = {
    "asiakas": "Evil Oy",
    "kanava": "puhelin",
    "organisaatiot": ["ELY", "Novago"],
    "status": "completed",
    "hyvaksytty": True,
}
UNKNOWN = {"organisaatiot", "status", "hyvaksytty"}


def _upload_lu(client, headers):
    files = [("files", (name, content, "application/octet-stream")) for name, content in model_bundle(LU_MODEL)]
    r = client.post("/api/processes", headers=headers, params={"owner": "Novago"}, files=files)
    assert r.status_code == 201 and all(v["runnable"] for v in r.json()["versions"]), r.text[:500]


def test_a_customer_cannot_store_fields_the_start_form_does_not_define(client, tokens):
    _upload_lu(client, tokens["admin"])
    r = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": LU, "data": INJECTED})
    assert r.status_code == 422, r.text[:300]
    error = r.json()
    assert error["code"] == "invalid_data"
    assert error["details"]["field_errors"] == {name: "is not a field of this form" for name in UNKNOWN}
    assert all(name in error["message"] for name in UNKNOWN)
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []
    # staff are held to the form too
    r = client.post("/api/cases", headers=tokens["admin"], json={"process_key": LU, "data": INJECTED})
    assert r.status_code == 422 and set(r.json()["details"]["field_errors"]) == UNKNOWN
    ok = client.post(
        "/api/cases", headers=tokens["asiakas"], json={"process_key": LU, "data": {"asiakas": "Oy", "kanava": "puhelin"}}
    )
    assert ok.status_code == 201 and ok.json()["data"] == {"asiakas": "Oy", "kanava": "puhelin"}


def test_a_task_completion_with_a_field_its_form_does_not_define_is_refused_and_changes_nothing(client, tokens):
    _upload_lu(client, tokens["admin"])
    case = client.post(
        "/api/cases", headers=tokens["admin"], json={"process_key": LU, "data": {"asiakas": "Oy", "kanava": "puhelin"}}
    ).json()
    (task,) = case["ready_tasks"]
    before = client.get(f"/api/cases/{case['id']}", headers=tokens["admin"]).json()
    r = client.post(f"/api/tasks/{task['id']}/complete", headers=tokens["admin"], json={"data": {"hyvaksytty": True}})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["details"]["field_errors"]["hyvaksytty"] == "is not a field of this form"
    assert client.get(f"/api/cases/{case['id']}", headers=tokens["admin"]).json() == before


def test_a_customer_gives_no_data_to_a_start_without_a_form_but_an_advisor_does(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201  # Handoff_demo: its start event has no form
    r = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo", "data": {"reitti": "ELY"}})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["details"]["field_errors"] == {"reitti": "is not a field of this form"}
    assert "no form" in r.json()["message"]
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []
    assert client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).status_code == 201
    staff = client.post("/api/cases", headers=tokens["sek.neuvoja"], json={"process_key": "Handoff_demo", "data": {"x": 1}})
    assert staff.status_code == 201 and staff.json()["data"] == {"x": 1}


def test_the_start_page_and_the_cli_refuse_fields_the_start_form_does_not_define(client, tokens, cli):
    _upload_lu(client, tokens["admin"])
    out = cli("start", LU, "--data", json.dumps(INJECTED))
    assert out.exit_code == 6 and all(name in out.output for name in UNKNOWN), out.output
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []
    # the page posts only the form's fields; a customer's page start with a raw JSON box is not offered
    assert client.post("/signin", data=signin_form(client, "asiakas"), follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/processes/{LU}/start")
    assert page.status_code == 200 and 'name="organisaatiot"' not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    posted = client.post(
        f"/processes/{LU}/start",
        data={
            "csrf_token": token.group(1),
            "_submitted": "1",
            "asiakas": "Evil Oy",
            "kanava": "puhelin",
            "organisaatiot": "ELY",
            "_json": "{}",
        },
        follow_redirects=False,
    )
    assert posted.status_code in (302, 303), posted.text[:300]
    (stored,) = client.get("/api/cases", headers=tokens["admin"]).json()
    assert client.get(f"/api/cases/{stored['id']}", headers=tokens["admin"]).json()["data"] == {
        "asiakas": "Evil Oy",
        "kanava": "puhelin",
    }


def test_every_missing_required_field_is_reported_at_once_over_the_api_and_on_the_page(client, tokens):
    _upload_lu(client, tokens["admin"])
    r = client.post("/api/cases", headers=tokens["admin"], json={"process_key": LU, "data": {}})
    assert r.status_code == 422 and r.json()["details"]["field_errors"] == {
        "asiakas": "is required",
        "kanava": "is required",
    }
    case = client.post(
        "/api/cases", headers=tokens["admin"], json={"process_key": LU, "data": {"asiakas": "Oy", "kanava": "puhelin"}}
    ).json()
    (task,) = case["ready_tasks"]  # 'Määrittele asiakastarve': aiempi_asiakas, segmentti, tarpeet required
    r = client.post(f"/api/tasks/{task['id']}/complete", headers=tokens["admin"], json={"data": {}})
    assert r.status_code == 422
    assert r.json()["details"]["field_errors"] == {name: "is required" for name in ("aiempi_asiakas", "segmentti", "tarpeet")}
    # the start page flags both empty fields in one submit
    assert client.post("/signin", data=signin_form(client, "asiakas"), follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/processes/{LU}/start")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    posted = client.post(f"/processes/{LU}/start", data={"csrf_token": token.group(1), "_submitted": "1"}, follow_redirects=False)
    assert posted.status_code == 422
    assert re.findall(r'id="error-(\w+)">Pakollinen tieto puuttuu', posted.text) == ["asiakas", "kanava"]
