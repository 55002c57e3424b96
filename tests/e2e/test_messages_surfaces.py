"""Messages over HTTP and on the command line: the shared two-pool case through the API,
`POST /api/messages` and `kapula message` with their errors, access rule and access log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main
from engine.access.policy import Role
from tests.conftest import BPMN, decided_by_gateway
from tests.e2e.conftest import PASSWORD, upload
from tests.e2e.test_pages import sign_in


@pytest.fixture
def admin(tokens) -> dict[str, str]:
    return tokens["admin"]


def _waiting_payment(client: TestClient, admin) -> dict:
    assert upload(client, admin, "receive_payment.bpmn", owner="SEK").status_code == 201
    case = client.post("/api/cases", json={"process_key": "Invoice_payment"}, headers=admin).json()
    (task,) = case["ready_tasks"]
    r = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"invoice": "INV-7"}}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_two_pools_pass_application_and_decision_over_the_api(client, admin):
    assert upload(client, admin, "two_pools.bpmn", owner="SEK").status_code == 201
    front = client.post("/api/cases", json={"process_key": "Front_office"}, headers=admin).json()
    r = client.post(f"/api/tasks/{front['ready_tasks'][0]['id']}/complete", json={"data": {"applicant": "Ann"}}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["waiting_for"] == [
        {"element_id": "Catch_decision", "name": "Decision received", "kind": "message", "due": None, "message": "decision"}
    ]
    (back,) = client.get("/api/cases", params={"process_key": "Back_office"}, headers=admin).json()
    assert [t["name"] for t in back["ready_tasks"]] == ["Decide"]
    # the case the message started was changed by the caller's step: in its access log
    back_log = client.get(f"/api/cases/{back['id']}/access-log", headers=admin).json()
    assert ("admin", "message") in [(e["user"], e["action"]) for e in back_log]
    client.post(f"/api/tasks/{back['ready_tasks'][0]['id']}/complete", json={"data": {"approved": True}}, headers=admin)
    detail = client.get(f"/api/cases/{front['id']}", headers=admin).json()
    assert [t["name"] for t in detail["ready_tasks"]] == ["Tell customer"] and detail["waiting_for"] == []
    assert [(h["from_lane"], h["to_lane"], h["element_id"]) for h in detail["handoffs"]] == [
        ("Back office", "Front office", "Task_tell")
    ]
    received = [e for e in detail["timeline"] if e["lifecycle"] == "message_received"]
    assert [(e["element_id"], e["changed"]["message"], e["changed"]["from_case"]) for e in received] == [
        ("Catch_decision", "decision", back["id"])
    ]


def test_post_api_messages_resumes_a_waiting_receive_task(client, admin):
    case = _waiting_payment(client, admin)
    r = client.post("/api/messages", json={"name": "payment", "case_id": case["id"], "data": {"amount": 120}}, headers=admin)
    assert r.status_code == 200, r.text
    assert [t["name"] for t in r.json()["ready_tasks"]] == ["Book payment"]
    assert r.json()["data"] == {"invoice": "INV-7", "amount": 120}
    log = client.get(f"/api/cases/{case['id']}/access-log", headers=admin).json()
    assert ("admin", "message", "POST /api/messages") in [(e["user"], e["action"], e["origin"].split(" from")[0]) for e in log]
    assert "/api/messages" in client.get("/openapi.json").json()["paths"]


def test_post_api_messages_errors_are_the_json_error_shape_naming_the_element(client, admin, tokens):
    case = _waiting_payment(client, admin)
    again = client.post("/api/messages", json={"name": "payment", "case_id": case["id"]}, headers=admin)
    assert again.status_code == 200
    r = client.post("/api/messages", json={"name": "payment", "case_id": case["id"]}, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert "'Payment received' (Task_wait_payment)" in r.json()["message"] and "'Book payment'" in r.json()["message"]
    r = client.post("/api/messages", json={"name": "refund", "case_id": case["id"]}, headers=admin)
    assert (
        r.status_code == 422 and r.json()["code"] == "invalid_data" and "'payment' at 'Payment received'" in r.json()["message"]
    )
    assert client.post("/api/messages", json={"name": "payment", "case_id": 999}, headers=admin).json()["code"] == "not_found"
    assert client.post("/api/messages", json={"name": "payment"}, headers=admin).status_code == 422
    assert client.post("/api/messages", json={"case_id": case["id"]}, headers=admin).status_code == 422
    refused = client.post("/api/messages", json={"name": "payment", "case_id": case["id"]}, headers=tokens["sek.neuvoja"])
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    log = client.get(f"/api/cases/{case['id']}/access-log", headers=admin).json()
    assert any(e["user"] == "sek.neuvoja" and e["action"] == "message" and e["refused"] for e in log)


def test_kapula_message_on_the_command_line(database_url):
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)

    assert "--case" in cli("message", "--help").output
    assert cli("load", str(BPMN / "receive_payment.bpmn")).exit_code == 0
    started = json.loads(cli("start", "Invoice_payment", "--json").output)
    early = cli("message", "payment", "--case", str(started["id"]), "--data", '{"amount": 5}')
    assert early.exit_code == 5 and "error:" in early.output and "'Payment received' (Task_wait_payment)" in early.output
    assert "Traceback" not in early.output
    cli("complete", started["ready_tasks"][0]["id"], "--data", "{}")
    assert "message 'payment'" in cli("cases").output
    bad = cli("message", "payment", "--case", str(started["id"]), "--data", "[1]")
    assert bad.exit_code == 2
    unknown = cli("message", "refund", "--case", str(started["id"]))
    assert unknown.exit_code == 6 and "no element that receives message 'refund'" in unknown.output
    sent = cli("message", "payment", "--case", str(started["id"]), "--data", '{"amount": 5}')
    assert sent.exit_code == 0, sent.output
    assert "Book payment" in sent.output
    history = cli("history", str(started["id"])).output
    assert "message received Payment received" in history


def test_the_case_page_names_the_message_the_case_waits_for_and_its_deliveries(client, admin):
    assert upload(client, admin, "two_pools.bpmn", owner="SEK").status_code == 201
    front = client.post("/api/cases", json={"process_key": "Front_office"}, headers=admin).json()
    client.post(f"/api/tasks/{front['ready_tasks'][0]['id']}/complete", json={"data": {}}, headers=admin)
    sign_in(client, "admin")
    page = client.get(f"/cases/{front['id']}").text
    assert "viesti <strong>decision</strong>" in page and "Decision received" in page
    assert "viesti lähetetty" in page and "”application”" in page


def test_an_advisor_of_the_receiving_lane_sends_the_message(client, admin, directory):
    directory.add_organisation("Billing")
    directory.add_user("billing.advisor", PASSWORD, role=Role.ADVISOR, organisation="Billing")
    advisor = {"Authorization": f"Bearer {directory.issue_token('billing.advisor')}"}
    case = _waiting_payment(client, admin)
    r = client.post("/api/messages", json={"name": "payment", "case_id": case["id"], "data": {"amount": 3}}, headers=advisor)
    assert r.status_code == 200, r.text
    assert [t["name"] for t in r.json()["ready_tasks"]] == ["Book payment"]


def test_who_may_send_a_message_follows_the_element_the_case_waits_at(client, admin, directory):
    # 'payment' is received in lane Billing first, then in lane Accounts: the lane rule took the
    # first receiving element's lane whatever the case waited at, so Billing's advisor could send
    # the message Accounts waits for, and Accounts' advisor was refused it
    for org, user in (("Billing", "billing.advisor"), ("Accounts", "accounts.advisor")):
        directory.add_organisation(org)
        directory.add_user(user, PASSWORD, role=Role.ADVISOR, organisation=org)
    billing = {"Authorization": f"Bearer {directory.issue_token('billing.advisor')}"}
    accounts = {"Authorization": f"Bearer {directory.issue_token('accounts.advisor')}"}
    assert upload(client, admin, "receive_payment_twice.bpmn", owner="SEK").status_code == 201
    case = client.post("/api/cases", json={"process_key": "Invoice_twice"}, headers=admin).json()
    (task,) = case["ready_tasks"]
    assert client.post(f"/api/tasks/{task['id']}/complete", json={"data": {}}, headers=admin).status_code == 200
    message = {"name": "payment", "case_id": case["id"]}

    refused = client.post("/api/messages", json=message, headers=accounts)  # the case has not reached Accounts
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
    first = client.post("/api/messages", json=message, headers=billing)
    assert first.status_code == 200, first.text
    (book,) = first.json()["ready_tasks"]
    assert client.post(f"/api/tasks/{book['id']}/complete", json={"data": {}}, headers=admin).status_code == 200

    refused = client.post("/api/messages", json=message, headers=billing)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
    assert "you do not work lane 'Accounts'" in refused.json()["message"]
    rest = client.post("/api/messages", json=message, headers=accounts)
    assert rest.status_code == 200, rest.text
    assert [t["name"] for t in rest.json()["ready_tasks"]] == ["Close invoice"]
    log = client.get(f"/api/cases/{case['id']}/access-log", headers=admin)
    assert log.status_code == 200, log.text
    assert [(e["user"], e["action"]) for e in log.json() if e["refused"]] == [
        ("accounts.advisor", "message"),
        ("billing.advisor", "message"),
    ]


def _customer_waits_for_payment(client, tokens) -> dict:
    """Invoice_payment with the waiting receive task in the customer's lane (Asiakas), offered to
    customers by its card; a case `asiakas` started, waiting for message 'payment'."""
    xml = (BPMN / "receive_payment.bpmn").read_text(encoding="utf-8").replace('name="Billing"', 'name="Asiakas"')
    card = json.loads((BPMN / "three_lanes.card.json").read_text(encoding="utf-8")) | {
        "process": "Invoice_payment",
        "name": "Invoice payment",
    }
    files = [
        ("files", ("receive_payment.bpmn", xml.encode(), "application/xml")),
        ("files", ("receive_payment.card.json", json.dumps(card).encode(), "application/json")),
    ]
    assert client.post("/api/processes", headers=tokens["omistaja"], files=files).status_code == 201
    case = client.post("/api/cases", json={"process_key": "Invoice_payment"}, headers=tokens["asiakas"]).json()
    (task,) = case["ready_tasks"]
    r = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {}}, headers=tokens["asiakas"])
    assert r.status_code == 200, r.text
    return r.json()


def test_a_customer_s_message_carries_no_data_into_a_step_without_a_form(client, tokens):
    # a customer gives a step without a form no data (policy.gives_formless_data); a message sent
    # from outside put any field into the case all the same, past the rule completions keep
    case = _customer_waits_for_payment(client, tokens)
    body = {"name": "payment", "case_id": case["id"], "data": {"amount": 1, "status": "paid"}}
    r = client.post("/api/messages", json=body, headers=tokens["asiakas"])
    assert (r.status_code, r.json()["code"]) == (422, "invalid_data"), r.text
    assert r.json()["details"]["field_errors"] == {
        "amount": "is not a field of this form",
        "status": "is not a field of this form",
    }
    assert "'amount', 'status'" in r.json()["message"] and "Traceback" not in r.text
    detail = client.get(f"/api/cases/{case['id']}", headers=tokens["admin"]).json()
    assert detail["data"] == {} and detail["waiting_for"][0]["message"] == "payment"
    sent = client.post("/api/messages", json={"name": "payment", "case_id": case["id"]}, headers=tokens["asiakas"])
    assert sent.status_code == 200, sent.text
    assert [t["name"] for t in sent.json()["ready_tasks"]] == ["Book payment"]


def test_kapula_message_names_the_fields_a_customer_may_not_send(client, tokens, cli):
    case = _customer_waits_for_payment(client, tokens)
    refused = cli("message", "payment", "--case", str(case["id"]), "--data", '{"amount": 1}', "--user", "asiakas")
    assert refused.exit_code == 6 and "error:" in refused.output and "'amount'" in refused.output
    assert "Traceback" not in refused.output
    staff = cli("message", "payment", "--case", str(case["id"]), "--data", '{"amount": 1}')
    assert staff.exit_code == 0, staff.output  # the operator is staff: a step without a form takes its data


@pytest.fixture
def clock_now(clock):
    """The engine's clock at the system's time, set before the tokens are issued: `kapula tick` runs
    on the system's clock, by which a message kept at the fake clock's time would have expired."""
    clock.set(datetime.now(UTC))
    return clock


def test_a_kept_message_the_case_fails_on_leaves_the_completion_answered_and_kapula_tick_names_the_case(
    clock_now, client, admin, cli
):
    name, source = decided_by_gateway()
    files = [("files", (name, source, "application/xml"))]
    assert client.post("/api/processes", headers=admin, params={"owner": "SEK"}, files=files).status_code == 201
    front = client.post("/api/cases", json={"process_key": "Front_office"}, headers=admin).json()
    r = client.post(f"/api/tasks/{front['ready_tasks'][0]['id']}/complete", json={"data": {"applicant": "Ann"}}, headers=admin)
    check = r.json()["ready_tasks"][0]
    (back,) = client.get("/api/cases", params={"process_key": "Back_office"}, headers=admin).json()
    decide = client.get(f"/api/cases/{back['id']}", headers=admin).json()["ready_tasks"][0]
    r = client.post(f"/api/tasks/{decide['id']}/complete", json={"data": {"approved": "maybe"}}, headers=admin)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/tasks/{check['id']}/complete", json={"data": {}}, headers=admin)
    assert r.status_code == 200, r.text  # not refused for the data the back office sent
    assert [w["message"] for w in r.json()["waiting_for"]] == ["decision"]
    out = cli("tick")
    assert out.exit_code == 0 and "Traceback" not in out.output
    assert f"1 case(s) failed on a kept message: {front['id']} (see `kapula cases --status failed`)" in out.output.splitlines()
    shown = client.get(f"/api/cases/{front['id']}", headers=admin).json()
    assert shown["status"] == "failed" and "message 'decision' from case" in shown["incident"]["message"]
