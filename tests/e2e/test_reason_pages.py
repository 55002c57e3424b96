"""The reason asked before cancel and erase reaches the log: on the page, over the API and in the
CLI it is required, and the case's timeline shows it (issue 15, item 5)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from engine.bundles import model_bundle
from engine.erasure import ERASED
from tests.e2e.conftest import upload
from tests.e2e.test_pages import sign_in

VISIT = Path(__file__).resolve().parents[2] / "bpmn" / "suupohja_yrityskaynti.bpmn"


def _case(client, tokens) -> int:
    assert upload(client, tokens["omistaja"]).status_code == 201
    return client.post(
        "/api/cases", headers=tokens["admin"], json={"process_key": "Handoff_demo", "data": {"customer": "Oy Esimerkki Ab"}}
    ).json()["id"]


def test_the_cancel_page_logs_the_reason_and_the_timeline_shows_it(client, tokens):
    cid = _case(client, tokens)
    sign_in(client, "omistaja")
    empty = client.post(f"/cases/{cid}/cancel", data={"reason": "  "})
    assert empty.status_code == 422 and "Kirjoita syy." in empty.text
    done = client.post(f"/cases/{cid}/cancel", data={"reason": "Asiakas perui käynnin."}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/cases/{cid}").text
    assert "syy perumiseen" in page and "Asiakas perui käynnin." in page
    api = client.get(f"/api/cases/{cid}", headers=tokens["admin"]).json()
    assert [(n["action"], n["user"], n["reason"]) for n in api["notes"]] == [("cancel", "omistaja", "Asiakas perui käynnin.")]
    log = client.get(f"/api/cases/{cid}/access-log", headers=tokens["admin"]).json()
    assert [e["reason"] for e in log if e["action"] == "cancel"] == ["Asiakas perui käynnin."]


def test_the_api_requires_a_reason_to_cancel(client, tokens):
    cid = _case(client, tokens)
    for body in (None, {}, {"reason": ""}):
        r = client.post(f"/api/cases/{cid}/cancel", headers=tokens["admin"], json=body)
        assert r.status_code == 422 and "reason" in r.text, r.text
    assert client.get(f"/api/cases/{cid}", headers=tokens["admin"]).json()["status"] == "running"


def test_the_erase_page_logs_the_reason(client, tokens):
    cid = _case(client, tokens)
    sign_in(client, "admin")
    # three_lanes' forms declare no personal field: the page says so and nothing is logged
    r = client.post(f"/cases/{cid}/erase", data={"reason": "Tietopyyntö"})
    assert r.status_code == 422
    assert client.get(f"/api/cases/{cid}", headers=tokens["admin"]).json()["notes"] == []


def test_the_cli_requires_a_reason_and_history_shows_it(client, tokens, database_url):
    cid = _case(client, tokens)
    run = CliRunner().invoke
    missing = run(main, ["--database", database_url, "cancel", str(cid)])
    assert missing.exit_code == 2 and "--reason" in missing.output
    assert run(main, ["--database", database_url, "cancel", str(cid), "--reason", "Tuplakirjaus"]).exit_code == 0
    history = run(main, ["--database", database_url, "history", str(cid)])
    assert "cancel by" in history.output and ": Tuplakirjaus" in history.output


def test_erasing_a_case_erases_the_reasons_typed_for_it(client, tokens, cli):
    # the tester's find: after the erasure the cancel reason still named the customer and their
    # phone number on the advisor's case page, in `kapula history` and in the access log
    files = [("files", (name, content, "application/octet-stream")) for name, content in model_bundle(VISIT)]
    assert client.post("/api/processes", headers=tokens["omistaja"], files=files).status_code == 201
    customer, phone = "Erkki Esimerkki Tmi", "040 1234567"
    start = {"process_key": "suupohja_yrityskaynti", "data": {"asiakas": customer, "kunta": "Teuva"}}
    cid = client.post("/api/cases", headers=tokens["sek.neuvoja"], json=start).json()["id"]
    cancel = {"reason": f"{customer} (puh {phone}) pyysi lopettamaan"}
    assert client.post(f"/api/cases/{cid}/cancel", headers=tokens["omistaja"], json=cancel).status_code == 200
    # a first erasure of one field: its reason is free text too, the second erasure blanks it
    first = {"fields": ["kunta"], "reason": f"Kunta pois, soita {phone}"}
    assert client.post(f"/api/cases/{cid}/erase", headers=tokens["admin"], json=first).status_code == 200
    erased = client.post(f"/api/cases/{cid}/erase", headers=tokens["admin"], json={"reason": "Tietopyyntö 2026/7"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["rows_changed"] >= 3  # the data, the start event, the two earlier reasons

    log = client.get(f"/api/cases/{cid}/access-log", headers=tokens["admin"]).json()
    assert [(e["user"], e["action"], e["reason"]) for e in log if e["reason"] is not None] == [
        ("omistaja", "cancel", ERASED),
        ("admin", "erase", ERASED),
        ("admin", "erase", "Tietopyyntö 2026/7"),
    ]
    sign_in(client, "sek.neuvoja")
    page = client.get(f"/cases/{cid}")
    api = client.get(f"/api/cases/{cid}", headers=tokens["sek.neuvoja"])
    history = cli("history", str(cid))
    listed = cli("access-log", "--case", str(cid), "--json")
    assert page.status_code == api.status_code == 200 and history.exit_code == listed.exit_code == 0
    for shown in (page.text, api.text, history.output, listed.output, str(log)):
        assert "Erkki" not in shown and phone not in shown, shown
    assert "Tietopyyntö 2026/7" in page.text and ": Tietopyyntö 2026/7" in history.output
    assert [(n["action"], n["reason"]) for n in api.json()["notes"]] == [
        ("cancel", ERASED),
        ("erase", ERASED),
        ("erase", "Tietopyyntö 2026/7"),
    ]
