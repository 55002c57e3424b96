"""Sign-in and lane-based access over HTTP: each role is refused what is not theirs."""

from __future__ import annotations

import json

import pytest

from engine.access import passwords
from engine.access.policy import Role
from engine.errors import AuthenticationError, ConflictError, InvalidDataError
from tests.conftest import BPMN
from tests.e2e.conftest import PASSWORD, upload


@pytest.fixture
def case(client, tokens):
    """A Handoff_demo case (owned by SEK's process owner) started by `asiakas`, waiting at SEK."""
    assert upload(client, tokens["omistaja"]).status_code == 201
    started = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"})
    assert started.status_code == 201, started.text
    case = started.json()
    describe = case["ready_tasks"][0]
    r = client.post(f"/api/tasks/{describe['id']}/complete", headers=tokens["asiakas"], json={"data": {"need": "kasvu"}})
    assert r.status_code == 200, r.text
    case["sek_task"] = r.json()["ready_tasks"][0]["id"]
    return case


def _status(client, headers, method, path, **kwargs):
    return getattr(client, method)(path, headers=headers, **kwargs).status_code


def test_without_sign_in_everything_is_401(client, case):
    for method, path in [
        ("get", "/api/processes"),
        ("get", f"/api/cases/{case['id']}"),
        ("get", "/api/tasks"),
        ("post", f"/api/tasks/{case['sek_task']}/claim"),
        ("get", "/api/me"),
    ]:
        r = getattr(client, method)(path)
        assert r.status_code == 401 and r.json()["code"] == "not_signed_in", path
        assert r.headers["www-authenticate"] == "Bearer"
    assert _status(client, {"Authorization": "Bearer kap_forged"}, "get", "/api/processes") == 401


def test_token_for_password_and_wrong_password_refused(client, tokens):
    r = client.post("/api/tokens", json={"username": "sek.neuvoja", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["role"] == "advisor"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()
    assert (me["username"], me["organisation"]) == ("sek.neuvoja", "SEK")
    for name, password in [("sek.neuvoja", "väärä-salasana"), ("nobody", PASSWORD)]:
        r = client.post("/api/tokens", json={"username": name, "password": password})
        assert r.status_code == 401 and r.json()["message"] == "wrong user name or password"


def test_advisor_works_own_lane_only(client, tokens, case):
    te, sek, ely = tokens["te.neuvoja"], tokens["sek.neuvoja"], tokens["ely.neuvoja"]
    # the TE Office has no lane in this process: no case, no task, no diagram
    assert _status(client, te, "get", f"/api/cases/{case['id']}") == 403
    assert _status(client, te, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {}}) == 403
    assert _status(client, te, "get", "/api/processes/Handoff_demo/versions") == 403
    assert client.get("/api/tasks", headers=te).json() == []
    assert client.get("/api/cases", headers=te).json() == []
    # ELY takes part in the process, but this task is SEK's
    assert _status(client, ely, "post", f"/api/tasks/{case['sek_task']}/claim") == 403
    assert _status(client, ely, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {}}) == 403
    assert client.get("/api/tasks", headers=ely).json() == []
    assert _status(client, sek, "post", "/api/processes", files=[("files", ("x.bpmn", b"<x/>"))]) == 403
    assert _status(client, sek, "post", f"/api/cases/{case['id']}/cancel") == 403
    assert [t["id"] for t in client.get("/api/tasks", headers=sek).json()] == [case["sek_task"]]


def test_advisor_cannot_take_a_colleagues_claimed_task(client, tokens, case):
    mine, colleague = tokens["sek.neuvoja"], tokens["sek.toinen"]
    assert _status(client, mine, "post", f"/api/tasks/{case['sek_task']}/claim") == 200
    assert _status(client, colleague, "post", f"/api/tasks/{case['sek_task']}/unclaim") == 403
    assert _status(client, colleague, "post", f"/api/tasks/{case['sek_task']}/claim") == 409
    assert _status(client, colleague, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {}}) == 409
    r = client.post(f"/api/tasks/{case['sek_task']}/complete", headers=mine, json={"data": {"needs_funding": True}})
    assert r.status_code == 200
    # the case reached ELY: ELY's advisor (mapped lane) now sees it and its task
    ely = tokens["ely.neuvoja"]
    assert [t["lane"] for t in client.get("/api/tasks", headers=ely).json()] == ["ELY"]
    assert _status(client, ely, "get", f"/api/cases/{case['id']}") == 200


def test_customer_sees_only_own_cases_and_customer_tasks(client, tokens, case):
    me, other = tokens["asiakas"], tokens["toinen.asiakas"]
    assert _status(client, me, "get", f"/api/cases/{case['id']}") == 200
    assert _status(client, other, "get", f"/api/cases/{case['id']}") == 403
    assert client.get("/api/cases", headers=other).json() == []
    assert _status(client, me, "get", f"/api/tasks/{case['sek_task']}") == 403
    assert _status(client, me, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {}}) == 403
    assert _status(client, me, "post", f"/api/cases/{case['id']}/cancel") == 403
    assert _status(client, me, "post", "/api/processes", files=[("files", ("x.bpmn", b"<x/>"))]) == 403
    assert _status(client, me, "get", "/api/processes/Handoff_demo/versions/1/xml") == 200
    assert [c["id"] for c in client.get("/api/cases", headers=me).json()] == [case["id"]]


def test_process_owner_owns_uploads_and_does_not_work_tasks(client, tokens, case):
    owner, other_owner = tokens["omistaja"], tokens["novago.omistaja"]
    assert client.get("/api/me", headers=owner).json()["owned_processes"] == ["Handoff_demo"]
    assert _status(client, owner, "get", f"/api/cases/{case['id']}") == 200
    assert _status(client, owner, "post", f"/api/tasks/{case['sek_task']}/claim") == 403
    assert _status(client, owner, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {}}) == 403
    # another organisation's owner may not version SEK's process, nor read its cases
    assert upload(client, other_owner).status_code == 403
    assert _status(client, other_owner, "get", f"/api/cases/{case['id']}") == 403
    assert client.get("/api/processes", headers=other_owner).json() == []
    assert _status(client, owner, "post", f"/api/cases/{case['id']}/cancel", json={"reason": "tuplakirjaus"}) == 200


def test_administrator_may_do_everything(client, tokens, case):
    admin = tokens["admin"]
    assert _status(client, admin, "get", f"/api/cases/{case['id']}") == 200
    assert _status(client, admin, "post", f"/api/tasks/{case['sek_task']}/claim") == 200
    assert (
        _status(client, admin, "post", f"/api/tasks/{case['sek_task']}/complete", json={"data": {"needs_funding": False}}) == 200
    )
    # several organisations: an administrator names the owner of a new key
    assert upload(client, admin, "collaboration.bpmn").status_code == 422
    assert upload(client, admin, "collaboration.bpmn", owner="Novago").status_code == 201


def test_passwords_are_stored_as_argon2_hashes_and_rules_are_checked(directory):
    hashed = passwords.hash_password("pitkä salasana")
    assert hashed.startswith("$argon2id$") and passwords.verify_password(hashed, "pitkä salasana")
    assert not passwords.verify_password(hashed, "väärä")
    with pytest.raises(InvalidDataError) as info:
        directory.add_user("x y", "short", role=Role.ADVISOR)
    assert set(info.value.field_errors) == {"username", "password", "organisation"}
    directory.add_user("uusi", PASSWORD, role=Role.CUSTOMER)
    with pytest.raises(ConflictError):
        directory.add_user("uusi", PASSWORD, role=Role.CUSTOMER)
    with pytest.raises(AuthenticationError):
        directory.principal_for_token("kap_unknown")


def test_advisors_act_in_the_customer_lane_only_when_no_customer_user_owns_the_case(client, tokens, case):
    sek, te = tokens["sek.neuvoja"], tokens["te.neuvoja"]
    # the fixture's case belongs to the customer `asiakas`: its customer tasks are theirs alone
    own = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    assert _status(client, sek, "post", f"/api/tasks/{own['ready_tasks'][0]['id']}/claim") == 403
    # a case SEK's advisor started on the phone for a customer with no account: SEK records for them
    started = client.post("/api/cases", headers=sek, json={"process_key": "Handoff_demo"})
    assert started.status_code == 201
    describe = started.json()["ready_tasks"][0]
    assert describe["lane"] == "Asiakas"
    assert describe["id"] in [t["id"] for t in client.get("/api/tasks", headers=sek).json()]
    assert _status(client, te, "post", f"/api/tasks/{describe['id']}/complete", json={"data": {}}) == 403
    assert _status(client, sek, "post", f"/api/tasks/{describe['id']}/complete", json={"data": {"need": "x"}}) == 200


def _strict_handoff(client, owner, *, start_form: bool, customer_can_start: bool) -> None:
    """Handoff_demo whose form (on Kuvaa tarve, or on the start event) requires `need`."""
    xml = (BPMN / "three_lanes.bpmn").read_text(encoding="utf-8")
    if start_form:
        xml = xml.replace('name="Asiakastarve">', 'name="Asiakastarve" kapula:form="tarve.json">', 1)
    form = {"title": "Kuvaa tarve", "type": "object", "properties": {"need": {"type": "string"}}, "required": ["need"]}
    card = json.loads((BPMN / "three_lanes.card.json").read_text(encoding="utf-8")) | {"customer_can_start": customer_can_start}
    files = [
        ("files", ("three_lanes.bpmn", xml.encode(), "application/xml")),
        ("files", ("tarve.json", json.dumps(form).encode(), "application/json")),
        ("files", ("three_lanes.card.json", json.dumps(card).encode(), "application/json")),
    ]
    assert client.post("/api/processes", headers=owner, files=files).status_code == 201


def test_who_may_not_complete_a_task_is_refused_before_its_form_is_checked(client, tokens):
    # the refusal came after the form's check: another lane's advisor, or the owner, sending {} to a
    # task id read "'Kuvaa tarve' is not filled in correctly: need: is required" (422), not 403
    _strict_handoff(client, tokens["omistaja"], start_form=False, customer_can_start=True)
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    describe = case["ready_tasks"][0]["id"]
    for who in ("sek.neuvoja", "te.neuvoja", "omistaja"):
        r = client.post(f"/api/tasks/{describe}/complete", headers=tokens[who], json={"data": {}})
        assert (r.status_code, r.json()["code"]) == (403, "forbidden"), (who, r.text)
        assert "need" not in r.text and "Kuvaa tarve" not in r.text
    r = client.post(f"/api/tasks/{describe}/complete", headers=tokens["asiakas"], json={"data": {}})
    assert r.status_code == 422 and list(r.json()["details"]["field_errors"]) == ["need"]


def test_who_may_not_start_a_process_is_refused_before_its_start_form_is_checked(client, tokens):
    _strict_handoff(client, tokens["omistaja"], start_form=True, customer_can_start=False)
    r = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo", "data": {}})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden"), r.text
    assert "need" not in r.text
    r = client.post("/api/cases", headers=tokens["sek.neuvoja"], json={"process_key": "Handoff_demo", "data": {}})
    assert r.status_code == 422 and list(r.json()["details"]["field_errors"]) == ["need"]
