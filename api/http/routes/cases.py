"""Cases: start, list, read with timeline, cancel, retry a failed step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.http.deps import CallerDep, KapulaDep, in_thread
from api.http.schemas import (
    KEY_PATTERN,
    CaseCancel,
    CaseCreate,
    CaseDetailPublic,
    CasePublic,
    CaseRetry,
    ErrorPublic,
    IncidentPublic,
    Responses,
)
from engine.model import MAX_TIMELINE_PAGE, TIMELINE_PAGE, CaseStatus, TimelinePages

router = APIRouter(prefix="/api/cases", tags=["cases"])
CaseIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: Responses = {404: {"model": ErrorPublic}, 409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}


@router.post("", status_code=201, response_model=CasePublic, responses=_ERRORS)
async def start_case(kapula: KapulaDep, caller: CallerDep, body: CaseCreate) -> CasePublic:
    """Start a case of the latest version of a process; it runs until it waits for a person or timer."""
    return await in_thread(lambda: CasePublic.of(kapula.start_case(body.process_key, body.data, caller=caller)))


@router.get("", response_model=list[CasePublic])
def list_cases(
    kapula: KapulaDep,
    caller: CallerDep,
    process_key: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    status: CaseStatus | None = None,
) -> list[CasePublic]:
    """Cases, newest first."""
    return [CasePublic.of(c) for c in kapula.cases(process_key=process_key, status=status, caller=caller)]


_SEQ = {"ge": 1, "le": 2**31 - 1}


@router.get(
    "/{case_id}",
    response_model=CaseDetailPublic,
    responses=_ERRORS,
    description=(
        "A case with its ready tasks, data and timeline (events, stage durations, handoffs, lead time). The "
        f"timeline's events, its stages and its handoffs each come a page at a time: the latest {TIMELINE_PAGE} "
        f"by default (`limit`, `stages_limit`, `handoffs_limit`, at most {MAX_TIMELINE_PAGE}); `timeline_older`, "
        "`stages_older` and `handoffs_older` are the `before`, `stages_before` and `handoffs_before` of the page "
        "of older ones, and `timeline_total`, `stages_total` and `handoffs_total` count them all. The lead time "
        "is the whole case's."
    ),
)
async def get_case(
    kapula: KapulaDep,
    caller: CallerDep,
    case_id: CaseIdPath,
    limit: Annotated[int, Query(ge=1, le=MAX_TIMELINE_PAGE, description="events in the page of the timeline")] = TIMELINE_PAGE,
    before: Annotated[
        int | None,
        Query(**_SEQ, description="only events before this `seq`: the answer's `timeline_older` gives the next older page"),
    ] = None,
    stages_limit: Annotated[int, Query(ge=1, le=MAX_TIMELINE_PAGE, description="stages in the page of stages")] = TIMELINE_PAGE,
    stages_before: Annotated[
        int | None,
        Query(**_SEQ, description="only stages ended before this `seq`: the answer's `stages_older` gives the next older page"),
    ] = None,
    handoffs_limit: Annotated[
        int, Query(ge=1, le=MAX_TIMELINE_PAGE, description="handoffs in the page of handoffs")
    ] = TIMELINE_PAGE,
    handoffs_before: Annotated[
        int | None,
        Query(**_SEQ, description="only handoffs before this `seq`: the answer's `handoffs_older` gives the next older page"),
    ] = None,
) -> CaseDetailPublic:
    """A case and one page of its timeline, stages and handoffs (the description above)."""
    pages = TimelinePages(limit, before, stages_limit, stages_before, handoffs_limit, handoffs_before)
    return await in_thread(lambda: CaseDetailPublic.of_timeline(kapula.timeline(case_id, caller=caller), pages))


@router.post("/{case_id}/cancel", response_model=CasePublic, responses=_ERRORS)
def cancel_case(kapula: KapulaDep, caller: CallerDep, case_id: CaseIdPath, body: CaseCancel | None = None) -> CasePublic:
    """Cancel a running case: administrators and the process's owners. The body's `reason` is
    required (422 naming `reason` without one); it is kept in the access log and shown in the
    case's timeline."""
    return CasePublic.of(kapula.cancel_case(case_id, reason=body.reason if body else None, caller=caller))


@router.post("/{case_id}/retry", response_model=CasePublic, responses={**_ERRORS, 403: {"model": ErrorPublic}})
def retry_case(kapula: KapulaDep, caller: CallerDep, case_id: CaseIdPath, body: CaseRetry | None = None) -> CasePublic:
    """Run a failed case's failed step again (the process's owner or an administrator), with fixed
    data if given, or after the case moved to a fixed version. 409 when the case is not failed;
    422 (case_step_failed) when the step fails again: the case stays failed with its one incident."""
    return CasePublic.of(kapula.retry_case(case_id, body.data if body is not None else None, caller=caller))


@router.get("/{case_id}/incidents", response_model=list[IncidentPublic], responses=_ERRORS)
def case_incidents(kapula: KapulaDep, caller: CallerDep, case_id: CaseIdPath) -> list[IncidentPublic]:
    """The case's failed unattended steps, open and resolved, oldest first."""
    return [IncidentPublic.of(i) for i in kapula.incidents(case_id, caller=caller)]
