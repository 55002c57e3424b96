"""Which elements hold work, and so which can hand work to another lane or receive it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.vocabulary import ACTIVITY_TYPES, ROUTING_TYPES, START_EVENT

# Activities are the work a lane does; events are instants and gateways route, so neither can
# receive a handoff (an end event drawn in the customer lane is not work passed to the customer)
__all__ = ["ACTIVITY_TYPES", "ROUTING_TYPES", "SOURCE_TYPES", "hands_off", "message_from_lane", "receives_handoff"]
# The lane work comes from: the last completed activity, or the start event whose lane began the case
SOURCE_TYPES = (*ACTIVITY_TYPES, START_EVENT)


def receives_handoff(element_type: str | None) -> bool:
    return element_type in ACTIVITY_TYPES


def hands_off(element_type: str | None) -> bool:
    return element_type in SOURCE_TYPES


def message_from_lane(changed: Mapping[str, Any] | None) -> str | None:
    """The lane a received message came from (a `message_received` event's `changed`): work handed
    over between the cases of two pools. None for a message sent from outside Kapula."""
    lane = (changed or {}).get("from_lane")
    return lane if isinstance(lane, str) and lane else None
