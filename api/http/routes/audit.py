"""Data protection for administrators: a case's access log, and erasing its personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.http.deps import CallerDep, KapulaDep
from api.http.schemas import ErrorPublic, Responses
from engine.services.results import AccessEntry, ErasureResult

router = APIRouter(prefix="/api/cases", tags=["data protection"])
CaseIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: Responses = {403: {"model": ErrorPublic}, 404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}


class AccessEntryPublic(BaseModel):
    at: datetime
    user: str
    case_id: int | None
    action: str
    task_id: str | None
    origin: str | None
    process_key: str | None = None
    refused: str | None = Field(default=None, description="why the attempt was refused; null: it was done")
    reason: str | None = Field(default=None, description="why the user did it (cancel, erase)")

    @classmethod
    def of(cls, e: AccessEntry) -> AccessEntryPublic:
        return cls(
            at=e.at,
            user=e.user,
            case_id=e.case_id,
            action=e.action,
            task_id=e.task_id,
            origin=e.origin,
            process_key=e.process_key,
            refused=e.refused,
            reason=e.reason,
        )


@router.get("/{case_id}/access-log", response_model=list[AccessEntryPublic], responses=_ERRORS)
def access_log(kapula: KapulaDep, caller: CallerDep, case_id: CaseIdPath) -> list[AccessEntryPublic]:
    """Who read or changed the case, and who was refused what and why, how and when, oldest first:
    administrators only."""
    return [AccessEntryPublic.of(e) for e in kapula.access_log(case_id=case_id, caller=caller)]


class ErasureCreate(BaseModel):
    """Why (required: kept in the access log and shown in the case's timeline), and the fields to
    erase; none: those the process's forms declare personal."""

    reason: str | None = Field(default=None, max_length=2000, description="why the data is erased (1–500 characters)")
    fields: list[Annotated[str, Field(min_length=1, max_length=255)]] | None = Field(default=None, max_length=200)


class ErasurePublic(BaseModel):
    case_id: int
    fields: list[str]
    rows_changed: int

    @classmethod
    def of(cls, r: ErasureResult) -> ErasurePublic:
        return cls(case_id=r.case_id, fields=list(r.fields), rows_changed=r.rows_changed)


@router.post("/{case_id}/erase", response_model=ErasurePublic, responses=_ERRORS)
def erase(kapula: KapulaDep, caller: CallerDep, case_id: CaseIdPath, body: ErasureCreate | None = None) -> ErasurePublic:
    """Replace the case's personal data with a marker; its events' times, lanes and steps stay.
    The body's `reason` is required (422 naming `reason` without one)."""
    return ErasurePublic.of(
        kapula.erase_personal_data(
            case_id, fields=(body.fields if body else None), reason=body.reason if body else None, caller=caller
        )
    )
