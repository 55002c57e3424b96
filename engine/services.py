"""The service layer: one method per use case, each in one transaction.

Each step (start, complete, cancel, fire timers) loads the case (from the in-memory cache when its
row version still matches), runs SpiffWorkflow until the case waits, then writes the changed task
rows, the new event rows and the case row in one transaction. The case row's update checks the
row version it read, so of two concurrent steps on one case one commits and the other gets a
ConflictError and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TextIO
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import claims, history
from engine.case_store import CaseStore, SavedStep, StepContext
from engine.clock import Clock
from engine.definitions import (
    VersionCache,
    content_hash,
    latest_version_record,
    list_latest,
    store_version,
    to_public,
)
from engine.erasure import ErasureResult, erase_case
from engine.forms import check_submission
from engine.process_card import ProcessCard, card_in_source
from engine.errors import CaseStepError, ConflictError, InvalidDataError, NotFoundError
from engine.model import CaseStatus, CaseView, DeployResult, Event, Handoff, Lifecycle, ProcessVersion, StageDuration, TaskView
from engine.export.rows import Pseudonyms
from engine.export.run import export_log
from engine.metrics.distribution import LeadTimeHistogram, lead_time_histogram
from engine.metrics.report import process_metrics
from engine.render.card import CardPage, build_card
from engine.render.sources import overlay_from, swimlanes_of_version
from engine.render.swimlane import build_swimlane
from engine.render.swimlane import render as render_drawing
from engine.metrics.types import MetricsFilter, ProcessMetrics
from engine.persistence.cache import LruMap
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord, ProcessVersionRecord
from engine.runtime.parser import load_files
from engine.runtime.timers import clock_context


class Kapula:
    """Kapula's use cases over one database. Thread-safe; share one per process."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, script_engine: Any) -> None:
        self._sessions = sessions
        # reads need no write lock: on SQLite they begin a deferred transaction (see persistence.database)
        self._reads = sessionmaker(sessions.kw["bind"].execution_options(kapula_readonly=True), expire_on_commit=False)
        self._clock = clock
        self._versions = VersionCache()
        self._store = CaseStore(self._versions, script_engine)
        self._task_cases: LruMap[str, int] = LruMap(capacity=10_000)

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
        self._sessions.kw["bind"].dispose()

    # -- definitions --------------------------------------------------------------------------

    def deploy(self, files: list[tuple[str, bytes]]) -> DeployResult:
        """Load an upload (BPMN and DMN files) and store a new version of each executable process
        whose content changed. Raises DiagramError, with nothing stored, if any file cannot run."""
        loaded = load_files(files)
        digest = content_hash(files)
        filename = ", ".join(name for name, _ in files)
        with self._sessions.begin() as session:
            results = [store_version(session, p, digest=digest, now=self._clock.now(), filename=filename) for p in loaded]
            return DeployResult(tuple(to_public(r) for r, _ in results), tuple(created for _, created in results))

    def processes(self) -> list[ProcessVersion]:
        """The latest version of every process key."""
        with self._reads() as session:
            return [to_public(r) for r in list_latest(session)]

    def versions(self, key: str) -> list[ProcessVersion]:
        with self._reads() as session:
            records = session.scalars(
                select(ProcessVersionRecord).where(ProcessVersionRecord.key == key).order_by(ProcessVersionRecord.version)
            ).all()
            if not records:
                raise NotFoundError("process", key)
            return [to_public(r) for r in records]

    # -- cases --------------------------------------------------------------------------------

    def start_case(self, key: str, data: dict[str, Any] | None = None, *, user: str | None = None) -> CaseView:
        """Start a case of the latest version of `key` and run it until it waits."""
        data = _check_data(data)
        now = self._clock.now()
        with self._sessions.begin() as session:
            record = latest_version_record(session, key)
            deployed = self._versions.get(session, record.id)
            check_submission(deployed.start_form_schema(), data)
            ctx = self._store.create(session, deployed, now=now)
            try:
                with clock_context(self._clock):
                    ctx.workflow_start(data)
            except SpiffWorkflowException as exc:
                raise _step_error(exc, None) from exc
            saved = self._store.save(session, ctx, now=now, user=user, first_event=Lifecycle.CASE_STARTED, start_data=data)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def complete_task(self, task_id: str, data: dict[str, Any] | None = None, *, user: str | None = None) -> CaseView:
        """Complete a ready user task with `data` and run the case until it waits again.
        Raises NotFoundError, ConflictError (not ready any more, or someone else changed the case
        first), InvalidDataError or CaseStepError; in each case nothing is changed."""
        data = _check_data(data)
        now = self._clock.now()
        with self._sessions.begin() as session:
            case_id = self._case_of_task(session, task_id)
            ctx = self._store.load(session, case_id)
            try:
                task = ctx.find_ready_user_task(task_id)
                check_submission(ctx.deployed.form_schema(task.task_spec.bpmn_id), data)
                with clock_context(self._clock):
                    task.data.update(data)
                    ctx.acting = (task.id, user)
                    task.run()
                    ctx.live.workflow.run_engine()
            except SpiffWorkflowException as exc:
                raise _step_error(exc, case_id) from exc
            saved = self._store.save(session, ctx, now=now, user=user)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def cancel_case(self, case_id: int, *, user: str | None = None) -> CaseView:
        now = self._clock.now()
        with self._sessions.begin() as session:
            ctx = self._store.load(session, case_id)
            ctx.live.workflow.cancel()
            saved = self._store.save(session, ctx, now=now, user=user, last_event=Lifecycle.CASE_CANCELLED)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def erase_personal_data(self, case_id: int, *, fields: list[str] | None = None, by: str,
                            origin: str | None = None) -> ErasureResult:
        """Replace the case's personal fields (declared `x-personal` in its forms, else `fields`) in
        its data, task rows and events; the events' metrics stay. Logged as `erase` by `by`.
        Raises NotFoundError or InvalidDataError."""
        with self._sessions.begin() as session:
            result = erase_case(session, case_id, fields, by=by, at=self._clock.now(), origin=origin)
        self._store.cache.discard(case_id)
        return result

    def fire_due_timers(self, *, limit: int = 500) -> int:
        """Fire the timers that are due by the clock; returns how many cases moved."""
        now = self._clock.now()
        with self._reads() as session:
            due = session.scalars(
                select(CaseRecord.id)
                .where(CaseRecord.status == CaseStatus.RUNNING.value, CaseRecord.next_timer_due <= now)
                .order_by(CaseRecord.next_timer_due)
                .limit(limit)
            ).all()
        moved = 0
        for case_id in due:
            try:
                with self._sessions.begin() as session:
                    ctx = self._store.load(session, case_id)
                    if ctx.case.next_timer_due is None or ctx.case.next_timer_due > now:
                        self._store.release(ctx)  # another process fired it since we looked
                        continue
                    with clock_context(self._clock):
                        ctx.live.workflow.refresh_timers()
                        ctx.live.workflow.run_engine()
                    self._store.save(session, ctx, now=now, user=None)
                self._store.remember(ctx)
                moved += 1
            except ConflictError:
                continue  # another process stepped this case first; it will see the timer itself
        return moved

    # -- reading ------------------------------------------------------------------------------

    def card(self, key: str, version: int | None = None) -> ProcessCard | None:
        """The process card uploaded with a version of `key` (the latest by default), else None.
        Raises NotFoundError for an unknown key or version."""
        with self._sessions() as session:
            record = latest_version_record(session, key)
            if version is not None and version != record.version:
                record = session.scalars(
                    select(ProcessVersionRecord).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
                ).first() or _missing(f"{key} v{version}")
            return card_in_source(json.loads(record.source_json), key)

    def task_form(self, task_id: str) -> dict[str, Any] | None:
        """The JSON Schema of a user task's form when it was uploaded with the version. Raises NotFoundError."""
        with self._sessions() as session:
            row = session.scalars(select(CaseTaskRecord).where(CaseTaskRecord.task_id == task_id)).first()
            case = session.get(CaseRecord, row.case_id) if row is not None else None
            if row is None or case is None:
                raise NotFoundError("task", task_id)
            return self._versions.get(session, case.process_version_id).form_schema(row.element_id or "")

    def start_form(self, key: str) -> dict[str, Any] | None:
        """The JSON Schema of the start form of `key`'s latest version, if it has one."""
        with self._sessions() as session:
            return self._versions.get(session, latest_version_record(session, key).id).start_form_schema()

    def get_case(self, case_id: int) -> CaseView:
        with self._reads() as session:
            record = session.get(CaseRecord, case_id)
            if record is None:
                raise NotFoundError("case", case_id)
            deployed = self._versions.get(session, record.process_version_id)
            tasks = claims.with_claims(session, self._task_views(session, [(record, deployed)], state=TaskState.READY))
            return CaseView(
                id=record.id,
                process_key=record.process_key,
                version=deployed.version,
                status=CaseStatus(record.status),
                started_at=record.started_at,
                ended_at=record.ended_at,
                data=json.loads(record.data_json),
                ready_tasks=tuple(tasks),
                next_timer_due=record.next_timer_due,
            )

    def cases(self, *, process_key: str | None = None, status: CaseStatus | None = None) -> list[CaseView]:
        """Cases, newest first, filtered by process key and status."""
        with self._reads() as session:
            stmt = select(CaseRecord.id).order_by(CaseRecord.id.desc())
            if process_key is not None:
                stmt = stmt.where(CaseRecord.process_key == process_key)
            if status is not None:
                stmt = stmt.where(CaseRecord.status == status.value)
            ids = list(session.scalars(stmt))
        return [self.get_case(i) for i in ids]

    def ready_tasks(
        self, *, lane: str | None = None, case_id: int | None = None, process_key: str | None = None
    ) -> list[TaskView]:
        """Ready user tasks, oldest case first, filtered by lane, case or process."""
        with self._reads() as session:
            stmt = (
                select(CaseTaskRecord, CaseRecord)
                .join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
                .where(CaseTaskRecord.state == TaskState.READY, CaseTaskRecord.manual.is_(True))
                .order_by(CaseRecord.id, CaseTaskRecord.ordinal)
            )
            if lane is not None:
                stmt = stmt.where(CaseTaskRecord.lane == lane)
            if case_id is not None:
                stmt = stmt.where(CaseTaskRecord.case_id == case_id)
            if process_key is not None:
                stmt = stmt.where(CaseRecord.process_key == process_key)
            return claims.with_claims(session, [self._task_view(session, t, c) for t, c in session.execute(stmt).all()])

    def get_task(self, task_id: str) -> TaskView:
        """One user task (ready or not) with who has claimed it. Raises NotFoundError."""
        with self._reads() as session:
            row = session.execute(
                select(CaseTaskRecord, CaseRecord)
                .join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
                .where(CaseTaskRecord.task_id == task_id, CaseTaskRecord.manual.is_(True))
            ).first()
            if row is None:
                raise NotFoundError("task", task_id)
            return claims.with_claims(session, [self._task_view(session, row[0], row[1])])[0]

    def claim_task(self, task_id: str, *, user: str) -> TaskView:
        """`user` takes the ready task to work on. Raises NotFoundError or ConflictError (not ready,
        claimed already, or the case changed meanwhile)."""
        return self._change_claim(task_id, user=user, claim=True)

    def unclaim_task(self, task_id: str, *, user: str) -> TaskView:
        """Give a claimed task back to its lane. Raises NotFoundError or ConflictError."""
        return self._change_claim(task_id, user=user, claim=False)

    def _change_claim(self, task_id: str, *, user: str, claim: bool) -> TaskView:
        with self._sessions.begin() as session:
            case_id, read_version = claims.change_claim(session, task_id, user=user, claim=claim, now=self._clock.now())
        claims.retag_cached(self._store.cache, case_id, read_version)
        return self.get_task(task_id)

    def version_source(self, key: str, version: int) -> dict[str, str]:
        """The files a version was deployed from, by file name. Raises NotFoundError."""
        with self._reads() as session:
            source = session.scalars(
                select(ProcessVersionRecord.source_json).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
            ).first()
            if source is None:
                raise NotFoundError("process version", f"{key} v{version}")
            return dict(json.loads(source))

    def history(self, case_id: int) -> list[Event]:
        with self._reads() as session:
            if session.get(CaseRecord, case_id) is None:
                raise NotFoundError("case", case_id)
            rows = session.scalars(select(EventRecord).where(EventRecord.case_id == case_id).order_by(EventRecord.seq))
            return [history.to_event(r) for r in rows]

    def stage_durations(self, case_id: int) -> list[StageDuration]:
        return history.stage_durations(self.history(case_id))

    def handoffs(self, case_id: int) -> list[Handoff]:
        return history.handoffs(self.history(case_id))

    # -- metrics ------------------------------------------------------------------------------

    def metrics(
        self,
        key: str,
        *,
        version: int | None = None,
        lane: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        segment: str | None = None,
        stuck_after: timedelta | None = None,
    ) -> ProcessMetrics:
        """Metrics of `key`'s cases (started in [since, until)) from the event log, against the
        targets of its process card. Raises NotFoundError for an unknown key."""
        card = self.card(key)
        scope = MetricsFilter(key, version=version, lane=lane, since=since, until=until, segment=segment)
        # a read session: on SQLite it takes no write lock, so steps go on while a large log is measured
        with self._reads() as session:
            metrics = card.metrics if card else ()
            return process_metrics(session.connection(), scope, now=self._clock.now(), card_metrics=metrics, stuck_after=stuck_after)

    def lead_time_distribution(
        self, key: str, *, version: int | None = None, since: datetime | None = None,
        until: datetime | None = None, segment: str | None = None, bins: int = 12,
    ) -> LeadTimeHistogram:
        """How many of `key`'s completed cases took how long, in at most `bins` bins of a round
        width. Raises NotFoundError for an unknown key."""
        scope = MetricsFilter(key, version=version, since=since, until=until, segment=segment)
        with self._reads() as session:
            latest_version_record(session, key)
            return lead_time_histogram(session.connection(), scope, bins=bins)

    def case_ids(self, process_key: str) -> list[int]:
        """The ids of every case of `process_key`, oldest first."""
        with self._reads() as session:
            return list(session.scalars(select(CaseRecord.id).where(CaseRecord.process_key == process_key).order_by(CaseRecord.id)))

    def export_log(
        self,
        key: str,
        fmt: str,
        out: TextIO,
        *,
        real_names: bool = False,
        pseudonym_key: bytes | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write `key`'s event log as `fmt` (xes, ocel or csv) to `out`, users pseudonymised unless
        `real_names`; returns the number of events. Raises NotFoundError or InvalidDataError."""
        with self._reads() as session:
            name = latest_version_record(session, key).name
            names = Pseudonyms(pseudonym_key, real_names=real_names)
            return export_log(session.connection(), MetricsFilter(key), fmt, out, process_name=name, names=names, progress=progress)

    def swimlane(self, key: str, fmt: str = "svg", *, measured: bool = True) -> bytes:
        """The latest version of `key` drawn by the TEM swimlane rules as SVG, PNG or PDF, with
        measured medians, open tasks and handoff counts unless `measured` is False.
        Raises NotFoundError or InvalidDataError (unknown format)."""
        with self._sessions() as session:
            source = json.loads(latest_version_record(session, key).source_json)
        card = card_in_source(source, key)
        overlay = overlay_from(self.metrics(key)) if measured else None
        return render_drawing(build_swimlane(swimlanes_of_version(source, key, card), overlay), fmt)

    def card_page(self, key: str, *, svg_name: str | None = None) -> CardPage:
        """The TEM process card of `key`'s latest version as Markdown and HTML, with measured
        values; the diagram is referenced as `svg_name` (see swimlane()). Raises NotFoundError."""
        with self._sessions() as session:
            record = latest_version_record(session, key)
            source, version = json.loads(record.source_json), record.version
        card = card_in_source(source, key)
        drawn = swimlanes_of_version(source, key, card)
        return build_card(drawn, card, self.metrics(key), svg_name=svg_name or f"{key}.svg", version=version)

    # -- helpers ------------------------------------------------------------------------------

    def _case_of_task(self, session: Session, task_id: str) -> int:
        # a task never moves to another case, so what was found once holds for good
        case_id = self._task_cases.get(task_id)
        if case_id is None:
            case_id = session.scalars(select(CaseTaskRecord.case_id).where(CaseTaskRecord.task_id == task_id)).first()
            if case_id is None:
                raise NotFoundError("task", task_id)
            self._task_cases.put(task_id, case_id)
        return case_id

    def _task_views(self, session: Session, cases: list[tuple[CaseRecord, Any]], *, state: int) -> list[TaskView]:
        views = []
        for record, _deployed in cases:
            rows = session.scalars(
                select(CaseTaskRecord)
                .where(CaseTaskRecord.case_id == record.id, CaseTaskRecord.state == state, CaseTaskRecord.manual.is_(True))
                .order_by(CaseTaskRecord.ordinal)
            )
            views.extend(self._task_view(session, t, record) for t in rows)
        return views

    def _view_after_step(self, session: Session, ctx: StepContext, saved: SavedStep) -> CaseView:
        """The case as a step left it, from the live workflow, inside the step's own transaction:
        the same CaseView that get_case would read back, without a second round trip."""
        deployed, live = ctx.deployed, ctx.live
        ready = []
        if saved.status is CaseStatus.RUNNING:
            ready = sorted(live.workflow.get_tasks(state=TaskState.READY, manual=True), key=lambda t: live.ordinals[t.id])
        tasks = []
        for task in ready:
            element_id = task.task_spec.bpmn_id or ""
            info = deployed.elements.get(element_id)
            lane = info.actor if info else None
            tasks.append(_task_view_of(deployed, ctx.case.id, str(task.id), element_id, lane, TaskState.READY))
        return CaseView(
            id=ctx.case.id,
            process_key=deployed.key,
            version=deployed.version,
            status=saved.status,
            started_at=ctx.case.started_at,
            ended_at=saved.ended_at,
            data=saved.data,
            ready_tasks=tuple(self._claimed(session, tasks, fresh=live.created_in_last_step)),
            next_timer_due=saved.next_timer_due,
        )

    def _claimed(self, session: Session, tasks: list[TaskView], *, fresh: set[UUID]) -> list[TaskView]:
        # a task created in this very step has no claims yet: skip the look-up when all are new
        if all(UUID(t.id) in fresh for t in tasks):
            return tasks
        return claims.with_claims(session, tasks)

    def _task_view(self, session: Session, row: CaseTaskRecord, case: CaseRecord) -> TaskView:
        deployed = self._versions.get(session, case.process_version_id)
        return _task_view_of(deployed, case.id, row.task_id, row.element_id or "", row.lane, row.state)


def _task_view_of(deployed: Any, case_id: int, task_id: str, element_id: str, lane: str | None, state: int) -> TaskView:
    """A user task as advisors see it: named and given its form by the version's element info."""
    info = deployed.elements.get(element_id)
    return TaskView(
        id=task_id,
        case_id=case_id,
        process_key=deployed.key,
        version=deployed.version,
        element_id=element_id,
        name=(info.name if info and info.name else element_id) or "",
        lane=lane,
        state=TaskState.get_name(state),
        form=info.form if info else None,
    )


def _missing(what: str) -> Any:
    raise NotFoundError("process version", what)


def _check_data(data: dict[str, Any] | None) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidDataError("case data must be a JSON object of field names and values")
    bad = [k for k in data if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise InvalidDataError(
            f"field names must be plain identifiers not starting with '_': {', '.join(map(str, bad))}",
            field_errors={str(k): "not a usable field name" for k in bad},
        )
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise InvalidDataError(f"case data must be plain JSON values: {exc}") from exc
    return data


def _step_error(exc: SpiffWorkflowException, case_id: int | None) -> CaseStepError:
    task = getattr(exc, "task", None)
    element_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None) if task is not None else None
    name = getattr(getattr(task, "task_spec", None), "bpmn_name", None) if task is not None else None
    where = f" in '{name or element_id}'" if (name or element_id) else ""
    detail = str(exc).strip() or exc.__class__.__name__
    return CaseStepError(f"the case's diagram failed{where}: {detail}", case_id=case_id, element_id=element_id)
