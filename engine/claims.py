"""Claiming a ready user task (a person takes it to work on) and giving it back, in the event log.

The rules are here; the reads and the version-checked write are the unit of work's
(engine.persistence.ports.ClaimRepository), so they run on the in-memory fake too."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from engine.errors import ConflictError, NotFoundError, check_takes_steps
from engine.model import TaskView
from engine.persistence.cache import VersionedCache
from engine.persistence.ports import ClaimRepository, UserTaskRow


def with_claims(claims: ClaimRepository, tasks: list[TaskView]) -> list[TaskView]:
    """The same task views with `claimed_by` filled in."""
    holders = claims.holders([t.id for t in tasks])
    return [dataclasses.replace(t, claimed_by=holders.get(t.id)) for t in tasks]


def user_task(claims: ClaimRepository, task_id: str) -> UserTaskRow:
    """The user task's row (ready or not). Raises NotFoundError."""
    task = claims.user_task(task_id)
    if task is None:
        raise NotFoundError("task", task_id)
    return task


def change_claim(
    claims: ClaimRepository, task_id: str, *, user: str, claim: bool, now: datetime, task: UserTaskRow | None = None
) -> UserTaskRow:
    """Record a claim (or its release) of a ready user task; returns its row as read (the case's
    id and row version before the claim). `task`: the row when the use case read it already in
    this transaction.

    The event's `seq` is taken under the case row's version check, exactly as a step takes it, so
    of two concurrent claims (or a claim racing a completion) one commits and the other gets a
    ConflictError. Raises NotFoundError, or ConflictError when the case takes no more steps (as a
    completion: engine.errors.check_takes_steps), the task is not ready, is claimed already (claim)
    or is not claimed (release)."""
    task = task if task is not None else user_task(claims, task_id)
    check_takes_steps(task.case_id, task.case_status)  # a completion's rule and words (the case loaded for a step)
    if not task.ready:
        raise ConflictError(
            f"task {task_id} is not ready; it was probably completed by someone else", case_id=task.case_id, task_id=task_id
        )
    holder = claims.holders([task_id]).get(task_id)
    if claim and holder is not None:
        raise ConflictError(f"task {task_id} is already claimed by {holder}", case_id=task.case_id, task_id=task_id)
    if not claim and holder is None:
        raise ConflictError(f"task {task_id} is not claimed by anyone", case_id=task.case_id, task_id=task_id)
    claims.record(task, user=user, claim=claim, at=now)
    return task


def retag_cached(cache: VersionedCache[Any], case_id: int, read_version: int) -> None:
    """After a claim's commit: the live workflow did not change, so keep it under the new version."""
    live = cache.take(case_id, read_version)
    if live is not None:
        cache.put(case_id, read_version + 1, live)
