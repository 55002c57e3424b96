"""The kept messages (message_buffer) over the unit's session: engine.persistence.ports.MessageBuffer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import Session

from engine.persistence.ports import BufferedMessage
from engine.persistence.tables import BufferedMessageRecord

_B = BufferedMessageRecord


class SqlMessageBuffer:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: BufferedMessage) -> int:
        row = {
            "name": message.name,
            "process_key": message.process_key,
            "pool": message.pool,
            "conversation_id": message.conversation_id,
            "correlations_json": json.dumps(message.correlations, sort_keys=True, default=str),
            "payload_json": json.dumps(message.payload, default=str),
            "from_case_id": message.from_case_id,
            "from_element": message.from_element,
            "from_lane": message.from_lane,
            "created_at": message.created_at,
            "expires_at": message.expires_at,
        }
        found: Any = self._session.connection().scalar(insert(_B).values(row).returning(_B.id))
        return int(found)

    def pending(self, key: str, name: str, *, now: datetime, not_from: int | None = None) -> list[BufferedMessage]:
        # along ix_message_buffer_lookup (process key, name, expiry); the rows left are sorted by id
        found = select(_B).where(_B.process_key == key, _B.name == name, _B.expires_at > now)
        if not_from is not None:
            found = found.where(_B.from_case_id != not_from)
        return self._read(found.order_by(_B.id))

    def unexpired(self, *, now: datetime, after: int, limit: int) -> list[BufferedMessage]:
        # along the primary key from `after`: the expiry is checked on the rows read, at most `limit`
        return self._read(select(_B).where(_B.id > after, _B.expires_at > now).order_by(_B.id).limit(limit))

    def _read(self, query: Select[BufferedMessageRecord]) -> list[BufferedMessage]:
        rows = self._session.connection().execute(query)
        return [
            BufferedMessage(
                r.name,
                r.process_key,
                r.pool,
                r.conversation_id,
                json.loads(r.correlations_json),
                json.loads(r.payload_json),
                r.from_case_id,
                r.from_element,
                r.from_lane,
                r.created_at,
                r.expires_at,
                id=r.id,
            )
            for r in rows
        ]

    def take(self, message_id: int) -> bool:
        # on PostgreSQL a second transaction taking the same row waits for the first and deletes none
        return bool(self._session.connection().execute(delete(_B).where(_B.id == message_id)).rowcount)

    def purge_expired(self, *, now: datetime, limit: int) -> int:
        # by id through a subquery: DELETE … LIMIT is neither PostgreSQL's nor SQLite's by default;
        # a concurrent purge of the same rows deletes them once, the other finds them gone; in the
        # order of ix_message_buffer_expires (SQLite, without statistics, scanned the table in id order)
        expired = select(_B.id).where(_B.expires_at <= now).order_by(_B.expires_at, _B.id).limit(limit)
        return int(self._session.connection().execute(delete(_B).where(_B.id.in_(expired))).rowcount)
