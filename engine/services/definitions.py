"""Deploying BPMN uploads and reading the deployed versions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from engine.definitions import content_hash, latest_version_record, list_latest, store_version, to_public
from engine.process_card import ProcessCard, card_in_source
from engine.errors import NotFoundError
from engine.model import DeployResult, ProcessVersion
from engine.persistence.tables import ProcessVersionRecord
from engine.runtime.parser import load_files
from engine.services.shared import ServiceBase, missing


class DefinitionUseCases(ServiceBase):
    """Deploying BPMN uploads and reading the deployed versions."""

    def deploy(self, files: list[tuple[str, bytes]]) -> DeployResult:
        """Load an upload (BPMN and DMN files, cards, forms) and store a new version of each of its
        processes whose content changed; a process that cannot run yet is stored as documentation
        only, with its issues. Raises DiagramError, with nothing stored, if a file cannot be loaded
        at all (engine.runtime.parser)."""
        return self.deploy_bundles([files])

    def deploy_bundles(self, bundles: list[list[tuple[str, bytes]]]) -> DeployResult:
        """Deploy several uploads (e.g. every model of a folder, engine.bundles) in one transaction:
        all are loaded first, and if any cannot be, DiagramError lists why and nothing is stored."""
        loaded = [(load_files(files), files) for files in bundles]
        with self._sessions.begin() as session:
            results = [
                store_version(session, p, digest=content_hash(files), now=self._clock.now(),
                              filename=", ".join(name for name, _ in files))
                for processes, files in loaded
                for p in processes
            ]
            return DeployResult(tuple(to_public(r) for r, _ in results), tuple(created for _, created in results))

    def processes(self) -> list[ProcessVersion]:
        """The latest version of every process key."""
        with self._reads() as session:
            return [to_public(r) for r in list_latest(session)]

    def versions(self, key: str) -> list[ProcessVersion]:
        with self._reads() as session:
            records = session.scalars(
                select(ProcessVersionRecord).where(ProcessVersionRecord.key == key).order_by(ProcessVersionRecord.version)
            ).all()
            if not records:
                raise NotFoundError("process", key)
            return [to_public(r) for r in records]

    def version_source(self, key: str, version: int) -> dict[str, str]:
        """The files a version was deployed from, by file name. Raises NotFoundError."""
        with self._reads() as session:
            source = session.scalars(
                select(ProcessVersionRecord.source_json).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
            ).first()
            if source is None:
                raise NotFoundError("process version", f"{key} v{version}")
            return dict(json.loads(source))

    def card(self, key: str, version: int | None = None) -> ProcessCard | None:
        """The process card uploaded with a version of `key` (the latest by default), else None.
        Raises NotFoundError for an unknown key or version."""
        with self._sessions() as session:
            record = latest_version_record(session, key)
            if version is not None and version != record.version:
                record = session.scalars(
                    select(ProcessVersionRecord).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
                ).first() or missing(f"{key} v{version}")
            return card_in_source(json.loads(record.source_json), key)

    def start_form(self, key: str) -> dict[str, Any] | None:
        """The JSON Schema of the start form of `key`'s latest version, if it has one."""
        with self._sessions() as session:
            return self._versions.get(session, latest_version_record(session, key).id).start_form_schema()

    def forms(self, key: str, version: int) -> dict[str, dict[str, Any]]:
        """The forms uploaded with `key` v`version`: JSON Schema by file name (empty when none). The
        pages read field titles and choice labels from them. Raises NotFoundError."""
        with self._sessions() as session:
            record = session.scalars(
                select(ProcessVersionRecord).where(ProcessVersionRecord.key == key, ProcessVersionRecord.version == version)
            ).first() or missing(f"{key} v{version}")
            return dict(self._versions.get(session, record.id).forms)
