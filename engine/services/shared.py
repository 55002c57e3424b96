"""What every area of the service layer shares: the database, the clock, the caches and the task views."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from sqlalchemy.orm import Session, sessionmaker

from engine import claims
from engine.access import policy
from engine.access.access_log import AccessEntry
from engine.case_store import CaseStore, SavedStep, StepContext, waiting_from_json
from engine.clock import Clock
from engine.data_limits import check_case_data
from engine.definitions import DeployedVersion, VersionCache
from engine.errors import InvalidDataError, KapulaError, NotFoundError
from engine.model import CaseStatus, CaseView, Incident, ProcessVersion, TaskView, WaitingEvent
from engine.persistence.cache import LruMap
from engine.persistence.ports import StoredCase, StoredTask, TaskInCase, UnitOfWork, UnitOfWorkFactory
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.step_session import write_session
from engine.process_card import ProcessCard
from engine.render.drawing import DrawingCache
from engine.runtime import stepping
from engine.runtime.case_state import TOP, subprocess_spec_names
from engine.runtime.multi_instance import titled
from engine.runtime.states import READY, state_name
from engine.services.gate import Caller, check, refusal_of
from engine.settings import DEFAULT_MESSAGE_TTL_HOURS

# how long a message between pools is kept for a case that does not wait for it yet, when the
# services are built without settings: the default of KAPULA_MESSAGE_TTL_HOURS, from the one place
MESSAGE_TTL = timedelta(hours=DEFAULT_MESSAGE_TTL_HOURS)


class ServiceBase:
    """The state every area of use cases works on: sessions, clock, the version and case caches."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | None,
        clock: Clock,
        script_engine: Any,
        *,
        units: UnitOfWorkFactory | None = None,
        message_ttl: timedelta = MESSAGE_TTL,
    ) -> None:
        """`sessions` on Kapula's database; or None with `units`, a factory of units of work (e.g.
        engine.persistence.fake.FakeUnitOfWork) that the steps run on instead: start_case,
        claim_task, unclaim_task, complete_task, task_form and cancel_case; the other use cases
        still open a session and fail without one. `message_ttl`: how long a message between pools
        is kept for a case that does not wait for it yet (zero: not kept; engine.services.routing)."""
        self._on_database = sessions is not None
        if sessions is None:
            if units is None:
                raise TypeError("the services need sessions on a database or a unit-of-work factory")
            self._units = units
            # no database: a use case that still opens a session fails (AttributeError on None)
            self._sessions = cast("sessionmaker[Session]", None)
            self._reads = cast("sessionmaker[Session]", None)
        else:
            self._sessions = sessions
            # reads need no write lock: on SQLite they begin a deferred transaction (see persistence.database)
            self._reads = sessionmaker(sessions.kw["bind"].execution_options(kapula_readonly=True), expire_on_commit=False)
            self._units = units or self._sql_units
        self._clock = clock
        self._message_ttl = message_ttl
        self._versions = VersionCache()
        self._drawings = DrawingCache()  # per (key, version, view, format, measured values)
        self._store = CaseStore(self._versions, script_engine)
        self._task_cases: LruMap[str, int] = LruMap(capacity=10_000)
        # each ready task's form as the step that readied it saw it: checked before a completion's
        # transaction without a read of its own (the step checks again if the case moved version)
        self._task_forms: LruMap[str, tuple[dict[str, Any] | None]] = LruMap(capacity=10_000)
        self._sub_specs: LruMap[tuple[int, str], str] = LruMap(capacity=10_000)  # (case, workflow id) -> spec
        # process key -> the row id of its latest version as the last start here read it: the start
        # form's check before the step's transaction needs no read of its own (the step reads it again)
        self._latest_seen: LruMap[str, int] = LruMap(capacity=1_000)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on Kapula's database, for services that share it (engine.access)."""
        return self._sessions

    def close(self) -> None:
        """Release the database connections."""
        self._store.cache.clear()
        if self._on_database:
            self._sessions.kw["bind"].dispose()

    if TYPE_CHECKING:  # use cases of other areas that this area's use cases call (see engine.services.Kapula)

        def card(self, key: str, version: int | None = None, *, caller: Caller | None = None) -> ProcessCard | None: ...

        def case_ids(self, process_key: str) -> list[int]: ...

        def versions(self, key: str, *, caller: Caller | None = None) -> list[ProcessVersion]: ...

        def version_source(self, key: str, version: int, *, caller: Caller | None = None) -> dict[str, str]: ...

    def _deployed(self, db: Session | UnitOfWork, version_id: int) -> DeployedVersion:
        """The deployed version with that row id: kept, or restored once from the unit's versions.
        Raises NotFoundError."""
        return self._versions.kept(version_id) or self._versions.get(self._port(db).versions, version_id)

    def _unit(self, session: Session) -> SqlUnitOfWork:
        """The unit of work over a use case's session (its transaction is the unit), with this
        service's case store behind its cases."""
        return SqlUnitOfWork(session, store=self._store)

    def _port(self, db: Session | UnitOfWork) -> UnitOfWork:
        """`db` as a unit of work: a session's SqlUnitOfWork (use cases not yet on the factory)
        or the unit itself."""
        return SqlUnitOfWork(db, store=self._store) if isinstance(db, Session) else db

    @contextmanager
    def _sql_units(self, *, read: bool = False) -> Iterator[UnitOfWork]:
        """The SQL unit-of-work factory: a session as `_transaction` opens it (a read-only one
        with `read`), its transaction the unit's."""
        if read:
            with self._reads() as session:
                yield SqlUnitOfWork(session, store=self._store)
        else:
            with write_session(self._sessions.kw["bind"]) as session:
                yield SqlUnitOfWork(session, store=self._store)

    @contextmanager
    def _in_unit(self, *, read: bool = False) -> Iterator[UnitOfWork]:
        """One use case's unit of work from the services' factory (a read-only one with `read`):
        committed when the block ends, rolled back when it raises. A refusal raised in it is then
        written to the access log in a unit of its own, so refused attempts are kept."""
        try:
            with self._units(read=read) as uow:
                yield uow
        except KapulaError as exc:
            refused = refusal_of(exc)
            if refused is not None:
                self._audit([refused])
            raise

    @contextmanager
    def _transaction(self, *, read: bool = False) -> Iterator[Session]:
        """One use case's transaction (a read-only one with `read`). A refusal raised in it rolls
        it back, and its access-log entry is then written on its own, so refused attempts are kept."""
        try:
            if read:
                with self._reads() as session:
                    yield session
            else:
                # on a Core connection: most steps never use the ORM (engine.persistence.step_session)
                with write_session(self._sessions.kw["bind"]) as session:
                    yield session
        except KapulaError as exc:
            refused = refusal_of(exc)
            if refused is not None:
                self._audit([refused])
            raise

    def _check_now(self, caller: Caller, reason: str | None, action: str, **target: Any) -> None:
        """A rule checked before any transaction (e.g. the role, before an upload is parsed); a
        refusal is logged like one raised in a transaction."""
        try:
            check(caller, reason, action, self._clock.now(), **target)
        except KapulaError as exc:
            refused = refusal_of(exc)
            if refused is not None:
                self._audit([refused])
            raise

    def _audit(self, entries: list[AccessEntry]) -> None:
        """Access-log entries in a transaction of their own: for reads, which take no write lock
        (on SQLite a write transaction queues behind every step), and for refusals."""
        if not entries:
            return
        if not self._on_database:
            with self._units() as uow:
                uow.access_log.add(entries)
            return
        with self._sessions.begin() as session:
            self._unit(session).access_log.add(entries)

    @staticmethod
    def _as_seen(caller: Caller | None, case: CaseView) -> CaseView:
        """The case as `caller` may see it: a customer is told that it stopped, not the error
        (policy.incident_as_seen)."""
        if caller is None or case.incident is None:
            return case
        return dataclasses.replace(case, incident=policy.incident_as_seen(caller.principal, case.incident))

    def _case_view(self, db: Session | UnitOfWork, case_id: int) -> CaseView:
        record = self._port(db).case_reads.row(case_id)
        if record is None:
            raise NotFoundError("case", case_id)
        deployed = self._deployed(db, record.process_version_id)
        tasks = claims.with_claims(self._port(db).claims, self._task_views(db, record, state=READY))
        next_due, waiting_for = waits_of(record)
        return CaseView(
            id=record.id,
            process_key=record.process_key,
            version=deployed.version,
            status=CaseStatus(record.status),
            started_at=record.started_at,
            ended_at=record.ended_at,
            data=json.loads(record.data_json),
            ready_tasks=tuple(tasks),
            next_timer_due=next_due,
            waiting_for=waiting_for,
            incident=self._open_incident(db, record),
        )

    def _open_incident(self, db: Session | UnitOfWork, record: StoredCase) -> Incident | None:
        if record.status != CaseStatus.FAILED.value:
            return None  # only a failed case has an open incident: no look-up for the others
        return self._port(db).incidents.open_of(record.id)

    def _task_in(self, db: Session | UnitOfWork, task_id: str, *, with_claim: bool = True) -> TaskView:
        """The user task's view; without `with_claim` its `claimed_by` is not read (None), for
        callers that read the holder again later in the same transaction anyway."""
        found = self._port(db).case_reads.user_task_in(task_id)
        if found is None:
            raise NotFoundError("task", task_id)
        view = self._task_view(db, found.task, found)
        return claims.with_claims(self._port(db).claims, [view])[0] if with_claim else view

    def _case_of_task(self, db: Session | UnitOfWork, task_id: str) -> int:
        # a task never moves to another case, so what was found once holds for good
        case_id = self._task_cases.get(task_id)
        if case_id is None:
            case_id = self._port(db).case_reads.case_of_task(task_id)
            if case_id is None:
                raise NotFoundError("task", task_id)
            self._task_cases.put(task_id, case_id)
        return case_id

    def _task_views(self, db: Session | UnitOfWork, record: StoredCase, *, state: int) -> list[TaskView]:
        """The views of the case's user tasks in SpiffWorkflow state `state`, in the order the case made them."""
        return [self._task_view(db, t, record) for t in self._port(db).case_reads.user_tasks(record.id, state)]

    def _view_after_step(self, db: Session | UnitOfWork, ctx: StepContext, saved: SavedStep) -> CaseView:
        """The case as a step left it, from the live workflow, inside the step's own transaction:
        the same CaseView that get_case would read back, without a second round trip."""
        deployed = ctx.deployed
        ready = stepping.ready_tasks(ctx.live, deployed) if saved.status is CaseStatus.RUNNING else []
        tasks = []
        for task in ready:
            tasks.append(
                task_view_of(deployed, ctx.case.id, task.id, task.element_id, task.lane, READY, item=task.item, scope=task.scope)
            )
            self._task_forms.put(task.id, (deployed.form_schema(task.element_id, task.scope),))
            self._task_cases.put(task.id, ctx.case.id)
        return CaseView(
            id=ctx.case.id,
            process_key=deployed.key,
            version=deployed.version,
            status=saved.status,
            started_at=ctx.case.started_at,
            ended_at=saved.ended_at,
            data=saved.data,
            ready_tasks=tuple(self._claimed(db, tasks, fresh=ctx.live.readied_in_last_step)),
            next_timer_due=saved.next_timer_due,
            waiting_for=saved.waiting_for,
        )

    def _claimed(self, db: Session | UnitOfWork, tasks: list[TaskView], *, fresh: set[UUID]) -> list[TaskView]:
        # a task readied in this very step has no claims yet: skip the look-up when all are
        if all(UUID(t.id) in fresh for t in tasks):
            return tasks
        return claims.with_claims(self._port(db).claims, tasks)

    def _task_view(self, db: Session | UnitOfWork, row: StoredTask, case: StoredCase | TaskInCase) -> TaskView:
        """The view of a stored user task; `case` gives its case's id, version and header."""
        deployed = self._deployed(db, case.process_version_id)
        item = stepping.stored_item(deployed.bundle, row.element_id or "", row.body)
        self._task_cases.put(row.task_id, case.id)  # a task list is mostly followed by a step on one of them
        return task_view_of(
            deployed,
            case.id,
            row.task_id,
            row.element_id or "",
            row.lane,
            row.state,
            item=item,
            scope=self.row_scope(deployed, row, case),
        )

    def row_scope(self, deployed: Any, row: StoredTask, case: StoredCase | TaskInCase) -> str | None:
        """The process whose drawing holds a stored task's element: the version's own (None), or
        the called process its subworkflow runs (read from the case header once per subworkflow)."""
        if row.workflow_id == TOP or not deployed.has_calls:
            return None
        key = (case.id, row.workflow_id)
        spec = self._sub_specs.get(key)
        if spec is None:
            spec = subprocess_spec_names(case.header_json or "{}").get(row.workflow_id, "")
            self._sub_specs.put(key, spec)
        return str(deployed.scope_of(spec or None))


def task_view_of(
    deployed: Any,
    case_id: int,
    task_id: str,
    element_id: str,
    lane: str | None,
    state: int,
    *,
    item: tuple[str, Any] | None = None,
    scope: str | None = None,
) -> TaskView:
    """A user task as advisors see it: named and given its form by the version's element info (of
    the process `scope` that holds it, default the version's own); an instance of a multi-instance
    task shows its input `item` (name, value) in its name and data."""
    info = deployed.element(element_id, scope)
    name = (info.name if info and info.name else element_id) or ""
    return TaskView(
        id=task_id,
        case_id=case_id,
        process_key=deployed.key,
        version=deployed.version,
        element_id=deployed.element_key(element_id, scope),
        name=titled(name, item[1]) if item else name,
        lane=lane,
        state=state_name(state),
        form=info.form if info else None,
        data={item[0]: item[1]} if item else {},
    )


def waits_of(record: StoredCase) -> tuple[datetime | None, tuple[WaitingEvent, ...]]:
    """The case's next timer due time and the events it waits for, as its views tell them: only a
    running case waits. A failed case's row keeps the timer that fired and failed (its retry runs
    that step again), but the case waits for a retry, not for the timer (it said "waiting for
    timer 'Odota'" with a due time in the past); a cancelled one waits for nothing."""
    if record.status != CaseStatus.RUNNING.value:
        return None, ()
    return record.next_timer_due, waiting_from_json(record.waiting_json)


def missing(what: str) -> Any:
    raise NotFoundError("process version", what)


def check_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """`data` (None: empty) when it is case data Kapula may store; else InvalidDataError naming the field."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidDataError("case data must be a JSON object of field names and values")
    bad = [_shown_name(k) for k in data if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise InvalidDataError(
            f"field names must be plain identifiers not starting with '_': {', '.join(bad)}",
            field_errors={k: "not a usable field name" for k in bad},
        )
    check_case_data(data)  # depth, size, lengths, RFC 8259 values: before anything else looks at it
    return data


def _shown_name(name: object) -> str:
    """A field name as text any answer can carry: a lone surrogate (no UTF-8 form, so no JSON
    answer could hold it) as its escape, control characters escaped, and cut to 200 characters."""
    text = str(name).encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= 200 else text[:200] + "…"
