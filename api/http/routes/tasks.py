"""Tasks: list by lane, process, case and state; claim, unclaim and complete."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.http.deps import CallerDep, KapulaDep, in_thread
from api.http.schemas import (
    KEY_PATTERN,
    TASK_ID_PATTERN,
    TEXT_PATTERN,
    CasePublic,
    ErrorPublic,
    Responses,
    TaskComplete,
    TaskPublic,
)

router = APIRouter(prefix="/api/tasks", tags=["tasks"])
TaskIdPath = Annotated[str, Path(pattern=TASK_ID_PATTERN)]
_ERRORS: Responses = {404: {"model": ErrorPublic}, 409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}


class TaskFilter(str, enum.Enum):
    READY = "ready"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"


@router.get("", response_model=list[TaskPublic])
async def list_tasks(
    kapula: KapulaDep,
    caller: CallerDep,
    lane: Annotated[str | None, Query(pattern=TEXT_PATTERN)] = None,
    process_key: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    case_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    state: TaskFilter = TaskFilter.READY,
) -> list[TaskPublic]:
    """Ready user tasks; `state` narrows them to claimed or unclaimed ones."""

    def answer() -> list[TaskPublic]:
        tasks = kapula.ready_tasks(lane=lane, process_key=process_key, case_id=case_id, caller=caller)
        if state is TaskFilter.CLAIMED:
            tasks = [t for t in tasks if t.claimed_by]
        elif state is TaskFilter.UNCLAIMED:
            tasks = [t for t in tasks if not t.claimed_by]
        return [TaskPublic.of(t) for t in tasks]

    return await in_thread(answer)


@router.get("/{task_id}", response_model=TaskPublic, responses=_ERRORS)
async def get_task(kapula: KapulaDep, caller: CallerDep, task_id: TaskIdPath) -> TaskPublic:
    return await in_thread(lambda: TaskPublic.of(kapula.get_task(task_id, caller=caller)))


@router.post("/{task_id}/claim", response_model=TaskPublic, responses=_ERRORS)
async def claim_task(kapula: KapulaDep, caller: CallerDep, task_id: TaskIdPath) -> TaskPublic:
    """Take the task to work on; 409 if someone else holds it or the case moved meanwhile."""
    return await in_thread(lambda: TaskPublic.of(kapula.claim_task(task_id, caller=caller)))


@router.post("/{task_id}/unclaim", response_model=TaskPublic, responses=_ERRORS)
async def unclaim_task(kapula: KapulaDep, caller: CallerDep, task_id: TaskIdPath) -> TaskPublic:
    return await in_thread(lambda: TaskPublic.of(kapula.unclaim_task(task_id, caller=caller)))


@router.post("/{task_id}/complete", response_model=CasePublic, responses=_ERRORS)
async def complete_task(kapula: KapulaDep, caller: CallerDep, task_id: TaskIdPath, body: TaskComplete) -> CasePublic:
    """Complete the task with its form data; 422 with details.field_errors when the data is invalid."""
    return await in_thread(lambda: CasePublic.of(kapula.complete_task(task_id, body.data, caller=caller)))
