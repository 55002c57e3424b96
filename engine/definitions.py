"""Deploying process definitions: one numbered version per changed upload of a process key."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFoundError
from engine.forms import forms_in
from engine.model import ProcessVersion
from engine.persistence.tables import ProcessVersionRecord
from engine.runtime.case_state import SpecBundle, spec_from_json, spec_to_json
from engine.runtime.parser import LoadedProcess, serializer_for


@dataclass(frozen=True)
class ElementInfo:
    """What the engine needs of one BPMN element at run time."""

    name: str | None
    type: str | None
    actor: str | None
    form: str | None


@dataclass
class DeployedVersion:
    """A version as the engine runs it: its record's facts plus the restored spec."""

    id: int
    key: str
    version: int
    name: str
    actors: tuple[str, ...]
    elements: dict[str, ElementInfo]
    bundle: SpecBundle
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # form file name -> JSON Schema

    def form_schema(self, element_id: str) -> dict[str, Any] | None:
        """The JSON Schema of the element's form, when the form was uploaded with the version."""
        info = self.elements.get(element_id)
        return self.forms.get(info.form) if info is not None and info.form else None

    def start_form_schema(self) -> dict[str, Any] | None:
        return next((self.forms[e.form] for e in self.elements.values() if e.type == "startEvent" and e.form in self.forms), None)


def content_hash(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for filename, content in sorted(files):
        digest.update(filename.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def to_public(record: ProcessVersionRecord) -> ProcessVersion:
    return ProcessVersion(
        key=record.key,
        version=record.version,
        name=record.name,
        content_hash=record.content_hash,
        actors=tuple(json.loads(record.actors_json)),
        created_at=record.created_at,
        filename=record.filename,
    )


def store_version(
    session: Session, loaded: LoadedProcess, *, digest: str, now: datetime, filename: str | None
) -> tuple[ProcessVersionRecord, bool]:
    """Store `loaded` as the key's next version, unless the latest version has the same content."""
    latest = session.scalars(
        select(ProcessVersionRecord)
        .where(ProcessVersionRecord.key == loaded.key)
        .order_by(ProcessVersionRecord.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.content_hash == digest:
        return latest, False
    elements = {
        element_id: {
            "name": getattr(info, "name", None),
            "type": getattr(info, "type", None),
            "actor": loaded.element_actor.get(element_id),
            "form": getattr(info, "form", None),
        }
        for element_id, info in loaded.elements.items()
    }
    serializer = serializer_for(loaded.dialect)
    record = ProcessVersionRecord(
        key=loaded.key,
        version=(latest.version + 1) if latest is not None else 1,
        name=loaded.name or loaded.key,
        content_hash=digest,
        dialect=loaded.dialect,
        spec_json=spec_to_json(serializer, loaded.spec, loaded.subprocess_specs),
        actors_json=json.dumps(list(loaded.actors)),
        elements_json=json.dumps(elements),
        source_json=json.dumps({name: content.decode("utf-8") for name, content in loaded.source.items()}),
        filename=filename,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record, True


def latest_version_record(session: Session, key: str) -> ProcessVersionRecord:
    record = session.scalars(
        select(ProcessVersionRecord)
        .where(ProcessVersionRecord.key == key)
        .order_by(ProcessVersionRecord.version.desc())
        .limit(1)
    ).first()
    if record is None:
        raise NotFoundError("process", key)
    return record


def list_latest(session: Session) -> list[ProcessVersionRecord]:
    newest = (
        select(ProcessVersionRecord.key, func.max(ProcessVersionRecord.version).label("v"))
        .group_by(ProcessVersionRecord.key)
        .subquery()
    )
    stmt = (
        select(ProcessVersionRecord)
        .join(newest, (ProcessVersionRecord.key == newest.c.key) & (ProcessVersionRecord.version == newest.c.v))
        .order_by(ProcessVersionRecord.key)
    )
    return list(session.scalars(stmt))


class VersionCache:
    """Deployed versions never change, so each is restored from the database once per process."""

    def __init__(self, capacity: int = 128) -> None:
        self._capacity = capacity
        self._versions: OrderedDict[int, DeployedVersion] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int) -> DeployedVersion:
        with self._lock:
            found = self._versions.get(version_id)
            if found is not None:
                self._versions.move_to_end(version_id)
                return found
        record = session.get(ProcessVersionRecord, version_id)
        if record is None:
            raise NotFoundError("process version", version_id)
        deployed = _restore(record)
        with self._lock:
            self._versions[version_id] = deployed
            while len(self._versions) > self._capacity:
                self._versions.popitem(last=False)
        return deployed


def _restore(record: ProcessVersionRecord) -> DeployedVersion:
    elements_raw: dict[str, dict[str, Any]] = json.loads(record.elements_json)
    referenced = {v["form"] for v in elements_raw.values() if v.get("form")}
    return DeployedVersion(
        id=record.id,
        key=record.key,
        version=record.version,
        name=record.name,
        actors=tuple(json.loads(record.actors_json)),
        elements={k: ElementInfo(v.get("name"), v.get("type"), v.get("actor"), v.get("form")) for k, v in elements_raw.items()},
        bundle=spec_from_json(record.dialect, serializer_for(record.dialect), record.spec_json),
        forms=forms_in(json.loads(record.source_json), referenced) if referenced else {},
    )
