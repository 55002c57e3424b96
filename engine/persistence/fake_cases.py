"""The cases' repository in memory (engine.persistence.ports.CaseRepository), beside the SQL one:
a step on FakeUnitOfWork creates, loads and writes cases as CaseStore does, with the same pure
computation of what a step writes (engine.case_store.step_write and migration_write) and no
database. A case is kept as its row's columns and its task rows (the serialized tasks), and each
load restores its live workflow from them, as CaseStore does on a cache miss; what a step wrote is
also given to the unit's other fakes (case and task rows, claims, events, consistency, messages),
so the rules and views read the cases the steps made."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from engine.case_store import (
    SavedStep,
    StepContext,
    correlation_value,
    migration_write,
    new_case,
    step_write,
    task_lane,
)
from engine.definitions import DeployedVersion, VersionCache
from engine.errors import ConflictError, NotFoundError, check_takes_steps
from engine.model import CaseStatus, Event, Lifecycle
from engine.persistence.ports import StoredCase, StoredTask, UserTaskRow
from engine.runtime.case_state import begin_step, new_live_case, restore_live_case
from engine.runtime.states import READY
from engine.runtime.stepping import all_task_rows, correlations

if TYPE_CHECKING:
    from engine.persistence.fake import (
        FakeCaseReads,
        FakeClaimRepository,
        FakeConsistencyReads,
        FakeEventRepository,
        FakeMessageReads,
        FakeVersionRepository,
    )


@dataclass
class FakeTask:
    """A stored task row (the case_task table's columns but the case's id)."""

    task_id: str
    workflow_id: str
    ordinal: int
    state: int
    manual: bool
    element_id: str | None
    lane: str | None
    body: str


@dataclass
class FakeCaseRepository:
    """Cases by id (ids count from 1): each one's row as a dict of the case table's columns and its
    task rows by task id. `script_engine` runs the cases' scripts (engine.runtime's
    SafeScriptEngine by default); `version_cache` restores their versions from `versions`."""

    versions: FakeVersionRepository
    case_reads: FakeCaseReads
    claims: FakeClaimRepository
    events: FakeEventRepository
    consistency: FakeConsistencyReads
    messages: FakeMessageReads
    script_engine: Any = None
    version_cache: VersionCache = field(default_factory=VersionCache)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[int, dict[str, FakeTask]] = field(default_factory=dict)

    def _scripts(self) -> Any:
        if self.script_engine is None:  # made on the first step: most fakes never step a case
            from engine.runtime.script_engine import SafeScriptEngine

            self.script_engine = SafeScriptEngine()
        return self.script_engine

    def create(self, deployed: DeployedVersion, *, now: datetime, conversation_id: str | None = None) -> StepContext:
        case = replace(new_case(deployed, now=now, conversation_id=conversation_id), id=max(self.rows, default=0) + 1)
        self.rows[case.id] = {**asdict(case), "ended_at": None, "waiting_json": None}
        self.tasks[case.id] = {}
        self._publish(case.id)
        live = new_live_case(deployed.bundle, self._scripts())
        return StepContext(case, deployed, live, begin_step(), read_version=1)

    def load(self, case_id: int, *, failed_too: bool = False) -> StepContext:
        row = self.rows.get(case_id)
        if row is None:
            raise NotFoundError("case", case_id)
        check_takes_steps(case_id, row["status"], failed_too=failed_too)
        deployed = self.version_cache.kept(row["process_version_id"]) or self.version_cache.get(
            self.versions, row["process_version_id"]
        )
        stored = sorted(self.tasks[case_id].values(), key=lambda t: t.ordinal)
        live = restore_live_case(
            deployed.bundle, row["header_json"], [(t.task_id, t.workflow_id, t.ordinal, t.body) for t in stored], self._scripts()
        )
        return StepContext(SimpleNamespace(**row), deployed, live, begin_step(), read_version=row["row_version"])

    def save(
        self,
        ctx: StepContext,
        *,
        now: datetime,
        user: str | None,
        first_event: Lifecycle | None = None,
        last_event: Lifecycle | None = None,
        start_data: dict[str, Any] | None = None,
    ) -> SavedStep:
        write = step_write(ctx, now=now, user=user, first_event=first_event, last_event=last_event, start_data=start_data)
        self._check_version(ctx, "while this step ran; nothing was saved, reload and try again")
        self.rows[ctx.case.id].update({k: v for k, v in write.values.items() if not k.startswith("b_")})
        tasks = self.tasks[ctx.case.id]
        for task_id in write.changes.deleted:
            tasks.pop(task_id, None)
        for r in write.changes.upserts:
            lane = task_lane(ctx, r)
            if r.is_new:
                tasks[r.task_id] = FakeTask(r.task_id, r.workflow_id, r.ordinal, r.state, r.manual, r.element_id, lane, r.body)
            else:  # as the UPDATE: state, body and lane of an existing row
                tasks[r.task_id] = dataclasses.replace(tasks[r.task_id], state=r.state, body=r.body, lane=lane)
        self.events.rows.extend(_as_event(e) for e in write.events)
        for key, value in correlations(ctx.live).items():
            self.messages.correlations[(ctx.case.id, str(key))] = correlation_value(value)
        self._publish(ctx.case.id)
        return write.saved

    def save_migrated(
        self, ctx: StepContext, target: DeployedVersion, *, now: datetime, user: str | None, details: dict[str, Any]
    ) -> None:
        values, event = migration_write(ctx, target, now=now, user=user, details=details)
        self._check_version(ctx, "meanwhile; it was not moved")
        self.rows[ctx.case.id].update(values)
        self.tasks[ctx.case.id] = {
            r.task_id: FakeTask(r.task_id, r.workflow_id, r.ordinal, r.state, r.manual, r.element_id, task_lane(ctx, r), r.body)
            for r in all_task_rows(ctx.live)
        }
        self.events.rows.append(_as_event(event))
        self._publish(ctx.case.id)

    def bump(self, case_id: int, read_version: int, seq: int) -> None:
        """A claim event's write of the case row (FakeClaimRepository.record): the next row version
        and `seq` as its last event's number, behind the version check. Raises ConflictError."""
        row = self.rows[case_id]
        if row["row_version"] != read_version:
            raise ConflictError(
                f"case {case_id} was changed by someone else; nothing was saved, reload and try again", case_id=case_id
            )
        row.update(row_version=read_version + 1, last_event_seq=seq)
        self._publish(case_id)

    def _check_version(self, ctx: StepContext, what: str) -> None:
        """The case row's version check of the UPDATE … WHERE row_version = the version read."""
        row = self.rows.get(ctx.case.id)
        if row is None or row["row_version"] != ctx.read_version:
            raise ConflictError(f"case {ctx.case.id} was changed by someone else {what}", case_id=ctx.case.id)

    def mark_failed(self, case_id: int, read_version: int) -> bool:
        """The case's row marked failed with a new row version, as an incident's UPDATE does when
        the row is still at `read_version` (else False, nothing changed)."""
        row = self.rows[case_id]
        if row["row_version"] != read_version:
            return False
        row.update(status=CaseStatus.FAILED.value, row_version=read_version + 1)
        self._publish(case_id)
        return True

    def _publish(self, case_id: int) -> None:
        """The case's row and task rows as the unit's read models and claims read them."""
        row = self.rows[case_id]
        self.case_reads.cases[case_id] = StoredCase(
            row["id"],
            row["process_key"],
            row["process_version_id"],
            row["status"],
            row["row_version"],
            row["started_at"],
            row["ended_at"],
            row["next_timer_due"],
            row["data_json"],
            row["header_json"],
            row["waiting_json"],
        )
        running = row["status"] == CaseStatus.RUNNING.value
        tasks = sorted(self.tasks[case_id].values(), key=lambda t: t.ordinal)
        for stale in [k for k, (t, _) in self.case_reads.tasks.items() if t.case_id == case_id]:
            del self.case_reads.tasks[stale]
        for stale in [k for k, t in self.claims.tasks.items() if t.case_id == case_id]:
            del self.claims.tasks[stale]
        for t in tasks:
            self.case_reads.tasks[t.task_id] = (
                StoredTask(t.task_id, case_id, t.workflow_id, t.element_id, t.lane, t.state, t.body),
                t.manual,
            )
            if t.manual:
                self.claims.tasks[t.task_id] = UserTaskRow(
                    t.task_id,
                    case_id,
                    row["process_key"],
                    row["process_version_id"],
                    t.element_id,
                    t.lane,
                    running and t.state == READY,
                    row["row_version"],
                    row["last_event_seq"],
                    row["status"],
                )
        self.consistency.cases[case_id] = (row["status"], row["last_event_seq"])
        self.consistency.task_states[case_id] = {t.task_id: t.state for t in tasks if t.manual}
        self.messages.cases[case_id] = (row["process_key"], row["status"], row["waiting_json"], row["conversation_id"])


def _as_event(row: dict[str, Any]) -> Event:
    """An event row as engine.case_store builds it, as the event log reads it back."""
    return Event(
        row["case_id"],
        row["seq"],
        row["at"],
        Lifecycle(row["lifecycle"]),
        element_id=row["element_id"],
        element_name=row["element_name"],
        element_type=row["element_type"],
        lane=row["lane"],
        user=row["user_name"],
        task_id=row["task_id"],
        changed=json.loads(row["changed_json"] or "{}"),
    )
