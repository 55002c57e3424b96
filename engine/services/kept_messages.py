"""Messages kept for a case that does not wait for them yet, handed over when it does (engine.services.routing).

A message between pools that no case of the receiving pool waits for in the sender's conversation or
correlation, and on which that pool does not start, is kept (the unit of work's MessageBuffer) until
a step leaves such a case waiting for it, or until it expires. Zeebe buffers a published message
with a time to live the same way and correlates it when a subscription opens; as there, the oldest
kept message that matches goes first, and one message goes to one case. A kept message that fails
the case a step hands it to does not fail that step (often a person's completion): the step runs
again without handoffs (without_failing_handoffs), and the timer round hands the message over,
failing that case alone (engine.services.kept_rounds).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from engine.case_store import StepContext, correlation_value, waiting_from_json
from engine.clock import Clock
from engine.errors import ConflictError, UnavailableError
from engine.persistence.ports import BufferedMessage, MessageBuffer
from engine.runtime import stepping

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("kapula.messages")


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
    that belongs with it (hand_over). False when there is none, or when a step's handoffs are off
    (handoffs_off). Raises ConflictError when another transaction took the message first, and
    KeptHandoffFailed when the case fails on it: the step is then run again without handoffs
    (without_failing_handoffs), so a kept message never refuses the step that made its case wait."""
    if _HANDOFFS_OFF.get():
        return False
    for name in newly_waited(ctx):
        for kept in buffer.pending(ctx.deployed.key, name, now=now, not_from=ctx.case.id):
            try:
                if hand_over(buffer, ctx, kept, clock=clock):
                    return True
            except (ConflictError, UnavailableError):
                raise
            except Exception as exc:
                raise KeptHandoffFailed(kept, ctx.case.id) from exc
    return False


class KeptHandoffFailed(Exception):
    """A kept message failed the case a step handed it to (take_kept). Not a KapulaError: it never
    leaves the service layer, whose step use cases run again without handoffs on it."""

    def __init__(self, kept: BufferedMessage, case_id: int) -> None:
        super().__init__(f"case {case_id} failed on message '{kept.name}' kept since {kept.created_at.isoformat()}")
        self.kept = kept
        self.case_id = case_id


# True while a step hands over no kept message (take_kept): its second run after a kept message
# failed a case, and the timer round's own deliveries. A context variable rather than an argument:
# it holds for the whole use case, through routing, without every step's signature carrying it,
# and each thread (request) has its own
_HANDOFFS_OFF: ContextVar[bool] = ContextVar("kapula_kept_handoffs_off", default=False)


@contextmanager
def handoffs_off() -> Iterator[None]:
    """Within the block, steps hand over no kept message (take_kept returns False)."""
    token = _HANDOFFS_OFF.set(True)
    try:
        yield
    finally:
        _HANDOFFS_OFF.reset(token)


def without_failing_handoffs(use_case: Callable[P, T]) -> Callable[P, T]:
    """A step use case (complete a task, start a case, send a message, fire a timer, retry) that,
    when a kept message fails the case a step of it handed the message to, is run once more with
    no kept message handed over (handoffs_off): its first run was rolled back whole, the message
    stays kept, and the timer round hands it to the waiting case (recording that case's failure as
    an incident; engine.services.kept_rounds). A person's step is never refused for a message
    someone else sent."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if _HANDOFFS_OFF.get():
            return use_case(*args, **kwargs)
        try:
            return use_case(*args, **kwargs)
        except KeptHandoffFailed as failed:
            log.warning("%s (%s); the step runs again without it, the timer round hands it over", failed, failed.__cause__)
        with handoffs_off():
            return use_case(*args, **kwargs)

    return run
