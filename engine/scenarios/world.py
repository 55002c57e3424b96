"""One scenario's world: a Kapula on its own database, a clock the scenario moves, and its cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.clock import FakeClock
from engine.errors import CaseStepError, ConflictError, InvalidDataError, KapulaError
from engine.model import CaseStatus, CaseView, Event, Lifecycle, ProcessVersion, TaskView
from engine.scenarios.catalog import ModelCatalog, names_equal, names_equal_ignoring_case
from engine.scenarios.errors import StepFailed
from engine.scenarios.graph import ModelGraph
from engine.services import Kapula

MAX_TIMER_ROUNDS = 1000  # a timer cycle that keeps firing must not hang a scenario
TIMER_SLACK = timedelta(seconds=1)
REJECTIONS = (InvalidDataError, ConflictError, CaseStepError)


class ScenarioWorld:
    """What the steps of one scenario act on. Steps raise StepFailed with a plain-language reason."""

    def __init__(self, kapula: Kapula, clock: FakeClock, catalog: ModelCatalog) -> None:
        self.kapula = kapula
        self.clock = clock
        self.catalog = catalog
        self.case_ids: list[int] = []
        self._graphs: dict[tuple[str, int], ModelGraph] = {}

    # -- processes and cases ------------------------------------------------------------------

    def deploy(self, process: str) -> ProcessVersion:
        """The process with this key or name: already deployed here, else deployed from the models folder."""
        found = self._deployed(process)
        if found is not None:
            return found
        try:
            entry = self.catalog.find(process)
            result = self.kapula.deploy(self.catalog.files_for(entry))
        except KapulaError as exc:
            raise StepFailed(f'the process "{process}" cannot be deployed: {exc.message}') from exc
        return next(v for v in result.versions if v.key == entry.key)

    def start(self, process: str, data: dict[str, Any]) -> CaseView:
        version = self.deploy(process)
        try:
            case = self.kapula.start_case(version.key, data, user="scenario")
        except KapulaError as exc:
            raise StepFailed(f'a case of "{process}" could not start: {_reason(exc)}') from exc
        self.case_ids.append(case.id)
        return case

    @property
    def case(self) -> CaseView:
        if not self.case_ids:
            raise StepFailed('no case yet: start one with `Given a new case of "<process>"`')
        return self.kapula.get_case(self.case_ids[-1])

    def graph(self, case: CaseView | None = None) -> ModelGraph:
        case = case or self.case
        ident = (case.process_key, case.version)
        if ident not in self._graphs:
            self._graphs[ident] = ModelGraph.from_source(case.process_key, self.kapula.version_source(*ident))
        return self._graphs[ident]

    def events(self) -> list[Event]:
        return self.kapula.history(self.case.id)

    # -- acting -------------------------------------------------------------------------------

    def complete(self, lane: str, task: str, data: dict[str, Any]) -> CaseView:
        ready = self.ready_task(task, lane)
        try:
            return self.kapula.complete_task(ready.id, data, user=lane)
        except KapulaError as exc:
            raise StepFailed(f'"{lane}" could not complete "{task}": {_reason(exc)}') from exc

    def ready_task(self, task: str, lane: str | None = None) -> TaskView:
        """The user task named `task` that waits (in `lane`, when given) in the current case."""
        case = self.case
        self.check_element(task)
        if lane is not None:
            self.check_lane(lane)
        named = [t for t in case.ready_tasks if task in (t.name, t.element_id)]
        matching = [t for t in named if lane is None or t.lane == lane]
        if matching:
            return matching[0]
        if named:
            raise StepFailed(f'"{task}" waits in lane "{named[0].lane}", not in "{lane}"')
        raise StepFailed(f'"{task}" is not waiting for anyone; {self.describe()}')

    def reject(self, task: str, data: dict[str, Any], reason: str) -> None:
        """Completing `task` with `data` must fail with `reason` in its message and change nothing."""
        ready = self.ready_task(task)
        before = self._snapshot()
        try:
            self.kapula.complete_task(ready.id, data, user=ready.lane)
        except REJECTIONS as exc:
            said = _reason(exc)
            if reason.casefold() not in said.casefold():
                raise StepFailed(f'completing "{task}" was rejected, but not because "{reason}": {said}') from exc
        else:
            raise StepFailed(f'completing "{task}" with {data} was accepted; it should be rejected because "{reason}"')
        if self._snapshot() != before:
            raise StepFailed(f'completing "{task}" was rejected but the case changed anyway')

    def pass_time(self, delta: timedelta) -> None:
        """Move the clock by `delta`, firing each timer due by then just after its own due time
        (SpiffWorkflow fires a timer once the clock is past its due time, not at it; so a timer
        due at the very end moves the clock a second further)."""
        target = self.clock.now() + delta
        seen = None
        for _ in range(MAX_TIMER_ROUNDS):
            due = self._next_due(target)
            if due is None or due == seen:
                break
            seen = due
            self.clock.set(max(self.clock.now(), due + TIMER_SLACK))
            self.kapula.fire_due_timers()
        self.clock.set(max(self.clock.now(), target))

    def _next_due(self, until: datetime) -> datetime | None:
        due = [
            c.next_timer_due
            for c in self.kapula.cases(status=CaseStatus.RUNNING)
            if c.next_timer_due is not None and c.next_timer_due <= until
        ]
        return min(due, default=None)

    # -- looking ------------------------------------------------------------------------------

    def check_element(self, name: str) -> None:
        """A name the scenario uses must exist in the model, or a typo would pass `did not pass through`."""
        graph = self.graph()
        if not graph.named(name):
            names = ", ".join(sorted({f'"{n.label}"' for n in graph.nodes.values() if n.name}))
            raise StepFailed(f'the process "{graph.name}" has no element "{name}"; it has {names}')

    def check_lane(self, lane: str) -> None:
        lanes = self.graph().lanes()
        if lane not in lanes:
            raise StepFailed(f'the process has no lane "{lane}"; its lanes are {", ".join(sorted(lanes))}')

    def open_elements(self) -> list[Event]:
        """Elements that became ready and have not ended: what the case waits at (tasks, timers, joins)."""
        opened: dict[str, Event] = {}
        for event in self.events():
            if event.lifecycle is Lifecycle.TASK_READY and event.task_id:
                opened[event.task_id] = event
            elif event.lifecycle in (Lifecycle.TASK_COMPLETED, Lifecycle.TASK_CANCELLED):
                opened.pop(event.task_id or "", None)
        return list(opened.values())

    def completed(self, name: str) -> list[Event]:
        return [e for e in self.events() if e.lifecycle is Lifecycle.TASK_COMPLETED and name in (e.element_name, e.element_id)]

    def describe(self) -> str:
        case = self.case
        if case.status is not CaseStatus.RUNNING:
            return f"the case is {case.status.value}"
        waiting = [f'"{e.element_name or e.element_id}" in lane "{e.lane}"' for e in self.open_elements()]
        return "the case waits at " + (", ".join(waiting) if waiting else "nothing")

    def _deployed(self, process: str) -> ProcessVersion | None:
        versions = self.kapula.processes()
        for same in (names_equal, names_equal_ignoring_case):
            for v in versions:
                if same(v.key, process) or same(v.name, process):
                    return v
        return None

    def _snapshot(self) -> tuple[Any, ...]:
        case = self.case
        return (case.status, case.data, tuple(t.id for t in case.ready_tasks), len(self.events()))


def _reason(exc: KapulaError) -> str:
    fields = getattr(exc, "field_errors", None) or {}
    details = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return f"{exc.message} ({details})" if details else exc.message
