"""A failed timer step as the API, the command line and the case page show it, and its retry
(issue 12, item 4; ../shared/cases/security/one-timer-fails)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from api.cli import main
from tests.conftest import FIXTURES
from tests.e2e.test_pages import sign_in

# long before the machine's clock: the command line (system clock) sees these timers as due
T0 = datetime(2020, 1, 6, 8, 0, tzinfo=UTC)
CASES = FIXTURES / "incidents"


def _upload(client, headers, name: str):
    files = [("files", (name, (CASES / name).read_bytes(), "application/xml"))]
    r = client.post("/api/processes", headers=headers, files=files)
    assert r.status_code == 201, r.text


@pytest.fixture
def failed_case(kapula, client, tokens, clock) -> tuple[int, int]:
    """Case A (summa 0) failed at its timer step, case B of another process moved on in the same round."""
    clock.set(T0)
    for name in ("rt_timerpoison.bpmn", "rt_timervictim.bpmn"):
        _upload(client, tokens["omistaja"], name)
    admin = tokens["admin"]
    a = client.post("/api/cases", headers=admin, json={"process_key": "rt_timerpoison", "data": {"summa": 0}}).json()
    b = client.post("/api/cases", headers=admin, json={"process_key": "rt_timervictim"}).json()
    clock.advance(timedelta(seconds=5))
    assert kapula.fire_due_timers() == 1
    return a["id"], b["id"]


def test_the_api_shows_the_incident_and_retries_through_the_access_rules(kapula, client, tokens, failed_case):
    a, b = failed_case
    owner = tokens["omistaja"]
    listed = client.get("/api/cases", headers=owner, params={"status": "failed"}).json()
    assert [c["id"] for c in listed] == [a]
    incident = listed[0]["incident"]
    assert (incident["trigger"], incident["element_id"], incident["element_name"]) == ("timer", "sc", "Laske osuus")
    assert "division by zero" in incident["message"]
    assert incident["description"].startswith("the timer step failed at 'Laske osuus' (sc)")
    assert client.get(f"/api/cases/{b}", headers=owner).json()["ready_tasks"][0]["element_id"] == "u"

    refused = client.post(f"/api/cases/{a}/retry", headers=tokens["novago.omistaja"], json={"data": {"summa": 4}})
    assert refused.status_code == 403
    refused = client.post(f"/api/cases/{a}/retry", headers=tokens["sek.neuvoja"], json={"data": {"summa": 4}})
    assert refused.status_code in (403, 404)
    log = kapula.access_log(refused=True)
    assert {(e.user, e.action) for e in log} >= {("novago.omistaja", "retry"), ("sek.neuvoja", "retry")}

    again = client.post(f"/api/cases/{a}/retry", headers=owner, json={})
    assert again.status_code == 422 and again.json()["code"] == "case_step_failed"
    assert "division by zero" in again.json()["message"]
    assert len(client.get(f"/api/cases/{a}/incidents", headers=owner).json()) == 1

    # fixed data passes the same data limits as any other
    deep = client.post(f"/api/cases/{a}/retry", headers=owner, json={"data": {"x": _deep(40)}})
    assert deep.status_code == 422 and "nested more than" in deep.json()["message"]
    nan = client.post(
        f"/api/cases/{a}/retry", headers={**owner, "Content-Type": "application/json"}, content=b'{"data": {"summa": NaN}}'
    )
    assert nan.status_code == 422
    assert len(client.get(f"/api/cases/{a}/incidents", headers=owner).json()) == 1

    fixed = client.post(f"/api/cases/{a}/retry", headers=owner, json={"data": {"summa": 4}})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert (body["status"], body["incident"], body["data"]["osuus"]) == ("running", None, 25.0)
    (kept,) = client.get(f"/api/cases/{a}/incidents", headers=owner).json()
    assert kept["resolved_by"] == "omistaja"
    assert client.post(f"/api/cases/{a}/retry", headers=owner, json={}).status_code == 409

    metrics = client.get("/api/processes/rt_timerpoison/metrics", headers=owner).json()
    assert (metrics["cases"]["failed"], metrics["cases"]["incidents"]) == (0, 1)


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_the_case_page_names_the_failed_step_and_retries_it(client, tokens, failed_case):
    a, _b = failed_case
    page = sign_in(client, "omistaja").get(f"/cases/{a}")
    assert page.status_code == 200
    assert "pysähtynyt virheeseen" in page.text and "Laske osuus" in page.text and "<code>sc</code>" in page.text
    assert "division by zero" in page.text and f'action="/cases/{a}/retry"' in page.text
    # the step's error is the engine's (Python's, SpiffWorkflow's) English: marked so on the Finnish page
    assert '<p class="incident-message" lang="en">' in page.text
    assert "Odottaa nyt" not in page.text and "erääntyy" not in page.text  # waits for a retry, not the timer
    shown = client.get(f"/api/cases/{a}", headers=tokens["omistaja"]).json()
    assert (shown["status"], shown["next_timer_due"], shown["waiting_for"]) == ("failed", None, [])
    listing = client.get("/cases").text
    assert 'Laske osuus: <span lang="en">' in listing
    r = client.post(f"/cases/{a}/retry", data={"csrf_token": client.headers["X-CSRF-Token"]}, follow_redirects=True)
    assert r.status_code == 200 and "uusi yritys epäonnistui" in r.text
    # the step's error in the flash is the engine's English too, in a part of its own
    assert 'uusi yritys epäonnistui. <span lang="en">case ' in r.text and "division by zero.</span>" in r.text
    assert "Yritä uudelleen" in sign_in(client, "admin").get(f"/cases/{a}").text


def test_the_command_line_lists_failed_cases_and_retries_with_fixed_data(kapula, database_url, failed_case):
    a, _b = failed_case
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)

    listed = cli("cases", "--status", "failed")
    assert listed.exit_code == 0
    assert f"case {a}" in listed.output and "failed" in listed.output
    assert "the timer step failed at 'Laske osuus' (sc)" in listed.output and "division by zero" in listed.output
    (as_json,) = json.loads(cli("cases", "--status", "failed", "--json").output)
    assert as_json["incident"]["element_id"] == "sc"

    again = cli("retry", str(a))
    assert again.exit_code == 7 and "retry failed again" in again.output and "Traceback" not in again.output
    fixed = cli("retry", str(a), "--data", '{"summa": 5}')
    assert fixed.exit_code == 0, fixed.output
    assert f"case {a} of rt_timerpoison v1: running" in fixed.output and "Jatka" in fixed.output
    assert cli("cases", "--status", "failed").output.strip() == "no cases"
    assert cli("retry", str(a)).exit_code != 0


def test_kapula_tick_names_the_cases_that_failed_and_moves_the_others(kapula, database_url, clock):
    clock.set(T0)
    for name in ("rt_timerpoison.bpmn", "rt_timervictim.bpmn"):
        kapula.deploy([(name, (CASES / name).read_bytes())])
    a = kapula.start_case("rt_timerpoison", {"summa": 0}).id
    kapula.start_case("rt_timervictim")
    out = CliRunner().invoke(main, ["--database", database_url, "tick"], catch_exceptions=False)
    assert out.exit_code == 0
    assert out.output.splitlines() == [
        "1 case(s) moved by due timers",
        f"1 case(s) failed at their timer step: {a} (see `kapula cases --status failed`)",
    ]


def test_a_customer_is_told_their_case_stopped_not_the_error(kapula, client, tokens, clock):
    """The error may quote the diagram's code or other organisations' data: a customer's API view
    of their own failed case carries a plain notice; the owner's carries the element and error."""
    clock.set(T0)
    card = {
        "format": 1,
        "process": "rt_timerpoison",
        "name": "Osuus",
        "type": "ydinprosessi",
        "owner": "SEK",
        "participants": [],
        "purpose": "testi",
        "start": "alku",
        "end": "loppu",
        "customer_can_start": True,
        "improvement": {"responsible": "SEK", "how": "testi", "review": "ei"},
    }
    files = [
        # the customer's summa comes through a start form: a customer gives data only in forms
        (
            "files",
            (
                "rt_timerpoison.bpmn",
                (CASES / "rt_timerpoison.bpmn")
                .read_bytes()
                .replace(b'<bpmn:startEvent id="s">', b'<bpmn:startEvent id="s" kapula:form="summa.json">'),
                "application/xml",
            ),
        ),
        (
            "files",
            (
                "summa.json",
                json.dumps({"type": "object", "properties": {"summa": {"type": "number"}}}).encode(),
                "application/json",
            ),
        ),
        ("files", ("rt_timerpoison.card.json", json.dumps(card).encode(), "application/json")),
    ]
    assert client.post("/api/processes", headers=tokens["omistaja"], files=files).status_code == 201
    started = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "rt_timerpoison", "data": {"summa": 0}})
    assert started.status_code == 201, started.text
    clock.advance(timedelta(seconds=5))
    kapula.fire_due_timers()

    mine = client.get(f"/api/cases/{started.json()['id']}", headers=tokens["asiakas"]).json()
    assert mine["status"] == "failed"
    assert mine["incident"]["element_id"] is None and "division" not in json.dumps(mine)
    listed = client.get("/api/cases", headers=tokens["asiakas"]).json()
    assert "division" not in json.dumps(listed) and listed[0]["incident"]["message"].startswith(
        "the handling of the case has stopped"
    )
    theirs = client.get(f"/api/cases/{started.json()['id']}/incidents", headers=tokens["asiakas"]).json()
    assert "division" not in json.dumps(theirs)
    owner = client.get(f"/api/cases/{started.json()['id']}", headers=tokens["omistaja"]).json()
    assert owner["incident"]["element_id"] == "sc" and "division by zero" in owner["incident"]["message"]
