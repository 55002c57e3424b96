"""Which elements hold work, and so which can hand work to another lane or receive it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.vocabulary import ACTIVITY_TYPES, CONTAINER_TYPES, ROUTING_TYPES, START_EVENT

# Activities are the work a lane does; events are instants and gateways route, so neither can
# receive a handoff (an end event drawn in the customer lane is not work passed to the customer)
__all__ = [
    "ACTIVITY_TYPES",
    "CONTAINER_TYPES",
    "ROUTING_TYPES",
    "START_EVENT",
    "WORK_TYPES",
    "begins_case",
    "hands_off",
    "message_from_lane",
    "moves_lane_when_ready",
    "receives_handoff",
]
# The lane work comes from: the last completed task; a subprocess or call activity's lane from when it
# begins (its inner work starts there: a called process with lanes of its own hands it on, and its
# end hands back from the lane of its last task, not the caller's); the lane a received message
# came from; or, before any of these, the lane of the start event that began the case (a
# subprocess's start event begins no case)
WORK_TYPES = tuple(t for t in ACTIVITY_TYPES if t not in CONTAINER_TYPES)


def receives_handoff(element_type: str | None) -> bool:
    return element_type in ACTIVITY_TYPES


def hands_off(element_type: str | None) -> bool:
    """Whether completing an element of this type makes its lane the one work comes from."""
    return element_type in WORK_TYPES


def moves_lane_when_ready(element_type: str | None) -> bool:
    """Whether an element of this type makes its lane the one work comes from when it begins."""
    return element_type in CONTAINER_TYPES


def begins_case(element_type: str | None) -> bool:
    """A start event: its lane counts only while no other lane is known (the case's own start)."""
    return element_type == START_EVENT


def message_from_lane(changed: Mapping[str, Any] | None) -> str | None:
    """The lane a received message came from (a `message_received` event's `changed`): work handed
    over between the cases of two pools. None for a message sent from outside Kapula."""
    lane = (changed or {}).get("from_lane")
    return lane if isinstance(lane, str) and lane else None
