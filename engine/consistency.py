"""Whether each case's row, task rows and event log tell one story: after races, crashes and restarts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from engine.model import CaseStatus, Lifecycle
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord
from engine.runtime.states import CANCELLED, COMPLETED, READY, state_name
from engine.vocabulary import USER_TASK_TYPES

_ENDS = {Lifecycle.TASK_COMPLETED.value: COMPLETED, Lifecycle.TASK_CANCELLED.value: CANCELLED}
_CASE_ENDS = {Lifecycle.CASE_COMPLETED.value: CaseStatus.COMPLETED, Lifecycle.CASE_CANCELLED.value: CaseStatus.CANCELLED}
_LOGGED_STATES = (READY, COMPLETED, CANCELLED)
_USER_TASK_TYPES = USER_TASK_TYPES
_CHUNK = 500


@dataclass(frozen=True)
class Inconsistency:
    """One way a case's records disagree."""

    case_id: int
    problem: str


@dataclass
class CaseFacts:
    """What the checker reads of one case: its row, its events in seq order, its user-task rows."""

    case_id: int
    status: str
    last_event_seq: int
    events: list[tuple[int, str, str | None]] = field(default_factory=list)  # (seq, lifecycle, task_id)
    user_tasks: dict[str, int] = field(default_factory=dict)  # task id → SpiffWorkflow state
    user_task_events: set[str] = field(default_factory=set)  # task ids of user-task events


def check_cases(connection: Connection, case_ids: Iterable[int] | None = None) -> list[Inconsistency]:
    """Every inconsistency of the given cases (default: all). Empty when the records agree."""
    ids = list(case_ids) if case_ids is not None else list(connection.scalars(select(CaseRecord.id).order_by(CaseRecord.id)))
    found: list[Inconsistency] = []
    for start in range(0, len(ids), _CHUNK):
        for facts in _read(connection, ids[start : start + _CHUNK]):
            found.extend(Inconsistency(facts.case_id, p) for p in check_case(facts))
    return found


def check_case(facts: CaseFacts) -> list[str]:
    """The problems of one case: gaps or repeats in seq, a task ended twice or never readied, a
    claim outside a task's ready time, a case status its events do not give, user-task rows whose
    state their events do not give."""
    problems = _check_seq(facts)
    problems += _check_case_events(facts)
    opened, ended = _task_lives(facts, problems)
    for task_id, state in facts.user_tasks.items():
        expected = ended.get(task_id, READY if task_id in opened else None)
        if (expected is not None or state in _LOGGED_STATES) and state != expected:
            problems.append(f"task {task_id} is {_name(state)} in its row but its events say {_name(expected)}")
    for task_id in facts.user_task_events - facts.user_tasks.keys():
        problems.append(f"user task {task_id} has events but no task row")
    for task_id in opened - ended.keys():
        if facts.status not in (CaseStatus.RUNNING.value, CaseStatus.FAILED.value):
            problems.append(f"task {task_id} is still open in the events of a {facts.status} case")
    return problems


def _check_seq(facts: CaseFacts) -> list[str]:
    seqs = [seq for seq, _, _ in facts.events]
    if seqs != list(range(1, len(seqs) + 1)):
        return [f"event seq is not 1..{len(seqs)} without gaps or repeats: {_gaps(seqs)}"]
    if facts.last_event_seq != len(seqs):
        return [f"the case row counts {facts.last_event_seq} events, the log holds {len(seqs)}"]
    return []


def _check_case_events(facts: CaseFacts) -> list[str]:
    kinds = [lifecycle for _, lifecycle, _ in facts.events]
    problems = []
    if not kinds or kinds[0] != Lifecycle.CASE_STARTED.value or kinds.count(Lifecycle.CASE_STARTED.value) != 1:
        problems.append("the log does not open with exactly one case_started")
    ends = [k for k in kinds if k in _CASE_ENDS]
    if len(ends) > 1 or (ends and kinds[-1] != ends[0]):
        problems.append(f"the case ends more than once or has events after its end: {ends}")
    said = _CASE_ENDS[ends[0]].value if ends else CaseStatus.RUNNING.value
    # a failed case has not ended: its log reads as a running case's (the incident says why it stopped)
    if said != facts.status and not (said == CaseStatus.RUNNING.value and facts.status == CaseStatus.FAILED.value):
        problems.append(f"the case row says {facts.status}, its events say {said}")
    return problems


def _task_lives(facts: CaseFacts, problems: list[str]) -> tuple[set[str], dict[str, int]]:
    """Each task's events in order: ready once, claims only while ready and alternating, one end."""
    opened: set[str] = set()
    ended: dict[str, int] = {}
    holder: dict[str, bool] = defaultdict(bool)
    for seq, lifecycle, task_id in facts.events:
        if task_id is None:
            continue
        if task_id in ended:
            problems.append(f"task {task_id} has {lifecycle} at seq {seq} after it ended")
        elif lifecycle == Lifecycle.TASK_READY.value:
            if task_id in opened:
                problems.append(f"task {task_id} became ready twice (seq {seq})")
            opened.add(task_id)
        elif task_id not in opened:
            problems.append(f"task {task_id} has {lifecycle} at seq {seq} before it became ready")
        elif lifecycle in _ENDS:
            ended[task_id] = _ENDS[lifecycle]
        elif lifecycle in (Lifecycle.TASK_CLAIMED.value, Lifecycle.TASK_UNCLAIMED.value):
            claiming = lifecycle == Lifecycle.TASK_CLAIMED.value
            if holder[task_id] == claiming:
                problems.append(f"task {task_id} has {lifecycle} at seq {seq} while {'claimed' if claiming else 'unclaimed'}")
            holder[task_id] = claiming
    return opened, ended


def _read(connection: Connection, ids: list[int]) -> list[CaseFacts]:
    cases = {
        r.id: CaseFacts(r.id, r.status, r.last_event_seq)
        for r in connection.execute(
            select(CaseRecord.id, CaseRecord.status, CaseRecord.last_event_seq).where(CaseRecord.id.in_(ids))
        )
    }
    events = select(EventRecord.case_id, EventRecord.seq, EventRecord.lifecycle, EventRecord.task_id, EventRecord.element_type)
    for case_id, seq, lifecycle, task_id, element_type in connection.execute(
        events.where(EventRecord.case_id.in_(ids)).order_by(EventRecord.case_id, EventRecord.seq)
    ):
        cases[case_id].events.append((seq, lifecycle, task_id))
        if task_id is not None and element_type in _USER_TASK_TYPES:
            cases[case_id].user_task_events.add(task_id)
    tasks = select(CaseTaskRecord.case_id, CaseTaskRecord.task_id, CaseTaskRecord.state)
    for case_id, task_id, state in connection.execute(tasks.where(CaseTaskRecord.case_id.in_(ids), CaseTaskRecord.manual.is_(True))):
        cases[case_id].user_tasks[task_id] = state
    return [cases[i] for i in ids if i in cases]


def _gaps(seqs: list[int]) -> str:
    shown = ", ".join(map(str, seqs[:20]))
    return shown + (" …" if len(seqs) > 20 else "")


def _name(state: int | None) -> str:
    return "nothing" if state is None else state_name(state)
