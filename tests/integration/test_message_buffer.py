"""Messages kept for a case of another pool that does not wait for them yet (docs/bpmn-support.md,
"Messages between pools"): "Front office" throws "application", then a person checks the documents
before the case waits for "decision"; "Back office" may send its decision before that."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from engine import history
from engine.bootstrap import open_kapula
from engine.erasure import ERASED
from engine.model import CaseStatus, Lifecycle, WaitingEvent
from engine.persistence.database import make_engine
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import BufferedMessageRecord
from engine.services import incidents
from engine.services.shared import MESSAGE_TTL
from tests.conftest import checked_first, read, statements

FRONT, BACK = "Front_office", "Back_office"


def _kept(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(BufferedMessageRecord))
    engine.dispose()
    return int(count or 0)


def _of(kapula, case_id, lifecycle):
    return [e for e in kapula.history(case_id) if e.lifecycle is lifecycle]


def _decided_early(kapula, data=None):
    """Front office sent its application; Back office decided while the front case was still at 'Check documents'."""
    kapula.deploy([checked_first("two_pools.bpmn")])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    assert [t.name for t in front.ready_tasks] == ["Check documents"] and front.waiting_for == ()
    (back,) = kapula.cases(process_key=BACK)
    done = kapula.complete_task(back.ready_tasks[0].id, data or {"approved": True}, user="bob")
    assert done.status is CaseStatus.COMPLETED  # the sender's step succeeded
    return front, back


def test_a_decision_sent_before_the_front_case_waits_is_handed_over_when_it_does(kapula, clock, database_url):
    sent_at = clock.now()
    front, back = _decided_early(kapula)
    (sent,) = _of(kapula, back.id, Lifecycle.MESSAGE_SENT)
    assert (sent.element_id, sent.changed) == (
        "End_back",
        {"message": "decision", "to_cases": [], "to": ["Front office"], "kept_until": (sent_at + MESSAGE_TTL).isoformat()},
    )
    assert _kept(database_url) == 1
    clock.advance(hours=3)
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert [t.name for t in front.ready_tasks] == ["Tell customer"] and front.waiting_for == ()
    assert front.data == {"applicant": "Ann", "approved": True}
    (received,) = _of(kapula, front.id, Lifecycle.MESSAGE_RECEIVED)
    assert received.element_id == "Catch_decision"
    assert received.changed == {
        "message": "decision",
        "from_case": back.id,
        "from_element": "End_back",
        "from_lane": "Back office",
        "kept_since": sent_at.isoformat(),
    }
    assert _kept(database_url) == 0
    handoffs = [(h.from_lane, h.to_lane, h.element_id) for h in history.handoffs(kapula.history(front.id))]
    assert handoffs == [("Back office", "Front office", "Task_tell")]
    assert [(c.from_lane, c.to_lane, c.count) for c in kapula.metrics(FRONT).handoffs] == [("Back office", "Front office", 1)]


def test_a_kept_message_that_expired_is_not_handed_over(open_engine, clock, database_url):
    kapula = open_engine(message_ttl=timedelta(hours=1))
    sent_at = clock.now()
    front, back = _decided_early(kapula)
    (sent,) = _of(kapula, back.id, Lifecycle.MESSAGE_SENT)
    assert sent.changed["kept_until"] == (sent_at + timedelta(hours=1)).isoformat()
    clock.advance(hours=1)
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert front.waiting_for == (WaitingEvent("Catch_decision", "Decision received", "message", message="decision"),)
    assert front.data == {"applicant": "Ann"} and _of(kapula, front.id, Lifecycle.MESSAGE_RECEIVED) == []
    # a decision sent now still reaches it
    resumed = kapula.send_message("decision", case_id=front.id, data={"approved": False})
    assert [t.name for t in resumed.ready_tasks] == ["Tell customer"]


def test_a_kept_message_goes_to_the_case_its_correlation_names_not_to_another(kapula):
    kapula.deploy([checked_first("two_pools_correlated.bpmn")])
    a, b = kapula.start_case(FRONT), kapula.start_case(FRONT)
    a = kapula.complete_task(a.ready_tasks[0].id, {"application_id": "A-1"})
    b = kapula.complete_task(b.ready_tasks[0].id, {"application_id": "B-2"})
    back = {c.data["application_id"]: c for c in kapula.cases(process_key=BACK)}
    # A-1's back office case decides for B-2: in A-1's conversation, but B-2's correlation value
    kapula.complete_task(back["A-1"].ready_tasks[0].id, {"approved": True, "application_id": "B-2"})
    a = kapula.complete_task(a.ready_tasks[0].id, {})
    assert [e.message for e in a.waiting_for] == ["decision"] and "approved" not in a.data
    b = kapula.complete_task(b.ready_tasks[0].id, {})
    assert [t.name for t in b.ready_tasks] == ["Tell customer"] and b.data["approved"] is True
    (received,) = _of(kapula, b.id, Lifecycle.MESSAGE_RECEIVED)
    assert received.changed["from_case"] == back["A-1"].id
    assert kapula.get_case(a.id).waiting_for == a.waiting_for


def test_the_time_to_live_is_the_setting_s(monkeypatch, database_url, clock):
    """KAPULA_MESSAGE_TTL_HOURS reaches the routing through the settings and engine.bootstrap."""
    monkeypatch.setenv("KAPULA_MESSAGE_TTL_HOURS", "2.5")
    kapula = open_kapula(database_url, clock=clock)
    try:
        sent_at = clock.now()
        _front, back = _decided_early(kapula)
        (sent,) = _of(kapula, back.id, Lifecycle.MESSAGE_SENT)
        assert sent.changed["kept_until"] == (sent_at + timedelta(hours=2.5)).isoformat()
    finally:
        kapula.close()


def _kept_texts(database_url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                BufferedMessageRecord.from_case_id, BufferedMessageRecord.payload_json, BufferedMessageRecord.correlations_json
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_erasing_the_sender_s_personal_data_blanks_the_message_it_kept(kapula, database_url):
    front, back = _decided_early(kapula, {"approved": True, "memo": "phoned Ann Andersson"})
    ((sender, payload, _),) = _kept_texts(database_url)
    assert sender == back.id and "Andersson" in payload
    result = kapula.erase_personal_data(back.id, fields=["applicant", "memo"], by="admin")
    ((_, payload, _),) = _kept_texts(database_url)
    assert "Ann" not in payload and json.loads(payload) == {"applicant": ERASED, "approved": True, "memo": ERASED}
    assert result.rows_changed >= 2  # the case's texts and the kept message
    # the receiver gets what the sender would have sent had it been erased first
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert front.data == {"applicant": ERASED, "approved": True, "memo": ERASED}


def test_erasing_the_sender_s_personal_data_blanks_the_kept_message_s_correlation_values(kapula, database_url):
    kapula.deploy([checked_first("two_pools_correlated.bpmn")])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"application_id": "Ann-1970"})
    (back,) = kapula.cases(process_key=BACK)
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    ((_, payload, correlations),) = _kept_texts(database_url)
    assert "Ann-1970" in correlations and "Ann-1970" in payload
    kapula.erase_personal_data(back.id, fields=["application_id"], by="admin")
    ((_, payload, correlations),) = _kept_texts(database_url)
    assert "Ann-1970" not in correlations + payload and ERASED in correlations
    other = kapula.start_case(FRONT)
    kapula.erase_personal_data(other.id, fields=["application_id"], by="admin")  # a case that sent nothing kept
    assert _kept(database_url) == 1


def test_a_tick_deletes_the_expired_kept_messages_in_batches_and_keeps_the_others(
    open_engine, clock, database_url, monkeypatch, caplog
):
    kapula = open_engine(message_ttl=timedelta(hours=1))
    kapula.deploy([checked_first("two_pools.bpmn")])
    for _ in range(3):
        kapula.complete_task(kapula.start_case(FRONT).ready_tasks[0].id, {"applicant": "Ann"})
    backs = sorted(kapula.cases(process_key=BACK), key=lambda c: c.id)
    for i, back in enumerate(backs):
        if i == 2:
            clock.advance(minutes=50)
        kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    assert _kept(database_url) == 3
    clock.advance(minutes=10)  # the first two expire now, the third in 50 minutes
    monkeypatch.setattr(incidents, "PURGE_BATCH", 1)
    with caplog.at_level(logging.INFO, logger="kapula.timers"):
        done = kapula.fire_due_timers_round()
    assert done.messages_expired == 2 and _kept(database_url) == 1
    assert "2 expired kept message(s) deleted" in caplog.messages
    assert kapula.fire_due_timers_round().messages_expired == 0 and _kept(database_url) == 1
    clock.advance(minutes=50)
    assert kapula.fire_due_timers_round().messages_expired == 1 and _kept(database_url) == 0


def _buffer_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and "FROM message_buffer" in s]


def _notes_beside_the_wait() -> tuple[str, bytes]:
    """two_pools.bpmn with the front case taking notes ('Take notes', 'File notes') in parallel
    with waiting for the decision."""
    name, text = read("two_pools.bpmn")
    old = '<bpmn:sequenceFlow id="A3" sourceRef="Throw_app" targetRef="Catch_decision" />'
    new = (
        '<bpmn:sequenceFlow id="A3a" sourceRef="Throw_app" targetRef="Split" />'
        '<bpmn:parallelGateway id="Split"><bpmn:incoming>A3a</bpmn:incoming><bpmn:outgoing>A3</bpmn:outgoing>'
        "<bpmn:outgoing>N1</bpmn:outgoing></bpmn:parallelGateway>"
        '<bpmn:sequenceFlow id="A3" sourceRef="Split" targetRef="Catch_decision" />'
        '<bpmn:userTask id="Task_note" name="Take notes"><bpmn:incoming>N1</bpmn:incoming><bpmn:outgoing>N2</bpmn:outgoing></bpmn:userTask>'
        '<bpmn:userTask id="Task_file" name="File notes"><bpmn:incoming>N2</bpmn:incoming><bpmn:outgoing>N3</bpmn:outgoing></bpmn:userTask>'
        '<bpmn:endEvent id="End_notes"><bpmn:incoming>N3</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="N1" sourceRef="Split" targetRef="Task_note" />'
        '<bpmn:sequenceFlow id="N2" sourceRef="Task_note" targetRef="Task_file" />'
        '<bpmn:sequenceFlow id="N3" sourceRef="Task_file" targetRef="End_notes" />'
    )
    source = text.decode()
    assert old in source and "<bpmn:outgoing>A2</bpmn:outgoing><bpmn:outgoing>A3</bpmn:outgoing>" not in source
    source = source.replace(old, new).replace(
        "<bpmn:incoming>A2</bpmn:incoming><bpmn:outgoing>A3</bpmn:outgoing>",
        "<bpmn:incoming>A2</bpmn:incoming><bpmn:outgoing>A3a</bpmn:outgoing>",
    )
    return name.replace(".bpmn", "_notes.bpmn"), source.encode()


def test_a_step_of_a_case_that_waits_for_no_message_does_not_read_the_kept_messages(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    with statements(kapula) as seen:
        moved = kapula.complete_task(case.ready_tasks[0].id, {"need": "x"})
        kapula.complete_task(moved.ready_tasks[0].id, {"needs_funding": False})
        kapula.start_case("Handoff_demo")
    assert seen and _buffer_reads(seen) == []


def test_a_case_reads_the_kept_messages_when_it_begins_to_wait_not_at_each_step_while_it_waits(kapula):
    kapula.deploy([_notes_beside_the_wait()])
    front = kapula.start_case(FRONT)
    with statements(kapula) as seen:
        front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"})
    assert [e.message for e in front.waiting_for] == ["decision"] and [t.name for t in front.ready_tasks] == ["Take notes"]
    assert len(_buffer_reads(seen)) == 1  # it began waiting: once, for 'decision'
    for _ in range(2):
        with statements(kapula) as seen:
            front = kapula.complete_task(front.ready_tasks[0].id, {})
        assert [e.message for e in front.waiting_for] == ["decision"]
        assert _buffer_reads(seen) == [], "it waited for 'decision' before the step already"
    (back,) = kapula.cases(process_key=BACK)
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    assert kapula.get_case(front.id).data == {"applicant": "Ann", "approved": True}


def test_the_purge_and_the_erasure_find_kept_messages_along_their_indexes(kapula):
    """The timer round's purge (every round of every server) and an erasure's read of what its case
    sent go along ix_message_buffer_expires and ix_message_buffer_sender, not through the table."""
    kapula.deploy([checked_first("two_pools.bpmn")])
    engine = kapula.sessions.kw["bind"]
    ran: list[tuple[str, Any]] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: bool) -> None:
        if "message_buffer" in sql and ("expires_at <=" in sql or "from_case_id =" in sql):
            ran.append((sql, params))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        kapula.fire_due_timers_round()
        kapula.erase_personal_data(kapula.start_case(FRONT).id, fields=["applicant"], by="admin")
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    purge = [r for r in ran if "expires_at <=" in r[0]]
    erasure = [r for r in ran if "from_case_id =" in r[0] and "expires_at <=" not in r[0]]
    assert purge and erasure
    with engine.connect() as conn:
        for (sql, params), index in [(purge[0], "ix_message_buffer_expires"), (erasure[0], "ix_message_buffer_sender")]:
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            else:  # an empty table: only an index the planner cannot use is never chosen
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = " ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
            assert index in plan, plan


def test_the_kept_messages_for_a_case_are_read_along_their_index(kapula, clock):
    """A step that leaves a case newly waiting reads the unexpired kept messages of its process and
    name that it did not send itself, oldest first, in one statement along ix_message_buffer_lookup."""
    engine = kapula.sessions.kw["bind"]
    ran: list[tuple[str, Any]] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: bool) -> None:
        if "FROM message_buffer" in sql:
            ran.append((sql, params))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with kapula.sessions() as session:
            assert SqlUnitOfWork(session).buffer.pending(FRONT, "decision", now=clock.now(), not_from=7) == []
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    ((sql, params),) = ran
    assert "expires_at >" in sql and "from_case_id !=" in sql and "ORDER BY message_buffer.id" in sql
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
        else:  # an empty table: only an index the planner cannot use is never chosen
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
    assert "ix_message_buffer_lookup" in plan, plan
