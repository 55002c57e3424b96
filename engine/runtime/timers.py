"""Makes SpiffWorkflow's timer events read Kapula's Clock instead of the wall clock.

SpiffWorkflow's timer definitions call `datetime.now(timezone.utc)` directly (3.2.0,
bpmn/specs/event_definitions/timer.py). We swap that module's `datetime` for a subclass whose
`now()` reads the clock bound to the current context, so tests move an injected clock instead of
sleeping, and the server's scheduler fires exactly what its own clock says is due.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from engine.clock import Clock
from engine.expressions.timer_values import TimerValueError, parse_date
from engine.runtime import timer_hooks  # noqa: F401 - installs Kapula's reading of timer texts

_current_clock: ContextVar[Clock | None] = ContextVar("kapula_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]  # the clock's datetime, not Self
        clock = _current_clock.get()
        if clock is None:
            return datetime.now(tz)
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


@contextmanager
def clock_context(clock: Clock) -> Iterator[None]:
    """Within this block SpiffWorkflow's timers see `clock`."""
    token = _current_clock.set(clock)
    try:
        yield
    finally:
        _current_clock.reset(token)


def parse_due(value: object) -> datetime | None:
    """The due time from a PendingBpmnEvent value of a timer (ISO string, or a cycle dict)."""
    if isinstance(value, dict):
        value = value.get("next")
    if isinstance(value, str):
        try:
            return parse_date(value)  # a date stored without an offset is in the network's time zone
        except TimerValueError:
            return None
    return None
