"""Deploying BPMN uploads, owning process keys, and reading the deployed versions.

Called with a `Caller`, an upload is parsed once, then in one transaction: the owners of its keys
are read, the upload rule checked, the keys nobody owns claimed (the database's unique key decides
a race), the versions stored and the upload entered in the access log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from engine.access import ownership, policy
from engine.definitions import content_hash, store_version
from engine.errors import ConflictError, NotFoundError
from engine.model import DeployResult, ProcessVersion
from engine.persistence.ports import StoredVersion, UnitOfWork
from engine.process_card import ProcessCard, card_in_source
from engine.runtime.parser import LoadedProcess, load_files
from engine.services.gate import Caller, check, entry
from engine.services.shared import ServiceBase, missing


class DefinitionUseCases(ServiceBase):
    """Deploying BPMN uploads and reading the deployed versions."""

    def deploy(self, files: list[tuple[str, bytes]], *, caller: Caller | None = None, owner: str | None = None) -> DeployResult:
        """Load an upload (BPMN and DMN files, cards, forms) and store a new version of each of its
        processes whose content changed; a process that cannot run yet is stored as documentation
        only, with its issues. See deploy_bundles for the owner, the caller and what it raises."""
        return self.deploy_bundles([files], caller=caller, owner=owner)

    def deploy_bundles(
        self, bundles: list[list[tuple[str, bytes]]], *, caller: Caller | None = None, owner: str | None = None
    ) -> DeployResult:
        """Deploy several uploads (e.g. every model of a folder, engine.bundles) in one transaction:
        all are loaded (parsed once) first, and if any cannot be, DiagramError lists why and nothing
        is stored. Keys nobody owns get an owner: a process owner's organisation, else `owner`,
        else the only organisation (with a caller: required when there are several). Raises
        DiagramError, AccessDeniedError, InvalidDataError (owner missing or not the key's),
        NotFoundError (no such organisation), ConflictError (another upload claimed a new key or
        stored its version at the same moment)."""
        now = self._clock.now()
        if caller is not None:
            self._check_now(caller, policy.upload_refusal(caller.principal, {}, frozenset()), "deploy")
        loaded = [(load_files(files), files) for files in bundles]
        try:
            with self._transaction() as session:
                return store_upload(self._unit(session), loaded, caller=caller, owner=owner, now=now)
        except IntegrityError as exc:
            keys = list(dict.fromkeys(p.key for processes, _ in loaded for p in processes))
            raise ConflictError(
                f"another upload of {', '.join(keys)} was stored at the same moment; nothing of this upload was stored"
            ) from exc

    def processes(self, *, caller: Caller | None = None) -> list[ProcessVersion]:
        """The latest version of every process key (that the caller sees)."""
        with self._reads() as session:
            found = self._unit(session).versions.latest_of_each()
        return [v for v in found if caller is None or policy.sees_process(caller.principal, v)]

    def versions(self, key: str, *, caller: Caller | None = None) -> list[ProcessVersion]:
        """Every version of `key`, oldest first. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            return versions_of(self._unit(session), key, caller, self._clock.now())

    def version_source(self, key: str, version: int, *, caller: Caller | None = None) -> dict[str, str]:
        """The files a version was deployed from, by file name. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            uow = self._unit(session)
            versions_of(uow, key, caller, self._clock.now())
            source = uow.versions.source(key, version)
            if source is None:
                raise NotFoundError("process version", f"{key} v{version}")
            return source

    def card(self, key: str, version: int | None = None, *, caller: Caller | None = None) -> ProcessCard | None:
        """The process card uploaded with a version of `key` (the latest by default), else None.
        Raises NotFoundError for an unknown key or version, AccessDeniedError."""
        with self._transaction(read=True) as session:
            uow = self._unit(session)
            versions = versions_of(uow, key, caller, self._clock.now())
            source = uow.versions.source(key, versions[-1].version if version is None else version)
            if source is None:
                raise NotFoundError("process version", f"{key} v{version}")
            return card_in_source(source, key)

    def start_form(self, key: str, *, caller: Caller | None = None) -> dict[str, Any] | None:
        """The JSON Schema of the start form of `key`'s latest version, if it has one."""
        with self._transaction(read=True) as session:
            uow = self._unit(session)
            versions_of(uow, key, caller, self._clock.now())
            return self._deployed(session, latest(uow, key).id).start_form_schema()

    def forms(self, key: str, version: int) -> dict[str, dict[str, Any]]:
        """The forms uploaded with `key` v`version`: JSON Schema by file name (empty when none). The
        pages read field titles and choice labels from them. Raises NotFoundError."""
        with self._sessions() as session:
            stored = self._unit(session).versions.find(key, version) or missing(f"{key} v{version}")
            return dict(self._deployed(session, stored.id).forms)


def latest(uow: UnitOfWork, key: str) -> StoredVersion:
    """The latest version of `key`. Raises NotFoundError."""
    found = uow.versions.find(key)
    if found is None:
        raise NotFoundError("process", key)
    return found


def latest_source(uow: UnitOfWork, key: str) -> tuple[int, str]:
    """The latest version's number of `key` and its files as JSON text (VersionRepository.latest_source).
    Raises NotFoundError."""
    found = uow.versions.latest_source(key)
    if found is None:
        raise NotFoundError("process", key)
    return found


def versions_of(uow: UnitOfWork, key: str, caller: Caller | None, now: datetime) -> list[ProcessVersion]:
    """Every version of `key`, oldest first, when the caller sees the process (its latest version).
    Raises NotFoundError, AccessDeniedError."""
    versions = uow.versions.of_key(key)
    if not versions:
        raise NotFoundError("process", key)
    if caller is not None:
        check(caller, policy.process_refusal(caller.principal, versions[-1]), "read_process", now, process_key=key)
    return versions


def store_upload(
    uow: UnitOfWork,
    loaded: list[tuple[list[LoadedProcess], list[tuple[str, bytes]]]],
    *,
    caller: Caller | None,
    owner: str | None,
    now: datetime,
) -> DeployResult:
    """The deploy's transaction: the upload rule on the keys' owners, the keys nobody owns claimed
    (engine.access.ownership), a new version of each process whose content changed, and the
    upload's access-log entries. `loaded`: each upload's parsed processes with its files. Raises
    AccessDeniedError, InvalidDataError, NotFoundError, ConflictError (see deploy_bundles)."""
    keys = list(dict.fromkeys(p.key for processes, _ in loaded for p in processes))
    principal = caller.principal if caller is not None else None
    reason = ownership.settle_ownership(uow, keys, principal=principal, requested=owner)
    if caller is not None:
        check(caller, reason, "deploy", now, process_key=keys[0] if len(keys) == 1 else None)
    results = [
        store_version(uow.versions, p, digest=content_hash(files), now=now, filename=", ".join(p.files or (n for n, _ in files)))
        for processes, files in loaded
        for p in processes
    ]
    if caller is not None:
        uow.access_log.add([entry(caller, "deploy", now, process_key=k) for k in keys])
    return DeployResult(tuple(v for v, _ in results), tuple(created for _, created in results))
