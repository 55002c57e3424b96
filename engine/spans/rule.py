"""Which elements hold work, and so which can hand work to another lane or receive it."""

from __future__ import annotations

from engine.vocabulary import ACTIVITY_TYPES, ROUTING_TYPES, START_EVENT

# Activities are the work a lane does; events are instants and gateways route, so neither can
# receive a handoff (an end event drawn in the customer lane is not work passed to the customer)
__all__ = ["ACTIVITY_TYPES", "ROUTING_TYPES", "SOURCE_TYPES", "hands_off", "receives_handoff"]
# The lane work comes from: the last completed activity, or the start event whose lane began the case
SOURCE_TYPES = (*ACTIVITY_TYPES, START_EVENT)


def receives_handoff(element_type: str | None) -> bool:
    return element_type in ACTIVITY_TYPES


def hands_off(element_type: str | None) -> bool:
    return element_type in SOURCE_TYPES
