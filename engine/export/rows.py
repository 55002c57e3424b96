"""The rows every export writes, streamed from the database in case and sequence order, with
users pseudonymised by a keyed hash unless the caller asks for names."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.metrics.dialect import Dialect
from engine.metrics.scope import CANCELLED, CASE, CLAIMED, COMPLETED, EVENT, READY, ROUTING_TYPES, VERSION, scoped_cases
from engine.metrics.types import MetricsFilter

# Kapula's task lifecycle as XES's standard transitions: ready = the work is assigned to a lane,
# claimed = a person starts it, completed; so waiting (assign → start) and working
# (start → complete) separate in any XES tool
TRANSITIONS = {READY: "assign", CLAIMED: "start", COMPLETED: "complete", CANCELLED: "ate_abort"}
BATCH = 5000


@dataclass(frozen=True)
class LogRow:
    case_id: int
    seq: int
    at: datetime
    activity: str
    element_id: str
    element_type: str | None
    lane: str | None
    transition: str
    resource: str | None
    task_id: str
    version: int  # the version of the process the case was on when the event happened (docs/migration.md)


class Pseudonyms:
    """`res-` and 12 hex digits of HMAC-SHA256(key, user name): the same person gets the same
    pseudonym within an export (or across exports sharing a key), and a name is not recoverable."""

    def __init__(self, key: bytes | None = None, *, real_names: bool = False) -> None:
        self._key = key if key is not None else os.urandom(32)
        self._real = real_names

    def __call__(self, user: str | None) -> str | None:
        if user is None or self._real:
            return user
        return "res-" + hmac.new(self._key, user.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def task_rows(
    conn: Connection, f: MetricsFilter, names: Pseudonyms, *, progress: Callable[[int], None] | None = None
) -> Iterator[LogRow]:
    """Every task event of the selected cases (gateways left out: they route, they hold no work)."""
    cases = scoped_cases(f, Dialect(conn.dialect.name)).subquery("scope")
    moves = _migrations(conn, cases)
    e = EVENT.c
    stmt = (
        select(
            e.case_id,
            e.seq,
            e.at,
            e.element_name,
            e.element_id,
            e.element_type,
            e.lane,
            e.lifecycle,
            e.user_name,
            e.task_id,
            VERSION.c.version,
        )
        .join(cases, cases.c.case_id == e.case_id)
        .join(CASE, CASE.c.id == e.case_id)
        .join(VERSION, VERSION.c.id == CASE.c.process_version_id)
        .where(e.task_id.is_not(None), e.lifecycle.in_(tuple(TRANSITIONS)))
        .where((e.element_type.is_(None)) | (e.element_type.not_in(ROUTING_TYPES)))
        .order_by(e.case_id, e.seq)
    )
    done = 0
    for r in conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt):
        version = next((v for seq, v in moves.get(r.case_id, ()) if seq > r.seq), r.version)
        yield LogRow(
            r.case_id,
            r.seq,
            r.at,
            r.element_name or r.element_id or "",
            r.element_id or "",
            r.element_type,
            r.lane,
            TRANSITIONS[r.lifecycle],
            names(r.user_name),
            r.task_id,
            version,
        )
        done += 1
        if progress is not None and done % BATCH == 0:
            progress(done)
    if progress is not None:
        progress(done)


def _migrations(conn: Connection, cases: Any) -> dict[int, list[tuple[int, int]]]:
    """(seq, version moved from) of every case_migrated event of the scoped cases, in seq order: an
    event before a move happened on the version the case moved from, else on the case's version."""
    e = EVENT.c
    stmt = (
        select(e.case_id, e.seq, e.changed_json)
        .join(cases, cases.c.case_id == e.case_id)
        .where(e.lifecycle == "case_migrated")
        .order_by(e.case_id, e.seq)
    )
    moves: dict[int, list[tuple[int, int]]] = {}
    for r in conn.execute(stmt):
        moves.setdefault(r.case_id, []).append((r.seq, int(json.loads(r.changed_json)["from"])))
    return moves


def case_rows(conn: Connection, f: MetricsFilter) -> Iterator[Any]:
    """case_id, status, started_at, ended_at of the selected cases, in id order."""
    cases = scoped_cases(f, Dialect(conn.dialect.name)).subquery("scope")
    stmt = select(cases.c.case_id, cases.c.status, cases.c.started_at, cases.c.ended_at).order_by(cases.c.case_id)
    yield from conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)


def iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and an explicit UTC offset, as XES requires."""
    return moment.isoformat(timespec="milliseconds")
