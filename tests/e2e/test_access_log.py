"""The access log: every read or change of a case over the API and the pages is recorded, and only
administrators list it (API and `kapula access-log`)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli import main
from tests.e2e.conftest import signin_form, upload


def _log(client, admin, case_id):
    r = client.get(f"/api/cases/{case_id}/access-log", headers=admin)
    assert r.status_code == 200, r.text
    return [(e["user"], e["action"], e["task_id"], e["origin"]) for e in r.json()]


def test_api_reads_and_changes_are_logged_with_who_what_and_request(client, tokens):
    admin, customer, sek = tokens["admin"], tokens["asiakas"], tokens["sek.neuvoja"]
    assert upload(client, tokens["omistaja"]).status_code == 201
    case = client.post("/api/cases", headers=customer, json={"process_key": "Handoff_demo"}).json()
    cid, describe = case["id"], case["ready_tasks"][0]["id"]
    sek_task = client.post(f"/api/tasks/{describe}/complete", headers=customer, json={"data": {"need": "kasvu"}}).json()[
        "ready_tasks"
    ][0]["id"]
    assert client.post(f"/api/tasks/{sek_task}/claim", headers=sek).status_code == 200
    assert client.get(f"/api/cases/{cid}", headers=sek).status_code == 200
    assert client.get("/api/cases", headers=sek).status_code == 200
    # refused: nothing read, the refused attempt logged (tests/e2e/test_refusals.py)
    assert client.get(f"/api/cases/{cid}", headers=tokens["te.neuvoja"]).status_code == 403
    assert client.post(f"/api/cases/{cid}/cancel", headers=tokens["omistaja"], json={"reason": "tuplakirjaus"}).status_code == 200

    assert _log(client, admin, cid) == [
        ("asiakas", "start", None, "POST /api/cases from testclient"),
        ("asiakas", "complete", describe, f"POST /api/tasks/{describe}/complete from testclient"),
        ("sek.neuvoja", "claim", sek_task, f"POST /api/tasks/{sek_task}/claim from testclient"),
        ("sek.neuvoja", "read", None, f"GET /api/cases/{cid} from testclient"),
        ("sek.neuvoja", "list", None, "GET /api/cases from testclient"),
        ("te.neuvoja", "read", None, f"GET /api/cases/{cid} from testclient"),
        ("omistaja", "cancel", None, f"POST /api/cases/{cid}/cancel from testclient"),
    ]
    refused = [e["refused"] for e in client.get(f"/api/cases/{cid}/access-log", headers=admin).json()]
    assert [r is not None for r in refused] == [False] * 5 + [True, False]
    assert all(e["at"] for e in client.get(f"/api/cases/{cid}/access-log", headers=admin).json())
    # listing the log is no access to the case itself
    assert len(_log(client, admin, cid)) == 7


def test_only_administrators_list_it(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201
    cid = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()["id"]
    for name in ("omistaja", "sek.neuvoja", "asiakas"):
        r = client.get(f"/api/cases/{cid}/access-log", headers=tokens[name])
        assert r.status_code == 403 and r.json()["code"], name
    assert client.get("/api/cases/999999/access-log", headers=tokens["admin"]).status_code == 404


def test_pages_are_logged_and_the_cli_lists_by_case_and_user(client, tokens, database_url):
    assert upload(client, tokens["omistaja"]).status_code == 201
    cid = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()["id"]
    other = client.post("/api/cases", headers=tokens["toinen.asiakas"], json={"process_key": "Handoff_demo"}).json()["id"]
    r = client.post("/signin", data=signin_form(client, "asiakas"), follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/cases/{cid}").status_code == 200
    assert ("asiakas", "read", None, f"GET /cases/{cid} from testclient") in _log(client, tokens["admin"], cid)

    runner = CliRunner()
    out = runner.invoke(main, ["--database", database_url, "access-log", "--case", str(cid), "--json"], catch_exceptions=False)
    entries = json.loads(out.output)
    assert {e["case_id"] for e in entries} == {cid} and entries[0]["action"] == "start"
    by_user = json.loads(
        runner.invoke(main, ["--database", database_url, "access-log", "--user", "toinen.asiakas", "--json"]).output
    )
    assert [(e["case_id"], e["action"]) for e in by_user] == [(other, "start")]
    text = runner.invoke(main, ["--database", database_url, "access-log", "--case", str(cid)]).output
    assert f"case {cid}" in text and "start" in text and "POST /api/cases" in text


def test_administrators_erase_over_the_api_and_the_erasure_is_logged(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201
    cid = client.post(  # an advisor records it: the start has no form, and a customer gives data only in forms
        "/api/cases",
        headers=tokens["sek.neuvoja"],
        json={"process_key": "Handoff_demo", "data": {"yhteyshenkilo": "Maija Meikäläinen"}},
    ).json()["id"]
    for name in ("omistaja", "sek.neuvoja", "asiakas"):
        assert client.post(f"/api/cases/{cid}/erase", headers=tokens[name], json={"fields": ["yhteyshenkilo"]}).status_code == 403
    # without a reason nothing is erased, and the error names the field
    r = client.post(f"/api/cases/{cid}/erase", headers=tokens["admin"], json={"fields": ["yhteyshenkilo"]})
    assert r.status_code == 422 and "reason" in r.text
    # the three_lanes forms declare no personal field: the caller must name them
    r = client.post(f"/api/cases/{cid}/erase", headers=tokens["admin"], json={"reason": "asiakkaan pyyntö"})
    assert r.status_code == 422 and r.json()["code"]
    r = client.post(
        f"/api/cases/{cid}/erase", headers=tokens["admin"], json={"fields": ["yhteyshenkilo"], "reason": "asiakkaan pyyntö"}
    )
    assert r.status_code == 200 and r.json()["fields"] == ["yhteyshenkilo"]
    case = client.get(f"/api/cases/{cid}", headers=tokens["admin"]).json()
    assert "Meikäläinen" not in str(case)
    assert ("admin", "erase", None, f"POST /api/cases/{cid}/erase from testclient") in _log(client, tokens["admin"], cid)


def test_cli_erase(client, tokens, database_url):
    assert upload(client, tokens["omistaja"]).status_code == 201
    cid = client.post(
        "/api/cases", headers=tokens["sek.neuvoja"], json={"process_key": "Handoff_demo", "data": {"email": "maija@example.fi"}}
    ).json()["id"]
    no_reason = CliRunner().invoke(main, ["--database", database_url, "erase", str(cid), "--field", "email", "--by", "dpo"])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    out = CliRunner().invoke(
        main, ["--database", database_url, "erase", str(cid), "--field", "email", "--by", "dpo", "--reason", "asiakkaan pyyntö"]
    )
    assert out.exit_code == 0 and f"case {cid}: erased email" in out.output
    assert "maija@example.fi" not in str(client.get(f"/api/cases/{cid}", headers=tokens["admin"]).json())
    assert ("dpo", "erase", None, "kapula erase") in _log(client, tokens["admin"], cid)
    refused = CliRunner().invoke(main, ["--database", database_url, "erase", str(cid), "--reason", "pyyntö"])
    assert refused.exit_code != 0 and "name the fields" in refused.output
