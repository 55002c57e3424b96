"""Processes: upload BPMN/DMN files, list processes and versions, read a version's XML."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.http.deps import CallerDep, KapulaDep
from api.http.headers import FILE_POLICY
from api.http.schemas import KEY_PATTERN, TEXT_PATTERN, DeployPublic, ErrorPublic, ProcessVersionPublic
from engine.errors import InvalidDataError, NotFoundError

router = APIRouter(prefix="/api/processes", tags=["processes"])
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]


@router.post(
    "",
    status_code=201,
    response_model=DeployPublic,
    responses={
        422: {"model": ErrorPublic, "description": "the diagram cannot run; details.issues says why"},
        413: {"model": ErrorPublic},
    },
)
async def upload(
    kapula: KapulaDep,
    caller: CallerDep,
    files: Annotated[list[UploadFile], File(description="BPMN and DMN files")],
    owner: Annotated[
        str | None,
        Query(pattern=TEXT_PATTERN, max_length=255, description="administrators: the organisation that owns new process keys"),
    ] = None,
) -> DeployPublic:
    """Deploy the files: each executable process whose content changed gets a new version. A new key
    is owned by the uploading process owner's organisation; an administrator names its owner with
    `owner` when there is more than one organisation. 409 when another upload claimed it first."""
    contents = []
    for f in files:
        if not f.filename:
            raise InvalidDataError("every uploaded file needs a file name", field_errors={"files": "file name missing"})
        contents.append((f.filename, await f.read()))
    return DeployPublic.of(await run_in_threadpool(lambda: kapula.deploy(contents, caller=caller, owner=owner)))


@router.get("", response_model=list[ProcessVersionPublic])
def list_processes(kapula: KapulaDep, caller: CallerDep) -> list[ProcessVersionPublic]:
    """The latest version of every process."""
    return [ProcessVersionPublic.of(p) for p in kapula.processes(caller=caller)]


@router.get("/{key}/versions", response_model=list[ProcessVersionPublic], responses={404: {"model": ErrorPublic}})
def list_versions(kapula: KapulaDep, caller: CallerDep, key: KeyPath) -> list[ProcessVersionPublic]:
    return [ProcessVersionPublic.of(p) for p in kapula.versions(key, caller=caller)]


VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
_FILE_TYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json"}


@router.get(
    "/{key}/versions/{version}/xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, 404: {"model": ErrorPublic}},
)
def version_xml(kapula: KapulaDep, caller: CallerDep, key: KeyPath, version: VersionPath) -> Response:
    """The BPMN file the version was deployed from (the first .bpmn of its upload), as a download."""
    source = kapula.version_source(key, version, caller=caller)
    name = next((n for n in source if n.lower().endswith(".bpmn")), next(iter(source)))
    return _download(name, source[name])


@router.get(
    "/{key}/versions/{version}/files/{name}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in set(_FILE_TYPES.values())}}, 404: {"model": ErrorPublic}},
)
def version_file(kapula: KapulaDep, caller: CallerDep, key: KeyPath, version: VersionPath, name: str) -> Response:
    """One file of the version's upload (its BPMN, decision tables, forms, card), as a download."""
    source = kapula.version_source(key, version, caller=caller)
    if name not in source:
        raise NotFoundError("file", f"{key} v{version}: {name}")
    return _download(name, source[name])


def _download(name: str, content: str) -> Response:
    """An uploaded file as an attachment that no browser renders or runs: a BPMN file may carry
    XHTML <script> in its documentation, so it must never be shown inline in Kapula's origin."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return Response(
        content,
        media_type=_FILE_TYPES.get(suffix, "application/octet-stream"),
        headers={
            "Content-Disposition": f"attachment; filename=\"{_ascii(name)}\"; filename*=UTF-8''{quote(name, safe='')}",
            "Content-Security-Policy": FILE_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


def _ascii(name: str) -> str:
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "process.bpmn"
