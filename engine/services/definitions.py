"""Deploying BPMN uploads, owning process keys, and reading the deployed versions.

Called with a `Caller`, an upload is parsed once, then in one transaction: the owners of its keys
are read, the upload rule checked, the keys nobody owns claimed (the database's unique key decides
a race), the versions stored and the upload entered in the access log.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.access import ownership, policy
from engine.definitions import content_hash, latest_version_record, list_latest, store_version, to_public
from engine.errors import ConflictError, NotFoundError
from engine.model import DeployResult, ProcessVersion
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import ProcessVersionRecord
from engine.process_card import ProcessCard, card_in_source
from engine.runtime.parser import load_files
from engine.services.gate import Caller, check, entry
from engine.services.shared import ServiceBase, missing


class DefinitionUseCases(ServiceBase):
    """Deploying BPMN uploads and reading the deployed versions."""

    def deploy(self, files: list[tuple[str, bytes]], *, caller: Caller | None = None,
               owner: str | None = None) -> DeployResult:
        """Load an upload (BPMN and DMN files, cards, forms) and store a new version of each of its
        processes whose content changed; a process that cannot run yet is stored as documentation
        only, with its issues. See deploy_bundles for the owner, the caller and what it raises."""
        return self.deploy_bundles([files], caller=caller, owner=owner)

    def deploy_bundles(self, bundles: list[list[tuple[str, bytes]]], *, caller: Caller | None = None,
                       owner: str | None = None) -> DeployResult:
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
        keys = list(dict.fromkeys(p.key for processes, _ in loaded for p in processes))
        try:
            with self._transaction() as session:
                self._own(session, keys, caller=caller, requested=owner)
                results = [
                    store_version(session, p, digest=content_hash(files), now=now,
                                  filename=", ".join(name for name, _ in files))
                    for processes, files in loaded
                    for p in processes
                ]
                if caller is not None:
                    SqlUnitOfWork(session).access_log.add([entry(caller, "deploy", now, process_key=k) for k in keys])
                return DeployResult(tuple(to_public(r) for r, _ in results), tuple(created for _, created in results))
        except IntegrityError as exc:
            raise ConflictError(f"another upload of {', '.join(keys)} was stored at the same moment; "
                                "nothing of this upload was stored") from exc

    def processes(self, *, caller: Caller | None = None) -> list[ProcessVersion]:
        """The latest version of every process key (that the caller sees)."""
        with self._reads() as session:
            found = [to_public(r) for r in list_latest(session)]
        return [v for v in found if caller is None or policy.sees_process(caller.principal, v)]

    def versions(self, key: str, *, caller: Caller | None = None) -> list[ProcessVersion]:
        """Every version of `key`, oldest first. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            return self._versions_of(session, key, caller)

    def version_source(self, key: str, version: int, *, caller: Caller | None = None) -> dict[str, str]:
        """The files a version was deployed from, by file name. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            self._versions_of(session, key, caller)
            source = session.scalars(
                select(ProcessVersionRecord.source_json).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
            ).first()
            if source is None:
                raise NotFoundError("process version", f"{key} v{version}")
            return dict(json.loads(source))

    def card(self, key: str, version: int | None = None, *, caller: Caller | None = None) -> ProcessCard | None:
        """The process card uploaded with a version of `key` (the latest by default), else None.
        Raises NotFoundError for an unknown key or version, AccessDeniedError."""
        with self._transaction(read=True) as session:
            self._versions_of(session, key, caller)
            record = latest_version_record(session, key)
            if version is not None and version != record.version:
                record = session.scalars(
                    select(ProcessVersionRecord).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
                ).first() or missing(f"{key} v{version}")
            return card_in_source(json.loads(record.source_json), key)

    def start_form(self, key: str, *, caller: Caller | None = None) -> dict[str, Any] | None:
        """The JSON Schema of the start form of `key`'s latest version, if it has one."""
        with self._transaction(read=True) as session:
            self._versions_of(session, key, caller)
            return self._versions.get(session, latest_version_record(session, key).id).start_form_schema()

    def forms(self, key: str, version: int) -> dict[str, dict[str, Any]]:
        """The forms uploaded with `key` v`version`: JSON Schema by file name (empty when none). The
        pages read field titles and choice labels from them. Raises NotFoundError."""
        with self._sessions() as session:
            record = session.scalars(
                select(ProcessVersionRecord).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
            ).first() or missing(f"{key} v{version}")
            return dict(self._versions.get(session, record.id).forms)

    # -- in a use case's session ----------------------------------------------------------------

    def _versions_of(self, session: Session, key: str, caller: Caller | None) -> list[ProcessVersion]:
        records = session.scalars(
            select(ProcessVersionRecord).where(ProcessVersionRecord.key == key).order_by(ProcessVersionRecord.version)
        ).all()
        if not records:
            raise NotFoundError("process", key)
        versions = [to_public(r) for r in records]
        if caller is not None:
            check(caller, policy.process_refusal(caller.principal, versions[-1]), "read_process", self._clock.now(),
                  process_key=key)
        return versions

    def _own(self, session: Session, keys: list[str], *, caller: Caller | None, requested: str | None) -> None:
        """Check the upload rule on the keys' owners and claim the keys nobody owns (engine.access.ownership)."""
        principal = caller.principal if caller is not None else None
        reason = ownership.settle_ownership(SqlUnitOfWork(session), keys, principal=principal, requested=requested)
        if caller is not None:
            check(caller, reason, "deploy", self._clock.now(), process_key=keys[0] if len(keys) == 1 else None)
