"""Whether each case's row, task rows and event log tell one story: after races, crashes and restarts.

The rows are read through the unit of work (engine.persistence.ports.ConsistencyReads); the checks
are pure functions of CaseFacts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.model import CaseStatus, Lifecycle
from engine.persistence.ports import ConsistencyReads, UnitOfWork
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


def check_cases(uow: UnitOfWork, case_ids: Iterable[int] | None = None) -> list[Inconsistency]:
    """Every inconsistency of the given cases (default: all), read in `uow`'s transaction (e.g.
    SqlUnitOfWork(session)). Empty when the records agree; unknown ids are skipped."""
    reads = uow.consistency
    ids = list(case_ids) if case_ids is not None else reads.case_ids()
    found: list[Inconsistency] = []
    for start in range(0, len(ids), _CHUNK):
        for facts in _read(reads, ids[start : start + _CHUNK]):
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


def _read(reads: ConsistencyReads, ids: list[int]) -> list[CaseFacts]:
    cases = {case_id: CaseFacts(case_id, status, last) for case_id, (status, last) in reads.case_rows(ids).items()}
    for row in reads.event_rows(ids):
        facts = cases.get(row.case_id)
        if facts is None:
            continue
        facts.events.append((row.seq, row.lifecycle, row.task_id))
        if row.task_id is not None and row.element_type in _USER_TASK_TYPES:
            facts.user_task_events.add(row.task_id)
    for case_id, states in reads.user_task_states(ids).items():
        if case_id in cases:
            cases[case_id].user_tasks.update(states)
    return [cases[i] for i in ids if i in cases]


def _gaps(seqs: list[int]) -> str:
    shown = ", ".join(map(str, seqs[:20]))
    return shown + (" …" if len(seqs) > 20 else "")


def _name(state: int | None) -> str:
    return "nothing" if state is None else state_name(state)
