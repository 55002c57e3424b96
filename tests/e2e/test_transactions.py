"""How many transactions and parses a request costs, counted with SQLAlchemy's events (issue 13):
one API completion is the principal's look-up plus the step, one upload parses each file once."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from engine.bpmn_xml import secure
from engine.runtime import parser
from tests.conftest import BPMN
from tests.e2e.conftest import upload


@contextmanager
def counted_transactions(kapula):
    engine = kapula.sessions.kw["bind"]
    begun: list[int] = []

    def on_begin(conn):
        begun.append(1)

    event.listen(engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", on_begin)


def test_an_api_completion_is_two_transactions_the_principal_and_the_step(client, kapula, tokens):
    """The form is checked before the step's transaction (no validation under the write lock) with
    the form the step that readied the task saw; a task readied by another server process costs one
    read more."""
    assert upload(client, tokens["omistaja"]).status_code == 201
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    describe = case["ready_tasks"][0]["id"]
    with counted_transactions(kapula) as begun:
        r = client.post(f"/api/tasks/{describe}/complete", headers=tokens["asiakas"], json={"data": {"need": "kasvu"}})
    assert r.status_code == 200, r.text
    assert len(begun) <= 2
    # the step wrote its access-log entry in its own transaction
    log = client.get(f"/api/cases/{case['id']}/access-log", headers=tokens["admin"]).json()
    assert [e["action"] for e in log] == ["start", "complete"]


def test_an_upload_parses_each_file_once(client, tokens, monkeypatch):
    parsed: list[str] = []
    real = secure.parse_xml

    def counting(data, *, filename, **kwargs):
        parsed.append(filename)
        return real(data, filename=filename, **kwargs)

    monkeypatch.setattr(parser, "parse_xml", counting)
    files = [("files", (name, (BPMN / name).read_bytes(), "application/xml")) for name in ("three_lanes.bpmn",)]
    r = client.post("/api/processes", headers=tokens["omistaja"], files=files)
    assert r.status_code == 201, r.text
    assert parsed == ["three_lanes.bpmn"]


def test_an_upload_is_one_transaction_after_the_principal(client, kapula, tokens):
    with counted_transactions(kapula) as begun:
        assert upload(client, tokens["omistaja"]).status_code == 201
    assert len(begun) <= 2


def test_a_case_with_its_timeline_is_one_read_and_its_access_log_entry(client, kapula, tokens):
    """GET /api/cases/{id}: the principal, one read of the case and its timeline (engine.history.timeline,
    the one read model the pages and the CLI render too), and the entry of that read."""
    assert upload(client, tokens["omistaja"]).status_code == 201
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    with counted_transactions(kapula) as begun:
        r = client.get(f"/api/cases/{case['id']}", headers=tokens["asiakas"])
    assert r.status_code == 200 and [e["lifecycle"] for e in r.json()["timeline"]][:2] == ["case_started", "task_ready"]
    assert len(begun) <= 3
