"""Messages kept for a case that does not wait for them yet, handed over when it does (engine.services.routing).

A message between pools that no case of the receiving pool waits for in the sender's conversation or
correlation, and on which that pool does not start, is kept (the unit of work's MessageBuffer) until
a step leaves such a case waiting for it, or until it expires. Zeebe buffers a published message
with a time to live the same way and correlates it when a subscription opens; as there, the oldest
kept message that matches goes first, and one message goes to one case. The timer round hands a
kept message to a case that already waits for it (engine.services.kept_rounds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.case_store import StepContext, correlation_value, waiting_from_json
from engine.clock import Clock
from engine.errors import ConflictError
from engine.persistence.ports import BufferedMessage, MessageBuffer
from engine.runtime import stepping


def belongs(candidate: StepContext, conversation: str | None, correlations: dict[str, Any]) -> bool:
    """Whether a message with these correlation values, thrown in `conversation`, is for the case
    (held in memory): by the correlation keys both hold, else by the conversation. The rule of
    routing.waiting_cases, which asks it of the stored cases."""
    if correlations:
        mine = stepping.correlations(candidate.live)
        shared = [k for k in correlations if k in mine]
        if shared:
            return all(correlation_value(mine[k]) == correlation_value(correlations[k]) for k in shared)
    return bool(candidate.case.conversation_id == conversation)


def newly_waited(ctx: StepContext) -> list[str]:
    """The messages the case waits for now and did not wait for when its row was read (a new case:
    none before). A message kept for it while it already waited would have been delivered to it
    instead (routing.waiting_cases), so only these can have one in the buffer: the steps of a case
    that keeps waiting, or waits for no message, read nothing (ADR 0008)."""
    names = stepping.waited_messages(ctx.live)
    if not names:
        return names
    # the row as read: a NewCase has no waiting_json
    before = {e.message for e in waiting_from_json(getattr(ctx.case, "waiting_json", None)) if e.kind == "message"}
    return [name for name in names if name not in before]


def received_entry(name: str, from_case: int, from_element: str | None, from_lane: str | None) -> dict[str, Any]:
    """The details of a receiver's `message_received` event: the message and where it came from,
    for a direct delivery (engine.services.routing) and a kept one alike."""
    return {"message": name, "from_case": from_case, "from_element": from_element, "from_lane": from_lane}


def hand_over(buffer: MessageBuffer, ctx: StepContext, kept: BufferedMessage, *, clock: Clock) -> bool:
    """Deliver the kept message to the case (held in memory, waiting for it) when it belongs with it
    (not its own; `belongs`), run it on, take the message out of the buffer and note its
    `message_received` as a direct delivery does (and `kept_since`). False, nothing changed, when
    it is not for this case. Raises ConflictError when another transaction took the message first,
    CaseStepError (or SpiffWorkflow's error) when the case fails on it."""
    if kept.from_case_id == ctx.case.id or not belongs(ctx, kept.conversation_id, kept.correlations):
        return False
    correlations = kept.correlations or None
    result = stepping.deliver_message(
        ctx.live, kept.name, kept.payload, correlations=correlations, clock=clock, case_id=ctx.case.id
    )
    if not result.caught:
        return False
    if not buffer.take(kept.id):
        raise ConflictError(
            f"message '{kept.name}' kept for case {ctx.case.id} was taken by another step meanwhile; try again",
            case_id=ctx.case.id,
        )
    received = received_entry(kept.name, kept.from_case_id, kept.from_element, kept.from_lane)
    ctx.received.append((kept.name, received | {"kept_since": kept.created_at.isoformat()}))
    return True


def take_kept(buffer: MessageBuffer, ctx: StepContext, *, now: datetime, clock: Clock) -> bool:
    """Hand the case the oldest unexpired kept message that it newly waits for (newly_waited) and
    that belongs with it (hand_over). False when there is none. Raises ConflictError when another
    transaction took the message first, CaseStepError when the case fails on it."""
    for name in newly_waited(ctx):
        for kept in buffer.pending(ctx.deployed.key, name, now=now, not_from=ctx.case.id):
            if hand_over(buffer, ctx, kept, clock=clock):
                return True
    return False
