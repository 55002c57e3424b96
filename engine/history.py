"""What the event log says about a case: stage durations, lead time and handoffs between lanes."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from engine.model import CaseNote, CaseTimeline, CaseView, Event, Handoff, Lifecycle, StageDuration
from engine.spans.rule import ROUTING_TYPES, begins_case, hands_off, message_from_lane, moves_lane_when_ready, receives_handoff


def stage_durations(events: list[Event]) -> list[StageDuration]:
    """Each element instance's time from ready to completed (or cancelled), in the order they ended."""
    opened: dict[str, Event] = {}
    out = []
    for event in events:
        if event.task_id is None:
            continue
        if event.lifecycle is Lifecycle.TASK_READY:
            opened[event.task_id] = event
        elif event.lifecycle in (Lifecycle.TASK_COMPLETED, Lifecycle.TASK_CANCELLED) and event.task_id in opened:
            start = opened.pop(event.task_id)
            out.append(
                StageDuration(
                    case_id=event.case_id,
                    element_id=event.element_id or "",
                    name=event.element_name,
                    lane=event.lane,
                    ready_at=start.at,
                    ended_at=event.at,
                    outcome=event.lifecycle,
                    seq=event.seq,
                )
            )
    return out


def lead_time(events: list[Event]) -> timedelta | None:
    """From case started to case completed or cancelled; None while the case runs."""
    started = next((e.at for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)
    ended = next((e.at for e in events if e.lifecycle in (Lifecycle.CASE_COMPLETED, Lifecycle.CASE_CANCELLED)), None)
    return None if started is None or ended is None else ended - started


def handoffs(events: list[Event]) -> list[Handoff]:
    """Work passing from one lane to another.

    A handoff happens when an activity (a task, subprocess or call activity) becomes ready in a
    lane other than the lane work comes from: that of the task completed last, or of the subprocess
    or call activity begun since (its inner tasks start from its lane: a called process with lanes
    of its own takes the work over from the caller's lane, and hands it on from its last task's),
    else of the start event that began the case (a subprocess's start event begins nothing). Events
    and gateways never receive one: an end event drawn in the customer's lane is not work handed
    to the customer. Intermediate and end events do not move the "from" lane either, and gateways
    route without holding work. Its time is when the receiving activity became ready; it is
    picked up when someone first claims that activity, or, if nobody claimed it, when it is
    completed. A message from another case's lane counts as that lane's work: the next activity
    in another lane than the sender's receives a handoff from it. engine.spans computes the same
    rule into task_span.from_lane.
    """
    last_lane: str | None = None
    pending: dict[str, int] = {}
    out: list[Handoff] = []
    for event in events:
        if event.lifecycle is Lifecycle.MESSAGE_RECEIVED:
            sender = message_from_lane(event.changed)
            last_lane = sender if sender is not None else last_lane
            continue
        if event.lane is None or event.element_type in ROUTING_TYPES:
            continue
        if event.lifecycle is Lifecycle.TASK_READY:
            if receives_handoff(event.element_type) and last_lane is not None and event.lane != last_lane:
                pending[event.task_id or ""] = len(out)
                out.append(
                    Handoff(
                        event.case_id,
                        last_lane,
                        event.lane,
                        event.at,
                        event.element_id or "",
                        None,
                        event.seq,
                        event.element_name,
                    )
                )
            if moves_lane_when_ready(event.element_type):
                last_lane = event.lane
        elif event.lifecycle in (Lifecycle.TASK_CLAIMED, Lifecycle.TASK_COMPLETED):
            index = pending.get(event.task_id or "")
            if index is not None and out[index].picked_up_at is None:
                out[index] = dataclasses.replace(out[index], picked_up_at=event.at)
            if event.lifecycle is Lifecycle.TASK_COMPLETED:
                pending.pop(event.task_id or "", None)
                if hands_off(event.element_type) or (begins_case(event.element_type) and last_lane is None):
                    last_lane = event.lane
    return out


def timeline(case: CaseView, events: list[Event], notes: tuple[CaseNote, ...] = ()) -> CaseTimeline:
    """The case's timeline from its event log (the one read model of a case's history), with the
    reasons given for cancelling or erasing it (`notes`, from the access log)."""
    return CaseTimeline(case, tuple(events), tuple(stage_durations(events)), tuple(handoffs(events)), lead_time(events), notes)
