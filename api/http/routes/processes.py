"""Processes: upload BPMN/DMN files, list processes and versions, read a version's XML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.http.deps import ServiceDep
from api.http.schemas import KEY_PATTERN, DeployPublic, ErrorPublic, ProcessVersionPublic
from engine.errors import InvalidDataError

router = APIRouter(prefix="/api/processes", tags=["processes"])
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]


@router.post("", status_code=201, response_model=DeployPublic,
             responses={422: {"model": ErrorPublic, "description": "the diagram cannot run; details.issues says why"},
                        413: {"model": ErrorPublic}})
async def upload(service: ServiceDep, files: Annotated[list[UploadFile], File(description="BPMN and DMN files")]) -> DeployPublic:
    """Deploy the files: each executable process whose content changed gets a new version."""
    contents = []
    for f in files:
        if not f.filename:
            raise InvalidDataError("every uploaded file needs a file name", field_errors={"files": "file name missing"})
        contents.append((f.filename, await f.read()))
    return DeployPublic.of(await run_in_threadpool(service.deploy, contents))


@router.get("", response_model=list[ProcessVersionPublic])
def list_processes(service: ServiceDep) -> list[ProcessVersionPublic]:
    """The latest version of every process."""
    return [ProcessVersionPublic.of(p) for p in service.processes()]


@router.get("/{key}/versions", response_model=list[ProcessVersionPublic], responses={404: {"model": ErrorPublic}})
def list_versions(service: ServiceDep, key: KeyPath) -> list[ProcessVersionPublic]:
    return [ProcessVersionPublic.of(p) for p in service.versions(key)]


@router.get("/{key}/versions/{version}/xml", response_class=Response,
            responses={200: {"content": {"application/xml": {}}}, 404: {"model": ErrorPublic}})
def version_xml(service: ServiceDep, key: KeyPath, version: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    """The BPMN file the version was deployed from (the first .bpmn of its upload)."""
    source = service.version_source(key, version)
    name = next((n for n in source if n.lower().endswith(".bpmn")), next(iter(source)))
    return Response(source[name], media_type="application/xml",
                    headers={"Content-Disposition": f'inline; filename="{_safe(name)}"'})


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._-") or "process.bpmn"
