"""The deployed versions' repository on SQLAlchemy (engine.persistence.ports.VersionRepository),
over the use case's session."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import ConflictError
from engine.model import MAX_VERSION, ProcessVersion, ValidationIssue
from engine.persistence.direct import DirectStatement
from engine.persistence.ports import NewVersion, StoredVersion, VersionSpec
from engine.persistence.tables import ProcessVersionRecord

_V = ProcessVersionRecord.__table__.c
# what a ProcessVersion shows, without the version's spec, elements and source (the large columns)
_VERSION_COLUMNS = (
    _V.id,
    _V.key,
    _V.version,
    _V.name,
    _V.content_hash,
    _V.actors_json,
    _V.created_at,
    _V.filename,
    _V.issues_json,
    _V.customer_can_start,
)
_NEWEST = select(_V.key, func.max(_V.version).label("v")).group_by(_V.key).subquery()
# the latest version of a key, read by every start: built once, on the cursor (engine.persistence.direct);
# through the ORM session it cost a start 0.4-0.7 ms of CPU, more than the statement (issue 14)
_LATEST = DirectStatement(select(*_VERSION_COLUMNS).where(_V.key == bindparam("key")).order_by(_V.version.desc()).limit(1))
_ONE = DirectStatement(select(*_VERSION_COLUMNS).where(_V.key == bindparam("key"), _V.version == bindparam("version")))


def _public(row: Any) -> ProcessVersion:
    """A process_version row (any object with its columns) as a ProcessVersion."""
    return ProcessVersion(
        key=row.key,
        version=row.version,
        name=row.name,
        content_hash=row.content_hash,
        actors=tuple(json.loads(row.actors_json)),
        created_at=row.created_at,
        filename=row.filename,
        issues=tuple(ValidationIssue(**raw) for raw in json.loads(row.issues_json or "[]")),
        customer_can_start=bool(row.customer_can_start),
    )


class SqlVersionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, key: str, version: int | None = None) -> StoredVersion | None:
        connection = self._session.connection()
        if version is None:
            row = _LATEST.first(connection, {"key": key})
        elif not 1 <= version <= MAX_VERSION:
            return None  # no version has it, and the driver would overflow on it
        else:
            row = _ONE.first(connection, {"key": key, "version": version})
        return StoredVersion(row.id, _public(row)) if row is not None else None

    def spec(self, version_id: int) -> VersionSpec | None:
        row = self._session.get(ProcessVersionRecord, version_id)
        if row is None:
            return None
        return VersionSpec(
            row.id,
            row.key,
            row.version,
            row.name,
            row.dialect,
            row.spec_json,
            tuple(json.loads(row.actors_json)),
            json.loads(row.elements_json),
            json.loads(row.source_json),
            tuple(ValidationIssue(**raw) for raw in json.loads(row.issues_json or "[]")),
        )

    def of_key(self, key: str) -> list[ProcessVersion]:
        rows = self._session.execute(select(*_VERSION_COLUMNS).where(_V.key == key).order_by(_V.version))
        return [_public(r) for r in rows]

    def latest_of_each(self) -> list[ProcessVersion]:
        rows = self._session.execute(
            select(*_VERSION_COLUMNS).join(_NEWEST, (_V.key == _NEWEST.c.key) & (_V.version == _NEWEST.c.v)).order_by(_V.key)
        )
        return [_public(r) for r in rows]

    def source(self, key: str, version: int) -> dict[str, str] | None:
        if not 1 <= version <= MAX_VERSION:
            return None  # as find: no version has it, and the driver would overflow on it
        text = self._session.scalars(select(_V.source_json).where(_V.key == key, _V.version == version)).first()
        return dict(json.loads(text)) if text is not None else None

    def latest_source(self, key: str) -> tuple[int, str] | None:
        row = self._session.execute(
            select(_V.version, _V.source_json).where(_V.key == key).order_by(_V.version.desc()).limit(1)
        ).first()
        return (row.version, row.source_json) if row is not None else None

    def add(self, new: NewVersion) -> ProcessVersion:
        record = ProcessVersionRecord(
            key=new.key,
            version=new.version,
            name=new.name,
            content_hash=new.content_hash,
            dialect=new.dialect,
            spec_json=new.spec_json,
            actors_json=json.dumps(list(new.actors)),
            elements_json=json.dumps(new.elements),
            source_json=json.dumps(new.source),
            filename=new.filename,
            created_at=new.created_at,
            issues_json=json.dumps([dataclasses.asdict(i) for i in new.issues]),
            customer_can_start=new.customer_can_start,
        )
        self._session.add(record)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the use case's transaction is rolled back with the ConflictError
            raise ConflictError(
                f"another upload of {new.key} was stored at the same moment; nothing of this upload was stored"
            ) from exc
        return _public(record)
