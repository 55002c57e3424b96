"""Moving running cases of a process to another version: dry run and execution (docs/migration.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.http.deps import CallerDep, KapulaDep
from api.http.schemas import ErrorPublic, Responses
from engine.services.migration import MigrationReport

router = APIRouter(prefix="/api/processes", tags=["processes"])
_ERRORS: Responses = {
    401: {"model": ErrorPublic},
    403: {"model": ErrorPublic},
    404: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}
KeyPath = Annotated[str, Path(min_length=1, max_length=255)]


class MigrationCreate(BaseModel):
    """A migration of running cases from one version of the process to another."""

    from_version: int = Field(ge=1, le=2**31 - 1, description="The version the cases are on.")
    to_version: int = Field(ge=1, le=2**31 - 1, description="The version to move them to.")
    mapping: dict[str, str] = Field(
        default_factory=dict,
        max_length=10_000,
        description='Explicit mappings for renamed or split elements: {"Task_old": "Task_new"}.',
    )
    case_ids: list[int] | None = Field(
        default=None, max_length=100_000, description="Only these cases (default: every running case)."
    )
    dry_run: bool = Field(default=False, description="Only say, per case, whether it moves and why not; change nothing.")
    revert: bool = Field(default=False, description="Move cases back to the version they came from, if they have not moved on.")


class CaseMovePublic(BaseModel):
    case_id: int
    moves: bool
    reasons: list[str]
    moved: bool
    skipped: str | None


class MigrationPublic(BaseModel):
    key: str
    from_version: int
    to_version: int
    dry_run: bool
    moved: int
    blocked: int
    skipped: int
    suggested: dict[str, str]
    cases: list[CaseMovePublic]

    @classmethod
    def of(cls, r: MigrationReport) -> MigrationPublic:
        cases = [
            CaseMovePublic(case_id=c.case_id, moves=c.moves, reasons=list(c.reasons), moved=c.moved, skipped=c.skipped)
            for c in r.cases
        ]
        return cls(
            key=r.key,
            from_version=r.from_version,
            to_version=r.to_version,
            dry_run=r.dry_run,
            moved=r.moved,
            blocked=r.blocked,
            skipped=r.skipped,
            suggested=dict(r.suggested),
            cases=cases,
        )


@router.post("/{key}/migrations", response_model=MigrationPublic, responses=_ERRORS)
def migrate_cases(kapula: KapulaDep, caller: CallerDep, key: KeyPath, body: MigrationCreate) -> MigrationPublic:
    """Move the running cases of a process to another version (the process's owner or an administrator).
    Each case moves in its own transaction; one changed meanwhile is skipped and reported. With
    `dry_run` nothing changes: each case says whether it would move and, if not, why."""
    report = kapula.migrate_cases(
        key,
        from_version=body.from_version,
        to_version=body.to_version,
        mapping=body.mapping,
        case_ids=body.case_ids,
        dry_run=body.dry_run,
        revert=body.revert,
        caller=caller,
    )
    return MigrationPublic.of(report)
