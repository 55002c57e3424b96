"""Erasing a case's personal data on request: the values go, the metrics-relevant events stay.

The event log is append-only except here: `changed` data of a case's events is rewritten with a
marker, while lifecycle, times, lanes, elements and users stay, so every measurement is unchanged.
The access log is too: the reasons typed for the case (a cancel's, an earlier erasure's) are free
text that may name anyone, so they become the marker, while who did what when stays. The erasure
itself is written to the access log, with its reason, in the same transaction. The rows are the
unit of work's (engine.persistence.ports.ErasureRepository, AccessLogRepository); who may erase is
engine.services.cases'.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from engine.access.access_log import AccessEntry
from engine.errors import InvalidDataError, NotFoundError
from engine.forms import is_form_file
from engine.persistence.ports import CaseTexts, UnitOfWork

_K = TypeVar("_K")

ERASED = "[poistettu]"
PERSONAL_KEYWORD = "x-personal"
# shorter values (e.g. "1", "no") would also blank unrelated text wherever they occur
_MIN_VALUE_LENGTH = 3


@dataclass(frozen=True)
class ErasureResult:
    """What was erased: the fields, and how many texts changed (case, task, event, correlation and
    kept-message rows, and the access log's earlier reasons)."""

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


def erase_case(
    uow: UnitOfWork,
    case_id: int,
    fields: Iterable[str] | None,
    *,
    by: str,
    at: datetime,
    origin: str | None = None,
    reason: str | None = None,
) -> ErasureResult:
    """Replace the personal fields' values (`fields`, else those the version's forms declare) in the
    case's data and header, its task rows, its events, its correlation values and the messages it
    sent that are still kept (payload and correlation values), replace the reasons earlier
    access-log entries of the case carry with the marker, and log the erasure with its `reason` in
    the access log, in `uow`'s transaction. `rows_changed` counts the texts that changed. Raises
    NotFoundError, or InvalidDataError (field `fields`) when no field is named and the forms
    declare none."""
    found = uow.erasure.read(case_id)
    if found is None:
        raise NotFoundError("case", case_id)
    source, texts = found
    chosen = set(fields) if fields else personal_fields(source)
    if not chosen:
        raise InvalidDataError(
            "the process's forms declare no personal fields; name the fields to erase", field_errors={"fields": "required"}
        )
    scrubber = _Scrubber(chosen)
    # collect every value first, so copies of a value under other keys go too
    every = [texts.data, texts.header, *texts.tasks.values(), *texts.events.values(), *texts.kept_payloads.values()]
    for text in every:
        if text is not None:
            scrubber.collect(json.loads(text))
    changed = CaseTexts(
        _changed(scrubber, texts.data),
        _changed(scrubber, texts.header),
        tasks=_changed_of(scrubber, texts.tasks),
        events=_changed_of(scrubber, texts.events),
        # the values of its correlation keys are copies of case data (a message finds the case by them)
        correlations=_changed_of(scrubber, texts.correlations),
        # a message it sent that waits for its receiver (message_buffer) carries its data until then:
        # blanked like the rest, the receiver gets the marker (docs/adr/0008-buffered-messages.md)
        kept_payloads=_changed_of(scrubber, texts.kept_payloads),
        kept_correlations=_changed_of(scrubber, texts.kept_correlations),
    )
    # written even when nothing changed: the new row version makes every live-case cache reload
    uow.erasure.write(case_id, changed)
    # before the erasure's own entry: its reason (why the data went) is the audit record that stays
    count = uow.access_log.erase_reasons(case_id, ERASED)
    uow.access_log.add([AccessEntry(at, by, case_id, "erase", origin=origin, reason=reason)])
    count += sum(t is not None for t in (changed.data, changed.header))
    count += len(changed.tasks) + len(changed.events) + len(changed.correlations)
    count += len(changed.kept_payloads) + len(changed.kept_correlations)
    return ErasureResult(case_id, tuple(sorted(chosen)), count)


def _changed(scrubber: _Scrubber, text: str | None) -> str | None:
    if text is None:
        return None
    new = scrubber.scrub_text(text)
    return new if new != text else None


def _changed_of(scrubber: _Scrubber, texts: dict[_K, str]) -> dict[_K, str]:
    return {key: new for key, text in texts.items() if (new := scrubber.scrub_text(text)) != text}


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
