"""Kapula's words in one place: BPMN element kinds, the customer's lane, event lifecycles.

A leaf module (stdlib only): the model, the access rules, the drawings, the spans and the metrics
all read these, so a word added here (a customer lane called "Kunden") counts everywhere at once.
See docs/glossary.md for what the words mean.
"""

from __future__ import annotations

import enum

# -- BPMN element kinds (local tag names of BPMN 2.0's XML schema, ISO/IEC 19510 §8) -------------

START_EVENT = "startEvent"
END_EVENT = "endEvent"
# gateways only route: the lane they are drawn in does not hold the work
ROUTING_TYPES = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
# start and end events are instants, not stages of work
INSTANT_TYPES = (START_EVENT, END_EVENT)
# what a person does: the tasks that wait in an inbox
USER_TASK_TYPES = ("userTask", "manualTask")
# activities are the work a lane does; only they receive a handoff
ACTIVITY_TYPES = (
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
)
# activities that hold other elements: an embedded subprocess or a called process
CONTAINER_TYPES = ("callActivity", "subProcess", "transaction", "adHocSubProcess")
# activities whose elements are drawn inside them (a called process's are in its own diagram)
EMBEDDED_SCOPE_TYPES = ("subProcess", "transaction", "adHocSubProcess")
# the events a flow can pass through
EVENT_TYPES = (START_EVENT, END_EVENT, "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
# every flow node Kapula reads: events, activities and gateways
FLOW_NODE_TYPES = EVENT_TYPES + ACTIVITY_TYPES + ROUTING_TYPES

# -- the customer's lane ---------------------------------------------------------------------------

# The process description model (TEM) draws the customer as the topmost lane, named for the
# customer in the diagram's language: Finnish, English, Swedish, German. A whole name, not a part
# of one: "Asiakastietojärjestelmä" (the customer register) is a system's lane, not the customer's.
CUSTOMER_LANE_WORDS = frozenset({"asiakas", "customer", "kund", "kunden", "kunde"})


# the case-data fields that name the customer (the company), in the diagrams' languages: the lists
# show them as the case's customer (the demo's forms call it "asiakas", the test fixtures "customer")
CUSTOMER_FIELDS = ("asiakas", "customer", "kund")


def is_customer_lane(lane: str | None) -> bool:
    """Whether `lane` is the customer's lane: its name, trimmed and case-folded, is a customer word."""
    return lane is not None and lane.strip().casefold() in CUSTOMER_LANE_WORDS


# -- lifecycle of the event log ---------------------------------------------------------------------


class Lifecycle(str, enum.Enum):
    """What an event-log row records."""

    CASE_STARTED = "case_started"
    TASK_READY = "task_ready"
    TASK_COMPLETED = "task_completed"
    TASK_CANCELLED = "task_cancelled"
    CASE_COMPLETED = "case_completed"
    CASE_CANCELLED = "case_cancelled"
    # a person takes a ready user task to work on, or gives it back; the case does not move
    TASK_CLAIMED = "task_claimed"
    TASK_UNCLAIMED = "task_unclaimed"
    # the case moved to another version of its process (docs/migration.md); changed: from, to, plan
    CASE_MIGRATED = "case_migrated"
    # a message left the case for another case (changed: message, to_cases, to) or came into it
    # from one or from outside (changed: message, from_case, from_lane); element: the thrower / catcher
    MESSAGE_SENT = "message_sent"
    MESSAGE_RECEIVED = "message_received"


# the lifecycles of one element instance's span (engine/spans), in the order they happen
SPAN_LIFECYCLES = (
    Lifecycle.TASK_READY.value,
    Lifecycle.TASK_CLAIMED.value,
    Lifecycle.TASK_COMPLETED.value,
    Lifecycle.TASK_CANCELLED.value,
)
