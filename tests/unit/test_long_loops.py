"""Loops run as many rounds as the business needs, each round at the same cost, also after a reload
(../shared/cases/engine/long-loops: a rework loop through a parallel join died with RecursionError
at round ~160, and each round cost more than the last).

Each test runs 1,000 rounds of one loop shape through the runtime exactly as a step does (the
case's changed rows written after every step, as the database keeps them) and rebuilds the case
from those rows halfway, as after a restart. The service-level test in
tests/integration/test_long_loops.py runs the same diagrams through the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.runtime.case_state import (
    LiveCase,
    begin_step,
    collect_changes,
    new_live_case,
    restore_live_case,
    spec_from_json,
    spec_to_json,
)
from engine.runtime.parser import load_files, serializer_for
from engine.runtime.script_engine import SafeScriptEngine
from tests.conftest import FIXTURES

LOOPS = FIXTURES / "loops"
ROUNDS = 1_000

Answer = Callable[[int, str], dict[str, Any]]  # (round, element id) -> the data to complete the task with


class StoredCase:
    """A case kept the way the database keeps it: a header and one row per task, written after each step."""

    def __init__(self, path: Path, data: dict[str, Any], *, called: tuple[Path, ...] = ()) -> None:
        loaded = load_files([(p.name, p.read_bytes()) for p in (path, *called)])
        process = next(p for p in loaded if p.file == path.name)
        serializer = serializer_for(process.dialect)
        # the version's spec as the database returns it
        self.bundle = spec_from_json(
            process.dialect, serializer, spec_to_json(serializer, process.spec, process.subprocess_specs)
        )
        self.engine = SafeScriptEngine()
        self.live: LiveCase = new_live_case(self.bundle, self.engine)
        self.rows: dict[str, tuple[str, str, int, str]] = {}
        self.header = ""
        since = begin_step()
        self.live.workflow.get_next_task(state=TaskState.READY, spec_name="Start").data.update(data)
        self.live.workflow.run_engine()
        self._write(since)

    def _write(self, since: float) -> None:
        changes = collect_changes(self.live, since)
        for row in changes.upserts:
            self.rows[row.task_id] = (row.task_id, row.workflow_id, row.ordinal, row.body)
        for task_id in changes.deleted:
            self.rows.pop(task_id, None)
        self.header = changes.header

    def ready(self) -> list[str]:
        return sorted(t.task_spec.bpmn_id for t in self.live.workflow.get_tasks(state=TaskState.READY, manual=True))

    def complete(self, element_id: str, data: dict[str, Any]) -> None:
        [task] = [
            t for t in self.live.workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element_id
        ]
        since = begin_step()
        task.data.update(data)
        task.run()
        self.live.workflow.run_engine()
        self._write(since)

    def reload(self) -> None:
        rows = sorted(self.rows.values(), key=lambda r: r[2])
        self.live = restore_live_case(self.bundle, self.header, rows, self.engine)


def run_rounds(case: StoredCase, one_round: Callable[[StoredCase, int], None], rounds: int = ROUNDS) -> list[float]:
    """Run `rounds` rounds with a reload halfway; returns the seconds each block of 100 rounds took."""
    blocks, started = [], time.thread_time()  # CPU time: other work on the machine does not count
    for number in range(rounds):
        if number == rounds // 2:
            case.reload()
        one_round(case, number)
        if number % 100 == 99:
            now = time.thread_time()
            blocks.append(now - started)
            started = now
    return blocks


def assert_flat(blocks: list[float]) -> None:
    # A machine shared with others is noisy: compare the cheapest late block with the cheapest early one.
    early, late = min(blocks[:3]), min(blocks[-3:])
    assert late < 3 * early + 0.5, f"100 rounds took {early:.2f} s early and {late:.2f} s late: {blocks}"


def parallel_round(case: StoredCase, number: int) -> None:
    first, second = ("Task_a", "Task_b") if number % 2 else ("Task_b", "Task_a")
    assert case.ready() == ["Task_a", "Task_b"]
    case.complete(first, {f"done_{first}": number})
    assert case.ready() == [second]  # the join waits for the other branch of this round
    case.complete(second, {f"done_{second}": number})
    assert case.ready() == ["Task_review"]
    assert case.live.workflow.get_tasks(state=TaskState.READY, manual=True)[0].data[f"done_{first}"] == number
    case.complete("Task_review", {"accepted": False})


@pytest.mark.slow
def test_a_rework_loop_through_a_parallel_join_runs_1000_rounds() -> None:
    case = StoredCase(LOOPS / "rework_loop.bpmn", {})
    assert_flat(run_rounds(case, parallel_round))
    parallel_round(case, ROUNDS)
    case.complete("Task_a", {}), case.complete("Task_b", {})
    case.complete("Task_review", {"accepted": True})
    assert case.live.workflow.is_completed()


@pytest.mark.slow
def test_three_branches_into_a_parallel_join_in_a_loop() -> None:
    def one_round(case: StoredCase, number: int) -> None:
        order = ["Task_a", "Task_b", "Task_c"][number % 3 :] + ["Task_a", "Task_b", "Task_c"][: number % 3]
        for position, element in enumerate(order):
            assert case.ready() == sorted(order[position:])
            case.complete(element, {})
        assert case.ready() == ["Task_review"]
        case.complete("Task_review", {"accepted": False})

    assert_flat(run_rounds(StoredCase(LOOPS / "three_way_loop.bpmn", {}), one_round))


@pytest.mark.slow
def test_a_loop_through_an_inclusive_join_runs_1000_rounds_with_one_or_both_parts() -> None:
    def one_round(case: StoredCase, number: int) -> None:
        need_a, need_b = [(True, True), (True, False), (False, True)][number % 3]
        case.complete("Task_scope", {"need_a": need_a, "need_b": need_b})
        expected = [name for name, needed in (("Task_a", need_a), ("Task_b", need_b)) if needed]
        assert case.ready() == expected
        for position, element in enumerate(expected):
            assert case.ready() == expected[position:]  # the join waits while a chosen part is open
            case.complete(element, {})
        assert case.ready() == ["Task_review"]
        case.complete("Task_review", {"accepted": False})

    assert_flat(run_rounds(StoredCase(LOOPS / "inclusive_loop.bpmn", {}), one_round))


@pytest.mark.slow
def test_an_exclusive_loop_with_a_script_runs_1000_rounds() -> None:
    def one_round(case: StoredCase, number: int) -> None:
        case.complete("Task_fix", {})
        case.complete("Task_review", {"accepted": False})

    case = StoredCase(LOOPS / "exclusive_loop.bpmn", {"rounds": 0})
    assert_flat(run_rounds(case, one_round))
    case.complete("Task_fix", {})
    assert case.live.workflow.get_tasks(state=TaskState.READY, manual=True)[0].data["rounds"] == ROUNDS + 1


@pytest.mark.parametrize("fixture", ["rework_loop.bpmn", "inclusive_loop.bpmn"])
def test_the_join_does_not_fire_early_right_after_a_reload(fixture: str) -> None:
    case = StoredCase(LOOPS / fixture, {})
    if fixture == "inclusive_loop.bpmn":
        case.complete("Task_scope", {"need_a": True, "need_b": True})
    case.complete("Task_a", {})
    case.reload()
    assert case.ready() == ["Task_b"]
    case.complete("Task_b", {})
    assert case.ready() == ["Task_review"]


@pytest.mark.slow
def test_a_loop_around_an_embedded_subprocess_runs_1000_rounds() -> None:
    # every round makes a subprocess; the finished ones are written once and never looked at again
    def one_round(case: StoredCase, number: int) -> None:
        assert case.ready() == ["Task_a", "Task_b"]
        case.complete("Task_a", {"round": number})
        case.complete("Task_b", {})
        assert case.ready() == ["Task_review"]
        case.complete("Task_review", {"accepted": False})

    case = StoredCase(LOOPS / "subprocess_loop.bpmn", {})
    assert_flat(run_rounds(case, one_round))
    case.reload()
    case.complete("Task_a", {"round": ROUNDS})
    case.complete("Task_b", {})
    [review] = case.live.workflow.get_tasks(state=TaskState.READY, manual=True)
    assert review.data["round"] == ROUNDS


@pytest.mark.slow
def test_a_loop_around_a_call_activity_runs_1000_rounds() -> None:
    # every round runs the called process again, as a subprocess of its own
    def one_round(case: StoredCase, number: int) -> None:
        case.complete("Task_fix", {"round": number})
        assert case.ready() == ["Task_check"]
        case.complete("Task_check", {})
        case.complete("Task_review", {"accepted": False})

    case = StoredCase(LOOPS / "call_loop.bpmn", {}, called=(LOOPS / "call_loop_check.bpmn",))
    assert_flat(run_rounds(case, one_round))
    case.reload()
    one_round(case, ROUNDS)
    case.complete("Task_fix", {})
    case.complete("Task_check", {})
    case.complete("Task_review", {"accepted": True})
    assert case.live.workflow.is_completed()
