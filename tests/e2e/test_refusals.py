"""Refused attempts are in the access log (who, what, when, why), and a refusal tells someone who
does not take part in a case nothing about it, not even a lane (issue 12, item 13)."""

from __future__ import annotations

from tests.e2e.conftest import upload
from tests.e2e.test_pages import sign_in


def _case_with_sek_task(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    done = client.post(
        f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", headers=tokens["asiakas"], json={"data": {"need": "kasvu"}}
    ).json()
    return case["id"], done["ready_tasks"][0]["id"]


def _refusals(client, tokens, case_id):
    log = client.get(f"/api/cases/{case_id}/access-log", headers=tokens["admin"]).json()
    return [e for e in log if e["refused"]]


def test_refused_reads_and_steps_are_logged_with_who_what_when_and_why(client, tokens):
    cid, sek_task = _case_with_sek_task(client, tokens)
    assert client.get(f"/api/cases/{cid}", headers=tokens["toinen.asiakas"]).status_code == 403
    assert client.post(f"/api/cases/{cid}/cancel", headers=tokens["sek.neuvoja"]).status_code == 403
    assert client.post(f"/api/tasks/{sek_task}/claim", headers=tokens["sek.neuvoja"]).status_code == 200
    # a colleague's completion of the claimed task: refused by the claim rule (409), also logged
    r = client.post(f"/api/tasks/{sek_task}/complete", headers=tokens["sek.toinen"], json={"data": {"needs_funding": False}})
    assert r.status_code == 409

    refused = _refusals(client, tokens, cid)
    assert [(e["user"], e["action"], e["task_id"]) for e in refused] == [
        ("toinen.asiakas", "read", None),
        ("sek.neuvoja", "cancel", None),
        ("sek.toinen", "complete", sek_task),
    ]
    assert "not one you take part in" in refused[0]["refused"]
    assert "only the process owner cancels" in refused[1]["refused"]
    assert "claimed by sek.neuvoja" in refused[2]["refused"]
    assert all(e["at"] and e["origin"].endswith("from testclient") for e in refused)
    # what was refused changed nothing: the task is still ready and claimed by its holder
    task = client.get(f"/api/tasks/{sek_task}", headers=tokens["sek.neuvoja"]).json()
    assert task["state"] == "READY" and task["claimed_by"] == "sek.neuvoja"


def test_a_403_names_no_lane_to_whoever_does_not_take_part(client, tokens):
    cid, sek_task = _case_with_sek_task(client, tokens)
    for name in ("te.neuvoja", "toinen.asiakas", "novago.omistaja"):
        r = client.get(f"/api/tasks/{sek_task}", headers=tokens[name])
        assert r.status_code == 403, name
        assert "SEK" not in r.text and "lane" not in r.text, r.text
        r = client.post(f"/api/tasks/{sek_task}/complete", headers=tokens[name], json={"data": {}})
        assert r.status_code == 403 and "SEK" not in r.text, r.text
    refused = _refusals(client, tokens, cid)
    assert {e["user"] for e in refused} >= {"te.neuvoja", "toinen.asiakas", "novago.omistaja"}


def test_refused_uploads_and_process_reads_are_logged_without_a_case(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201
    assert upload(client, tokens["novago.omistaja"]).status_code == 403
    assert upload(client, tokens["sek.neuvoja"]).status_code == 403
    assert client.get("/api/processes/Handoff_demo/metrics", headers=tokens["asiakas"]).status_code == 403
    log = client.get("/api/cases/1/access-log", headers=tokens["admin"])
    assert log.status_code == 404  # no case yet: process-level entries are listed by the CLI and Kapula.access_log

    kapula = client.app.state.kapula
    entries = kapula.access_log(refused=True)
    assert [(e.user, e.action, e.process_key, e.case_id) for e in entries] == [
        ("novago.omistaja", "deploy", "Handoff_demo", None),
        ("sek.neuvoja", "deploy", None, None),
        ("asiakas", "read_metrics", "Handoff_demo", None),
    ]
    assert "belongs to SEK" in entries[0].refused and "only process owners" in entries[1].refused
    done = kapula.access_log(refused=False)
    assert [(e.user, e.action, e.process_key) for e in done] == [("omistaja", "deploy", "Handoff_demo")]


def test_giving_back_a_colleagues_task_from_a_stale_page_says_who_holds_it(client, tokens):
    # the page said "this belongs to another organisation's lane or another customer's case" to an
    # advisor of the task's own lane whose page was older than a colleague's claim
    _cid, sek_task = _case_with_sek_task(client, tokens)
    assert client.post(f"/api/tasks/{sek_task}/claim", headers=tokens["sek.toinen"]).status_code == 200
    sign_in(client, "sek.neuvoja")
    r = client.post(f"/tasks/{sek_task}/unclaim", headers={"Accept-Language": "fi"})
    assert r.status_code == 403
    assert "tehtävä on jo käyttäjän sek.toinen työn alla" in r.text and "toisen organisaation" not in r.text
    assert client.get(f"/api/tasks/{sek_task}", headers=tokens["sek.toinen"]).json()["claimed_by"] == "sek.toinen"
    sign_in(client, "te.neuvoja")  # who may not see the task still gets the plain 403, naming no one
    r = client.post(f"/tasks/{sek_task}/unclaim")
    assert r.status_code == 403 and "sek.toinen" not in r.text


def test_the_cancel_and_erase_pages_log_their_refusals(client, tokens):
    # the confirmation pages refused a wrong role on their own, and nothing was logged
    cid, _sek_task = _case_with_sek_task(client, tokens)
    sign_in(client, "sek.neuvoja")  # takes part in the case, but only owners and administrators cancel
    r = client.get(f"/cases/{cid}/cancel")
    assert r.status_code == 403 and 'name="reason"' not in r.text and "Ei oikeutta" in r.text
    sign_in(client, "omistaja")  # sees every case of the process, but only administrators erase
    r = client.get(f"/cases/{cid}/erase")
    assert r.status_code == 403 and 'name="reason"' not in r.text and "Ei oikeutta" in r.text
    assert client.get(f"/cases/{cid}/cancel").status_code == 200  # the owner's own confirmation

    refused = [(e.user, e.action, e.case_id, e.origin) for e in client.app.state.kapula.access_log(refused=True)]
    assert refused == [
        ("sek.neuvoja", "cancel", cid, f"GET /cases/{cid}/cancel from testclient"),
        ("omistaja", "erase", cid, f"GET /cases/{cid}/erase from testclient"),
    ]


def test_an_error_pages_technical_description_is_labelled_in_the_readers_language(client, tokens):
    # the engine's own message, as the API and the access log have it, stays English under that label
    cid, _sek_task = _case_with_sek_task(client, tokens)
    sign_in(client, "sek.neuvoja")
    for language, label in (("fi", "Tekninen kuvaus"), ("sv", "Teknisk beskrivning"), ("en", "Technical details")):
        r = client.get(f"/cases/{cid}/cancel", headers={"Accept-Language": language})
        assert r.status_code == 403 and f'<html lang="{language}"' in r.text
        assert f'<summary>{label}</summary><p lang="en"><small>sek.neuvoja: only the process owner cancels' in r.text


def test_the_claim_and_give_back_buttons_of_a_cancelled_case_say_it_is_cancelled(client, tokens):
    cid, sek_task = _case_with_sek_task(client, tokens)
    assert client.post(f"/api/tasks/{sek_task}/claim", headers=tokens["sek.neuvoja"]).status_code == 200
    assert client.post(f"/api/cases/{cid}/cancel", headers=tokens["admin"], json={"reason": "tuplakirjaus"}).status_code == 200
    sign_in(client, "sek.neuvoja")
    said = {
        "fi": f"Tapaus #{cid} on peruttu, eikä se etene enää.",
        "sv": f"Ärende #{cid} har avbrutits och tar inga fler steg.",
        "en": f"Case #{cid} is cancelled; it takes no more steps.",
    }
    for language, words in said.items():
        for action in ("claim", "unclaim", "complete"):
            r = client.post(f"/tasks/{sek_task}/{action}", headers={"Accept-Language": language})
            assert r.status_code == 409 and words in r.text, (language, action)
