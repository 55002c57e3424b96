"""Which elements hold work, and so which can hand work to another lane or receive it."""

from __future__ import annotations

# Gateways only route: the lane they are drawn in does not hold the work
ROUTING_TYPES = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
# Activities are the work a lane does; events are instants and gateways route, so neither can
# receive a handoff (an end event drawn in the customer lane is not work passed to the customer)
ACTIVITY_TYPES = (
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
)
# The lane work comes from: the last completed activity, or the start event whose lane began the case
SOURCE_TYPES = (*ACTIVITY_TYPES, "startEvent")


def receives_handoff(element_type: str | None) -> bool:
    return element_type in ACTIVITY_TYPES


def hands_off(element_type: str | None) -> bool:
    return element_type in SOURCE_TYPES
