"""From event rows to span changes: the spans a batch of events opens, and what it does to spans
opened before. Pure; the same code serves a step, a claim and a rebuild of the whole log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.spans.rule import ROUTING_TYPES, begins_case, hands_off, message_from_lane, moves_lane_when_ready, receives_handoff
from engine.vocabulary import SPAN_LIFECYCLES, Lifecycle

READY, CLAIMED, COMPLETED, CANCELLED = SPAN_LIFECYCLES
RECEIVED = Lifecycle.MESSAGE_RECEIVED.value


@dataclass
class SpanChanges:
    """New span rows (complete with what the batch did to them), and updates of older spans."""

    opened: dict[str, dict[str, Any]] = field(default_factory=dict)
    claimed: list[dict[str, Any]] = field(default_factory=list)
    completed: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[dict[str, Any]] = field(default_factory=list)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _open(event: Mapping[str, Any], key: str, version_id: int, from_lane: str | None) -> dict[str, Any]:
    return {
        "case_id": event["case_id"],
        "task_id": event["task_id"],
        "process_key": key,
        "process_version_id": version_id,
        "element_id": event["element_id"],
        "element_name": event["element_name"],
        "element_type": event["element_type"],
        "lane": event["lane"],
        "from_lane": from_lane,
        "ready_seq": event["seq"],
        "ready_at": event["at"],
        "claimed_at": None,
        "completed_at": None,
        "completed_seq": None,
        "cancelled_at": None,
        "outcome": None,
        "duration_s": None,
        "waiting_s": None,
        "working_s": None,
        "pickup_s": None,
    }


class SpanDeriver:
    """Feeds events of one case in sequence order; `last_lane` is asked (once, lazily) for the
    lane of the work completed last before these events, when a handoff depends on it."""

    def __init__(self, key: str, version_id: int, last_lane: Callable[[], str | None]) -> None:
        self.key, self.version_id = key, version_id
        self._lookup: Callable[[], str | None] | None = last_lane
        self._last: str | None = None
        self.changes = SpanChanges()

    def last_lane(self) -> str | None:
        if self._lookup is not None:
            self._last, self._lookup = self._lookup(), None
        return self._last

    def feed(self, events: Iterable[Mapping[str, Any]]) -> SpanChanges:
        for event in events:
            if event["lifecycle"] == RECEIVED:
                sender = message_from_lane(json.loads(event.get("changed_json") or "{}"))
                if sender is not None:
                    self._lookup, self._last = None, sender  # the next work in another lane is handed over
            elif event["task_id"] is not None and event["element_type"] not in ROUTING_TYPES:
                self._one(event)
        return self.changes

    def _one(self, event: Mapping[str, Any]) -> None:
        kind, task_id, at = event["lifecycle"], event["task_id"], event["at"]
        span = self.changes.opened.get(task_id)
        if kind == READY:
            if span is None:
                self.changes.opened[task_id] = _open(event, self.key, self.version_id, self._handoff_from(event))
            if event["lane"] is not None and moves_lane_when_ready(event["element_type"]):
                self._lookup, self._last = None, event["lane"]
        elif kind == CLAIMED:
            if span is None:
                self.changes.claimed.append({"b_case": event["case_id"], "b_task": task_id, "at": at})
            elif span["claimed_at"] is None:
                span.update(claimed_at=at, waiting_s=_seconds(span["ready_at"], at), pickup_s=_seconds(span["ready_at"], at))
        elif kind == COMPLETED:
            if event["lane"] is not None and hands_off(event["element_type"]):
                self._lookup, self._last = None, event["lane"]  # replaces the earlier lane: no look-up
            elif event["lane"] is not None and begins_case(event["element_type"]) and self.last_lane() is None:
                self._last = event["lane"]
            if span is None:
                self.changes.completed.append({"b_case": event["case_id"], "b_task": task_id, "at": at, "seq": event["seq"]})
            else:
                claimed = span["claimed_at"]
                span.update(
                    completed_at=at,
                    completed_seq=event["seq"],
                    outcome="completed",
                    duration_s=_seconds(span["ready_at"], at),
                    working_s=None if claimed is None else _seconds(claimed, at),
                    pickup_s=span["pickup_s"] if span["pickup_s"] is not None else _seconds(span["ready_at"], at),
                )
        elif kind == CANCELLED:
            if span is None:
                self.changes.cancelled.append({"b_case": event["case_id"], "b_task": task_id, "at": at})
            else:
                span.update(cancelled_at=at, outcome="cancelled")

    def _handoff_from(self, event: Mapping[str, Any]) -> str | None:
        if event["lane"] is None or not receives_handoff(event["element_type"]):
            return None
        last = self.last_lane()
        return last if last is not None and last != event["lane"] else None
