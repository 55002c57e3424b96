"""The timer round hands kept messages to cases that already wait for them (ADR 0008, "Cases that
already wait"), and a kept message that fails its case fails that case, not the
person's step that made it wait (ADR 0008, "A kept message the receiver fails on")."""

from __future__ import annotations

from engine import history
from engine.model import CaseStatus, Lifecycle
from engine.services import kept_rounds, routing
from tests.conftest import checked_first, decided_by_gateway, statements
from tests.integration.test_message_buffer import BACK, FRONT, _kept, _of


def _waiting_front(kapula):
    """A front case past 'Check documents', waiting for the decision; its back office case."""
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert [e.message for e in front.waiting_for] == ["decision"]
    back = next(c for c in kapula.cases(process_key=BACK) if c.data.get("applicant") == "Ann" and c.ready_tasks)
    return front, back


def _decide_unseen(kapula, monkeypatch, back, data):
    """Back office decides in a transaction beside the one in which the front case began to wait:
    it sees no case waiting (on PostgreSQL, the front case's step had not committed yet)."""
    with monkeypatch.context() as m:
        m.setattr(routing, "waiting_cases", lambda *_a, **_k: [])
        done = kapula.complete_task(back.ready_tasks[0].id, data, user="bob")
    assert done.status is CaseStatus.COMPLETED


def test_a_message_kept_while_its_case_began_to_wait_is_handed_over_by_the_timer_round(kapula, clock, database_url, monkeypatch):
    kapula.deploy([checked_first("two_pools.bpmn")])
    front, back = _waiting_front(kapula)
    other, _ = _waiting_front(kapula)  # waits for a decision too, in another conversation
    sent_at = clock.now()
    _decide_unseen(kapula, monkeypatch, back, {"approved": True})
    assert _kept(database_url) == 1 and [e.message for e in kapula.get_case(front.id).waiting_for] == ["decision"]
    clock.advance(minutes=1)
    done = kapula.fire_due_timers_round()
    assert (done.messages_handed, done.failed_on_messages, done.messages_expired) == (1, (), 0)
    front = kapula.get_case(front.id)
    assert [t.name for t in front.ready_tasks] == ["Tell customer"] and front.data == {"applicant": "Ann", "approved": True}
    (received,) = _of(kapula, front.id, Lifecycle.MESSAGE_RECEIVED)
    assert (received.element_id, received.changed) == (
        "Catch_decision",
        {
            "message": "decision",
            "from_case": back.id,
            "from_element": "End_back",
            "from_lane": "Back office",
            "kept_since": sent_at.isoformat(),
        },
    )
    assert _kept(database_url) == 0
    assert [e.message for e in kapula.get_case(other.id).waiting_for] == ["decision"]  # not its conversation
    handoffs = [(h.from_lane, h.to_lane, h.element_id) for h in history.handoffs(kapula.history(front.id))]
    assert handoffs == [("Back office", "Front office", "Task_tell")]
    assert [(c.from_lane, c.to_lane, c.count) for c in kapula.metrics(FRONT).handoffs] == [("Back office", "Front office", 1)]
    assert kapula.fire_due_timers_round().messages_handed == 0


def test_the_round_looks_at_a_bounded_number_of_kept_messages_and_goes_on_from_there(kapula, monkeypatch, database_url):
    kapula.deploy([checked_first("two_pools.bpmn")])
    pairs = [_waiting_front(kapula) for _ in range(3)]
    for _front, back in pairs:
        _decide_unseen(kapula, monkeypatch, back, {"approved": True})
    monkeypatch.setattr(kept_rounds, "HANDOVER_MAX", 2)
    assert [kapula.fire_due_timers_round().messages_handed for _ in range(2)] == [2, 1]
    assert _kept(database_url) == 0
    assert all(kapula.get_case(front.id).data.get("approved") is True for front, _back in pairs)


def test_a_round_reads_no_case_when_nothing_is_kept_and_once_per_kept_message_else(kapula):
    kapula.deploy([checked_first("two_pools.bpmn")])
    _waiting_front(kapula)
    with statements(kapula) as seen:
        kapula.fire_due_timers_round()
    assert [s for s in seen if "FROM message_buffer" in s and s.startswith("SELECT")], seen
    assert [s for s in seen if "waiting_json" in s] == []
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Bo"})
    (back,) = [c for c in kapula.cases(process_key=BACK) if c.data.get("applicant") == "Bo"]
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})  # kept: its front case is at 'Check documents'
    with statements(kapula) as seen:
        assert kapula.fire_due_timers_round().messages_handed == 0
    assert len([s for s in seen if "waiting_json" in s]) == 1  # the one kept message's waiting cases, by name and process


def test_a_kept_message_its_case_fails_on_fails_that_case_in_the_round_not_the_person_s_step(kapula, clock, database_url):
    kapula.deploy([decided_by_gateway()])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    (back,) = kapula.cases(process_key=BACK)
    sent_at = clock.now()
    kapula.complete_task(back.ready_tasks[0].id, {"approved": "maybe"}, user="bob")  # kept: neither true nor false
    assert _kept(database_url) == 1
    # Anna's step makes the front case wait for the decision: the kept one fails it, so she is not refused
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert front.status is CaseStatus.RUNNING and [e.message for e in front.waiting_for] == ["decision"]
    assert _kept(database_url) == 1 and _of(kapula, front.id, Lifecycle.MESSAGE_RECEIVED) == []
    done = kapula.fire_due_timers_round()
    assert (done.messages_handed, done.failed_on_messages) == (0, (front.id,))
    front = kapula.get_case(front.id)
    assert front.status is CaseStatus.FAILED and front.incident is not None
    incident = front.incident
    assert (incident.trigger, incident.element_id, incident.element_name) == ("message", "Gw_approved", "Approved?")
    assert f"message 'decision' from case {back.id}, kept since {sent_at.isoformat()}" in incident.message
    assert "taken out of the buffer" in incident.message and incident.resolved_at is None
    assert _kept(database_url) == 0
    assert kapula.fire_due_timers_round() == type(done)(0)  # nothing left to hand over or fail
    # as the incident says: a retry, then the message sent again with what it should carry
    retried = kapula.retry_case(front.id, user="admin")
    assert retried.status is CaseStatus.RUNNING and [e.message for e in retried.waiting_for] == ["decision"]
    front = kapula.send_message("decision", case_id=front.id, data={"approved": True}, user="admin")
    assert [t.name for t in front.ready_tasks] == ["Tell customer"]
