"""Moving a case back to the version it came from (kapula migrate --revert) is allowed only while
nothing but claims happened since it was moved: the rule on a case's events from the in-memory unit
of work, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.model import Event, Lifecycle
from engine.persistence.fake import FakeUnitOfWork
from engine.services.migration import revert_blockers

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _case(*more: Event) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.events.rows += [
        Event(7, 1, NOW, Lifecycle.CASE_STARTED),
        Event(7, 2, NOW, Lifecycle.TASK_READY, task_id="t1"),
        Event(7, 3, NOW, Lifecycle.CASE_MIGRATED, changed={"from": 1, "to": 2, "plan": {}, "revert": False}),
        *more,
    ]
    return uow


def test_a_case_just_moved_goes_back():
    assert revert_blockers(_case().events.of_case(7), current=2, back_to=1) == []


def test_claims_since_the_move_do_not_block_going_back():
    uow = _case(
        Event(7, 4, NOW, Lifecycle.TASK_CLAIMED, task_id="t1", user="sek.a"),
        Event(7, 5, NOW, Lifecycle.TASK_UNCLAIMED, task_id="t1", user="sek.a"),
    )
    assert revert_blockers(uow.events.of_case(7), current=2, back_to=1) == []


def test_a_step_since_the_move_blocks_going_back():
    uow = _case(Event(7, 4, NOW, Lifecycle.TASK_COMPLETED, task_id="t1"))
    (reason,) = revert_blockers(uow.events.of_case(7), current=2, back_to=1)
    assert "moved on in version 2" in reason


def test_a_case_that_came_from_another_version_does_not_go_back_there():
    assert revert_blockers(_case().events.of_case(7), current=2, back_to=3) != []
    assert revert_blockers(FakeUnitOfWork().events.of_case(7), current=2, back_to=1) != []
