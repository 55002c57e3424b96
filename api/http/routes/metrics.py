"""A process's metrics, event-log exports and swimlane drawing, for whoever may see the process."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.http.deps import CallerDep, KapulaDep
from api.http.schemas import KEY_PATTERN, ErrorPublic, Responses

router = APIRouter(prefix="/api/processes", tags=["metrics"])
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]
EXPORT_TYPES = {"xes": ("application/xml", "xes"), "ocel": ("application/json", "jsonocel"), "csv": ("text/csv", "csv")}
DRAWING_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
NOT_FOUND: Responses = {404: {"model": ErrorPublic}, 403: {"model": ErrorPublic}}


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@router.get("/{key}/metrics", responses=NOT_FOUND)
def metrics(
    kapula: KapulaDep,
    caller: CallerDep,
    key: KeyPath,
    version: Annotated[int | None, Query(ge=1)] = None,
    lane: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
) -> Any:
    """Cases, throughput per month, lead time, stage durations (waiting and working apart), the
    handoff matrix, handoffs per case, the card's targets and stuck cases; durations in seconds."""
    measured = kapula.metrics(
        key, version=version, lane=lane, since=_utc(since), until=_utc(until), segment=segment, caller=caller
    )
    return jsonable_encoder(dataclasses.asdict(measured))


@router.get("/{key}/export", response_class=FileResponse, responses=NOT_FOUND)
def export(kapula: KapulaDep, caller: CallerDep, key: KeyPath, format: Literal["xes", "ocel", "csv"] = "xes") -> FileResponse:
    """The event log as XES, OCEL 2.0 JSON or CSV; people appear only as keyed-hash pseudonyms. For
    whoever sees the process's metrics; each exported case is entered in the access log."""
    media_type, suffix = EXPORT_TYPES[format]
    # written to a file first so a large log is streamed to the client, never held in memory
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=f".{suffix}", delete=False) as out:
        try:
            kapula.export_log(key, format, out, caller=caller)
        except BaseException:
            os.unlink(out.name)
            raise
    return FileResponse(
        out.name, media_type=media_type, filename=f"{key}.{suffix}", background=BackgroundTask(os.unlink, out.name)
    )


@router.get(
    "/{key}/swimlane.{fmt}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in DRAWING_TYPES.values()}}, **NOT_FOUND},
)
def swimlane(
    kapula: KapulaDep,
    caller: CallerDep,
    key: KeyPath,
    fmt: Literal["svg", "png", "pdf"],
    measured: bool = True,
    view: Literal["auto", "di", "tem"] = "auto",
) -> Response:
    """The process drawn as its author laid it out (view=di; BPMN DI) or by the TEM swimlane rules
    (view=tem); auto: as laid out when the file has DI. Measured values unless measured=false, and
    never for customers (the metrics are other customers' cases too)."""
    # through the access rules: a customer's drawing carries no measured values (sees_metrics)
    return Response(kapula.swimlane(key, fmt, measured=measured, view=view, caller=caller), media_type=DRAWING_TYPES[fmt])
