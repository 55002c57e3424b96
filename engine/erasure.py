"""Erasing a case's personal data on request: the values go, the metrics-relevant events stay.

The event log is append-only except here: `changed` data of a case's events is rewritten with a
marker, while lifecycle, times, lanes, elements and users stay, so every measurement is unchanged.
The erasure itself is written to the access log in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import InvalidDataError, NotFoundError
from engine.forms import is_form_file
from engine.persistence.tables import (
    AccessLogRecord,
    CaseCorrelationRecord,
    CaseRecord,
    CaseTaskRecord,
    EventRecord,
    ProcessVersionRecord,
)

ERASED = "[poistettu]"
PERSONAL_KEYWORD = "x-personal"
# shorter values (e.g. "1", "no") would also blank unrelated text wherever they occur
_MIN_VALUE_LENGTH = 3


@dataclass(frozen=True)
class ErasureResult:
    """What was erased: the fields, and how many case, task and event rows changed."""

    case_id: int
    fields: tuple[str, ...]
    rows_changed: int


def personal_fields(source: dict[str, str]) -> set[str]:
    """The fields the version's form schemas declare personal (`"x-personal": true`)."""
    fields: set[str] = set()
    for name, text in source.items():
        if not is_form_file(name):
            continue
        try:
            schema = json.loads(text)
        except ValueError:
            continue
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        fields.update(k for k, v in properties.items() if isinstance(v, dict) and v.get(PERSONAL_KEYWORD) is True)
    return fields


def erase_case(session: Session, case_id: int, fields: Iterable[str] | None, *, by: str, at: Any,
               origin: str | None = None, reason: str | None = None) -> ErasureResult:
    """Replace the personal fields' values in the case, its task rows and its events, and log the
    erasure with its `reason` in the access log. Raises NotFoundError, or InvalidDataError when no
    field is named and the forms declare none."""
    case = session.get(CaseRecord, case_id, with_for_update=True)
    if case is None:
        raise NotFoundError("case", case_id)
    source = json.loads(session.scalars(select(ProcessVersionRecord.source_json)
                                        .where(ProcessVersionRecord.id == case.process_version_id)).one())
    chosen = set(fields) if fields else personal_fields(source)
    if not chosen:
        raise InvalidDataError("the process's forms declare no personal fields; name the fields to erase",
                               field_errors={"fields": "required"})
    scrubber = _Scrubber(chosen)
    # collect every value first, so copies of a value under other keys go too
    texts = [case.data_json, case.header_json]
    tasks = session.execute(select(CaseTaskRecord.task_id, CaseTaskRecord.body).where(CaseTaskRecord.case_id == case_id)).all()
    events = session.execute(select(EventRecord.id, EventRecord.changed_json).where(EventRecord.case_id == case_id)).all()
    for text in [*texts, *(t.body for t in tasks), *(e.changed_json for e in events)]:
        scrubber.collect(json.loads(text))
    changed = 0
    for attr in ("data_json", "header_json"):
        new = scrubber.scrub_text(getattr(case, attr))
        if new != getattr(case, attr):
            setattr(case, attr, new)
            changed += 1
    # a new row version: every process's live-case cache misses and reloads the scrubbed rows
    case.row_version += 1
    for task_id, body in tasks:
        new = scrubber.scrub_text(body)
        if new != body:
            session.execute(update(CaseTaskRecord).where(CaseTaskRecord.case_id == case_id, CaseTaskRecord.task_id == task_id)
                            .values(body=new))
            changed += 1
    for event_id, text in events:
        new = scrubber.scrub_text(text)
        if new != text:
            session.execute(update(EventRecord).where(EventRecord.id == event_id).values(changed_json=new))
            changed += 1
    # the values of its correlation keys are copies of case data (a message finds the case by them)
    cr = CaseCorrelationRecord
    for key, value in session.execute(select(cr.key, cr.value).where(cr.case_id == case_id)).all():
        new = scrubber.scrub_text(value)
        if new != value:
            session.execute(update(cr).where(cr.case_id == case_id, cr.key == key).values(value=new))
            changed += 1
    session.add(AccessLogRecord(at=at, user_name=by, case_id=case_id, action="erase", origin=origin,
                                reason=reason))
    return ErasureResult(case_id, tuple(sorted(chosen)), changed)


class _Scrubber:
    """Replaces the values of the chosen keys anywhere in a JSON document, and those values
    wherever else they occur as text."""

    def __init__(self, keys: set[str]) -> None:
        self._keys = keys
        self._values: set[str] = set()

    def collect(self, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in self._keys:
                    self._values.update(_leaves(value))
                else:
                    self.collect(value)
        elif isinstance(node, list):
            for item in node:
                self.collect(item)

    def scrub_text(self, text: str) -> str:
        """The text with the values replaced; unchanged (byte for byte) when nothing was there."""
        before = json.loads(text)
        after = self._scrub(before)
        # ASCII escapes as the rows were written: a lone surrogate from a JSON request stays storable
        return text if after == before else json.dumps(after)

    def _scrub(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ERASED if k in self._keys and v is not None else self._scrub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._scrub(item) for item in node]
        if isinstance(node, str):
            for value in sorted(self._values, key=len, reverse=True):
                node = node.replace(value, ERASED)
        return node


def _leaves(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_leaves(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_leaves(v) for v in node)) if node else set()
    text = str(node) if not isinstance(node, bool) and node is not None else ""
    return {text} if len(text) >= _MIN_VALUE_LENGTH else set()
