"""Loading a case for a step and writing what the step changed, with the row-version check."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from engine.definitions import DeployedVersion, VersionCache
from engine.errors import ConflictError, NotFoundError, check_takes_steps
from engine.model import CaseStatus, Lifecycle, WaitingEvent
from engine.persistence.cache import VersionedCache
from engine.persistence.direct import DirectStatement
from engine.persistence.sql_versions import SqlVersionRepository
from engine.persistence.tables import CaseCorrelationRecord, CaseRecord, CaseTaskRecord, EventRecord, table_of
from engine.runtime.case_state import (
    OPEN_PART_KEY,
    TOP,
    LiveCase,
    StepChanges,
    TaskRow,
    Transition,
    begin_step,
    collect_changes,
    new_live_case,
    restore_live_case,
)
from engine.runtime.stepping import (
    all_task_rows,
    case_data,
    correlations,
    is_completed,
    subprocess_task_lane,
    transition_caught,
    transition_element,
    waiting_events,
)
from engine.spans.store import write_step_spans

# Core statements built once: a step is a handful of them, and building ORM statements per step
# cost more than the SQL itself (bench/README.md)
_CASES = table_of(CaseRecord)
_TASKS = table_of(CaseTaskRecord)
_EVENTS = table_of(EventRecord)
_CORRELATIONS = table_of(CaseCorrelationRecord)
# the columns a step sets are the parameters it passes (DirectStatement's set_from_parameters):
# status, ended_at and next_timer_due only when they changed, since SQLite rewrites the index
# entries of every column a SET names, changed or not (two pages more to write per commit)
_UPDATE_CASE = DirectStatement(
    _CASES.update().where(_CASES.c.id == bindparam("b_id"), _CASES.c.row_version == bindparam("b_read")),
    set_from_parameters=True,
)
_UPDATE_TASK = DirectStatement(
    _TASKS.update()
    .where(_TASKS.c.case_id == bindparam("b_case"), _TASKS.c.task_id == bindparam("b_task"))
    .values(state=bindparam("state"), body=bindparam("body"), lane=bindparam("lane"))
)
_DELETE_TASK = DirectStatement(
    _TASKS.delete().where(_TASKS.c.case_id == bindparam("b_case"), _TASKS.c.task_id == bindparam("b_task"))
)
_INSERT_CASE = DirectStatement(_CASES.insert().returning(_CASES.c.id))
_INSERT_TASKS = DirectStatement(_TASKS.insert())
_INSERT_EVENTS = DirectStatement(_EVENTS.insert())
# the case row, every column under its attribute name, read without the ORM (no identity map, no
# instance state)
_READ_CASE = DirectStatement(select(*_CASES.c).where(_CASES.c.id == bindparam("b_id")))

_LIFECYCLE = {"ready": Lifecycle.TASK_READY, "completed": Lifecycle.TASK_COMPLETED, "cancelled": Lifecycle.TASK_CANCELLED}


@dataclass(frozen=True)
class SavedStep:
    """The case row's state as a step wrote it."""

    status: CaseStatus
    data: dict[str, Any]
    ended_at: datetime | None
    next_timer_due: datetime | None
    waiting_for: tuple[WaitingEvent, ...] = ()


@dataclass(frozen=True)
class NewCase:
    """A case row as `CaseStore.create` inserted it: the columns a step reads of `StepContext.case`."""

    id: int
    process_version_id: int
    process_key: str
    status: str
    started_at: datetime
    row_version: int
    last_event_seq: int
    next_ordinal: int
    next_timer_due: datetime | None
    header_json: str
    data_json: str
    conversation_id: str


@dataclass
class StepContext:
    """One step's working set: the case row as read, its live workflow and its version."""

    case: Any  # a NewCase, else the row _READ_CASE reads (the same attribute names)
    deployed: DeployedVersion
    live: LiveCase
    since: float
    read_version: int
    acting: tuple[UUID, str | None] | None = None
    new_version: int = field(default=0)
    # messages of this step, logged next to the element that threw or caught them (engine.services.messages)
    sent: list[tuple[UUID | None, str | None, dict[str, Any]]] = field(default_factory=list)  # (task, element, changed)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (message name, changed)


class CaseStore:
    """Reads cases for steps (through the cache) and writes each step's changes."""

    def __init__(self, versions: VersionCache, script_engine: Any) -> None:
        self._versions = versions
        self._script_engine = script_engine
        self._cache: VersionedCache[LiveCase] = VersionedCache()
        # False: every restore reads every task row (the reference the open-part restore is tested against)
        self.restore_open_part = True

    @property
    def cache(self) -> VersionedCache[LiveCase]:
        return self._cache

    def create(
        self, session: Session, deployed: DeployedVersion, *, now: datetime, conversation_id: str | None = None
    ) -> StepContext:
        """A new running case's row, inserted on the DB-API cursor like the step's other writes (no
        ORM object: its flush cost a start more than the rest of the row's statements), and its
        fresh live workflow."""
        case = new_case(deployed, now=now, conversation_id=conversation_id)
        new_id = _INSERT_CASE.first(session.connection(), {k: v for k, v in asdict(case).items() if k != "id"}).id
        since = begin_step()
        live = new_live_case(deployed.bundle, self._script_engine)
        return StepContext(replace(case, id=int(new_id)), deployed, live, since, read_version=1)

    def load(self, session: Session, case_id: int, *, failed_too: bool = False) -> StepContext:
        """The case for a step: running, or also failed with `failed_too` (a retry, a cancellation or
        a migration of a case whose unattended step failed). Raises NotFoundError, ConflictError."""
        connection = session.connection()
        record = _READ_CASE.first(connection, {"b_id": case_id})
        if record is None:
            raise NotFoundError("case", case_id)
        check_takes_steps(case_id, record.status, failed_too=failed_too)
        deployed = self._versions.kept(record.process_version_id) or self._versions.get(
            SqlVersionRepository(session), record.process_version_id
        )
        live = self._cache.take(case_id, record.row_version)
        if live is None:
            try:
                live = self._restore(connection, deployed, record)
            except Exception:
                self._refuse_if_changed(connection, case_id, record.row_version)
                raise
        return StepContext(record, deployed, live, begin_step(), read_version=record.row_version)

    def _restore(self, connection: Connection, deployed: Any, record: Any) -> LiveCase:
        """The case's workflow from its rows: only the open part the header lists when it lists one
        (case_state.open_part), else every task row (cases written before it, or with subprocesses)."""
        query = select(_TASKS.c.task_id, _TASKS.c.workflow_id, _TASKS.c.ordinal, _TASKS.c.body).where(
            _TASKS.c.case_id == record.id
        )
        part = json.loads(record.header_json).get(OPEN_PART_KEY)
        keep = part["ids"] if part and self.restore_open_part else None
        if keep:
            rows = connection.execute(query.where(_TASKS.c.task_id.in_(keep)).order_by(_TASKS.c.ordinal)).all()
            if len(rows) == len(keep):
                return restore_live_case(
                    deployed.bundle,
                    record.header_json,
                    [tuple(r) for r in rows],
                    self._script_engine,
                    next_ordinal=record.next_ordinal,
                )
        rows = connection.execute(query.order_by(_TASKS.c.ordinal)).all()
        return restore_live_case(deployed.bundle, record.header_json, [tuple(r) for r in rows], self._script_engine)

    @staticmethod
    def _refuse_if_changed(connection: Any, case_id: int, read_version: int) -> None:
        """Raise ConflictError when the case row moved on since it was read. On PostgreSQL (READ
        COMMITTED) the case row and its task rows are two statements: another process's step or
        migration committing between them gives rows of another version that cannot be restored
        (SpiffWorkflow then fails on a task spec it cannot find) — that is a concurrent change,
        to try again, not a broken case."""
        current = connection.execute(select(_CASES.c.row_version).where(_CASES.c.id == case_id)).scalar()
        if current != read_version:
            raise ConflictError(f"case {case_id} changed while it was read; try again", case_id=case_id) from None

    def save(
        self,
        session: Session,
        ctx: StepContext,
        *,
        now: datetime,
        user: str | None,
        first_event: Lifecycle | None = None,
        last_event: Lifecycle | None = None,
        start_data: dict[str, Any] | None = None,
    ) -> SavedStep:
        """Write the step: case row first (the version check takes the row's lock), then tasks and events.
        Returns the case's new state as written, so the caller can answer without reading it back."""
        write = step_write(ctx, now=now, user=user, first_event=first_event, last_event=last_event, start_data=start_data)
        changes, events, values, saved = write.changes, write.events, write.values, write.saved
        connection = session.connection()
        written = _UPDATE_CASE.execute(connection, values)
        if written != 1:
            self._cache.discard(ctx.case.id)
            raise ConflictError(
                f"case {ctx.case.id} was changed by someone else while this step ran; nothing was saved, reload and try again",
                case_id=ctx.case.id,
            )
        self._write_tasks(connection, ctx, changes.upserts, changes.deleted)
        if events:
            _INSERT_EVENTS.execute(connection, events)
            write_step_spans(connection, ctx.case.id, ctx.deployed.key, ctx.deployed.id, events, new_case=write.fresh)
        held = correlations(ctx.live)
        if held:
            write_correlations(connection, ctx.case.id, held)
        return saved

    def save_migrated(
        self,
        session: Session,
        ctx: StepContext,
        target: DeployedVersion,
        *,
        now: datetime,
        user: str | None,
        details: dict[str, Any],
    ) -> None:
        """Write a case whose live workflow was moved onto `target` (engine.runtime.migration): the
        case row (behind the version check) points at the new version, every task row is written
        anew (task specs may have changed), and one `case_migrated` event records `details`.
        Raises ConflictError when the case changed since it was read; nothing is written then."""
        values, event = migration_write(ctx, target, now=now, user=user, details=details)
        connection = session.connection()
        result = connection.execute(
            _CASES.update().where(_CASES.c.id == ctx.case.id, _CASES.c.row_version == ctx.read_version).values(**values)
        )
        if result.rowcount != 1:
            self._cache.discard(ctx.case.id)
            raise ConflictError(
                f"case {ctx.case.id} was changed by someone else meanwhile; it was not moved", case_id=ctx.case.id
            )
        connection.execute(_TASKS.delete().where(_TASKS.c.case_id == ctx.case.id))
        self._write_tasks(connection, ctx, all_task_rows(ctx.live), [])
        connection.execute(_EVENTS.insert(), [event])

    def release(self, ctx: StepContext) -> None:
        """A loaded case that took no step: back into the cache as it was."""
        self._cache.put(ctx.case.id, ctx.read_version, ctx.live)

    def remember(self, ctx: StepContext) -> None:
        """After a commit: keep the live workflow for the next step, tagged with the version written."""
        if is_completed(ctx.live):
            self._cache.discard(ctx.case.id)
        else:
            self._cache.put(ctx.case.id, ctx.new_version, ctx.live)

    def _write_tasks(self, connection: Connection, ctx: StepContext, upserts: list[Any], deleted: list[str]) -> None:
        """New rows in one multi-row INSERT, changed rows in one executemany UPDATE."""
        case_id = ctx.case.id
        if deleted:
            _DELETE_TASK.execute(connection, [{"b_case": case_id, "b_task": task_id} for task_id in deleted])
        fresh = [
            {
                "case_id": case_id,
                "task_id": r.task_id,
                "workflow_id": r.workflow_id,
                "ordinal": r.ordinal,
                "state": r.state,
                "manual": r.manual,
                "element_id": r.element_id,
                "lane": task_lane(ctx, r),
                "body": r.body,
            }
            for r in upserts
            if r.is_new
        ]
        changed = [
            {"b_case": case_id, "b_task": r.task_id, "state": r.state, "body": r.body, "lane": task_lane(ctx, r)}
            for r in upserts
            if not r.is_new
        ]
        if fresh:
            _INSERT_TASKS.execute(connection, fresh)
        if changed:
            _UPDATE_TASK.execute(connection, changed)


def new_case(deployed: DeployedVersion, *, now: datetime, conversation_id: str | None = None) -> NewCase:
    """A new running case's row of `deployed` started at `now`, its id 0 until stored (in a new
    conversation unless given one)."""
    return NewCase(
        id=0,
        process_version_id=deployed.id,
        process_key=deployed.key,
        status=CaseStatus.RUNNING.value,
        started_at=now,
        row_version=1,
        last_event_seq=0,
        next_ordinal=0,
        next_timer_due=None,
        header_json="{}",
        data_json="{}",
        conversation_id=conversation_id or uuid4().hex,
    )


@dataclass(frozen=True)
class StepWrite:
    """What a step writes, computed from its live workflow without the database (step_write):
    `changes` (the task rows to insert, update and delete), `events` (the event rows, each with its
    `seq` and `case_id`), `values` (the case row's UPDATE parameters: `b_id` and `b_read`, the read
    version, for the check, and the columns to set, status, ended_at and next_timer_due only when
    they changed or the case is `fresh`), and `saved`, the case row's state as written."""

    changes: StepChanges
    events: list[dict[str, Any]]
    values: dict[str, Any]
    saved: SavedStep
    fresh: bool


def step_write(
    ctx: StepContext,
    *,
    now: datetime,
    user: str | None,
    first_event: Lifecycle | None = None,
    last_event: Lifecycle | None = None,
    start_data: dict[str, Any] | None = None,
) -> StepWrite:
    """What the step on `ctx` writes (CaseStore.save's arguments; SQL's CaseStore and the fake case
    repository write it). Collects the live workflow's changes, so it is called once per step; sets
    `ctx.new_version`."""
    changes = collect_changes(ctx.live, ctx.since)
    completed = is_completed(ctx.live) and last_event is None
    status = (
        CaseStatus.CANCELLED
        if last_event == Lifecycle.CASE_CANCELLED
        else (CaseStatus.COMPLETED if completed else CaseStatus.RUNNING)
    )
    events = _events(ctx, changes.transitions, now=now, user=user)
    if ctx.sent or ctx.received:
        events = _with_messages(ctx, changes.transitions, events, now=now, user=user)
    if first_event is not None:
        events.insert(0, _event(first_event, now=now, user=user, changed=start_data or {}))
    if status is CaseStatus.COMPLETED:
        events.append(_event(Lifecycle.CASE_COMPLETED, now=now, user=None))
    elif last_event is not None:
        events.append(_event(last_event, now=now, user=user))
    seq = ctx.case.last_event_seq
    for row in events:
        seq += 1
        row["seq"] = seq
        row["case_id"] = ctx.case.id
    ctx.new_version = ctx.read_version + 1
    data_text = json.dumps(case_data(ctx.live), default=str)
    waiting = waiting_events(ctx.live, ctx.deployed) if status is CaseStatus.RUNNING else ()
    saved = SavedStep(
        status=status,
        data=json.loads(data_text),  # exactly what a read of the row gives
        ended_at=now if status is not CaseStatus.RUNNING else None,
        next_timer_due=next_due(waiting),
        waiting_for=waiting,
    )
    values: dict[str, Any] = {
        "b_id": ctx.case.id,
        "b_read": ctx.read_version,
        "row_version": ctx.new_version,
        "header_json": changes.header,
        "data_json": data_text,
        "last_event_seq": seq,
        "next_ordinal": changes.next_ordinal,
        "waiting_json": waiting_to_json(waiting),
    }
    fresh = isinstance(ctx.case, NewCase)  # a new case: every column is written
    if fresh or status.value != ctx.case.status:
        values.update(status=status.value, ended_at=saved.ended_at)
    if fresh or saved.next_timer_due != ctx.case.next_timer_due:
        values["next_timer_due"] = saved.next_timer_due
    return StepWrite(changes, events, values, saved, fresh)


def migration_write(
    ctx: StepContext, target: DeployedVersion, *, now: datetime, user: str | None, details: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What moving the case on `ctx` onto `target` writes (CaseStore.save_migrated's arguments):
    the case row's new columns and the case_migrated event row; the task rows are all of
    engine.runtime.stepping.all_task_rows. Sets `ctx.deployed` and `ctx.new_version`."""
    ctx.deployed = target
    changes = collect_changes(ctx.live, ctx.since)
    seq = ctx.case.last_event_seq + 1
    event = _event(Lifecycle.CASE_MIGRATED, now=now, user=user, changed=details)
    event.update(seq=seq, case_id=ctx.case.id)
    ctx.new_version = ctx.read_version + 1
    waiting = waiting_events(ctx.live, ctx.deployed)
    values = dict(
        process_version_id=target.id,
        row_version=ctx.new_version,
        header_json=changes.header,
        last_event_seq=seq,
        next_ordinal=changes.next_ordinal,
        next_timer_due=next_due(waiting),
        waiting_json=waiting_to_json(waiting),
    )
    return values, event


def task_lane(ctx: StepContext, row: TaskRow) -> str | None:
    """The lane a task row of the case is stored with: its element's in the version, or the
    calling activity's for a task of a called process."""
    if row.workflow_id == TOP:
        info = ctx.deployed.elements.get(row.element_id or "")
        return info.actor if info else None
    return subprocess_task_lane(ctx.live, row.workflow_id, row.task_id, ctx.deployed)


def _events(ctx: StepContext, transitions: list[Transition], *, now: datetime, user: str | None) -> list[dict[str, Any]]:
    rows = []
    for tr in transitions:
        element_id, spec_name, spec_kind = transition_element(tr)
        info, lane, scope = ctx.deployed.resolve(tr.task)
        acted = ctx.acting is not None and ctx.acting[0] == tr.task.id
        rows.append(
            {
                "at": now,
                "lifecycle": _LIFECYCLE[tr.kind].value,
                "element_id": ctx.deployed.element_key(element_id, scope),
                "element_name": (info.name if info else None) or spec_name,
                "element_type": (info.type if info else None) or spec_kind,
                "lane": lane,
                "user_name": user if acted else None,
                "task_id": str(tr.task.id),
                "changed_json": json.dumps(tr.changed, default=str),
            }
        )
    return rows


def _with_messages(
    ctx: StepContext, transitions: list[Transition], rows: list[dict[str, Any]], *, now: datetime, user: str | None
) -> list[dict[str, Any]]:
    """The step's event rows with a message_sent row after the completion of each element that threw
    a message, and a message_received row after the completion of the element that caught it (at
    the end when no such completion is in the step)."""
    after: dict[int, list[dict[str, Any]]] = {}
    tail: list[dict[str, Any]] = []
    completed = [i for i, tr in enumerate(transitions) if tr.kind == "completed"]
    for task_id, element_id, changed in ctx.sent:
        at = next((i for i in completed if transitions[i].task.id == task_id), None)
        row = _message_row(ctx, Lifecycle.MESSAGE_SENT, element_id, changed, now=now, user=user)
        (after.setdefault(at, []) if at is not None else tail).append(row)
    used: set[int] = set()
    for name, changed in ctx.received:
        at = next((i for i in completed if i not in used and transition_caught(transitions[i], name)), None)
        element_id = transition_element(transitions[at])[0] if at is not None else None
        row = _message_row(ctx, Lifecycle.MESSAGE_RECEIVED, element_id, changed, now=now, user=user)
        if at is None:
            tail.append(row)
        else:
            used.add(at)
            after.setdefault(at, []).append(row)
    out: list[dict[str, Any]] = []
    for index, row in enumerate(rows):  # one row per transition, in the same order
        out.append(row)
        out.extend(after.get(index, []))
    return out + tail


def _message_row(
    ctx: StepContext, lifecycle: Lifecycle, element_id: str | None, changed: dict[str, Any], *, now: datetime, user: str | None
) -> dict[str, Any]:
    row = _event(lifecycle, now=now, user=user, changed=changed)
    info = ctx.deployed.elements.get(element_id or "")
    if element_id is not None:
        row.update(
            element_id=element_id,
            element_name=info.name if info else None,
            element_type=info.type if info else None,
            lane=info.actor if info else None,
        )
    return row


def _event(lifecycle: Lifecycle, *, now: datetime, user: str | None, changed: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "at": now,
        "lifecycle": lifecycle.value,
        "element_id": None,
        "element_name": None,
        "element_type": None,
        "lane": None,
        "user_name": user,
        "task_id": None,
        "changed_json": json.dumps(changed or {}, default=str),
    }


def correlation_value(value: Any) -> str:
    """A correlation key's properties as stored in case_correlation.value: canonical JSON."""
    return json.dumps(value, sort_keys=True, default=str)


def write_correlations(connection: Connection, case_id: int, correlations: dict[str, Any]) -> None:
    """The case's values of its diagram's correlation keys (SpiffWorkflow's `workflow.correlations`),
    so that a message for it is found by them; only keys whose value changed are written."""
    wanted = {str(key): correlation_value(value) for key, value in correlations.items()}
    have = dict(
        connection.execute(select(_CORRELATIONS.c.key, _CORRELATIONS.c.value).where(_CORRELATIONS.c.case_id == case_id)).all()
    )
    changed = [key for key, value in wanted.items() if have.get(key) != value]
    if not changed:
        return
    connection.execute(_CORRELATIONS.delete().where(_CORRELATIONS.c.case_id == case_id, _CORRELATIONS.c.key.in_(changed)))
    connection.execute(_CORRELATIONS.insert(), [{"case_id": case_id, "key": key, "value": wanted[key]} for key in changed])


def next_due(waiting: tuple[WaitingEvent, ...]) -> datetime | None:
    """The earliest due time of the timers among `waiting`, or None."""
    dues = [e.due for e in waiting if e.due is not None]
    return min(dues) if dues else None


def waiting_to_json(waiting: tuple[WaitingEvent, ...]) -> str | None:
    if not waiting:
        return None
    return json.dumps([{**asdict(e), "due": e.due.isoformat() if e.due else None} for e in waiting])


def waiting_from_json(text: str | None) -> tuple[WaitingEvent, ...]:
    """The case row's `waiting_json` back as WaitingEvents (an empty tuple for none)."""
    if not text:
        return ()
    return tuple(
        WaitingEvent(**{**item, "due": datetime.fromisoformat(item["due"]) if item.get("due") else None})
        for item in json.loads(text)
    )
