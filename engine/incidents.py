"""Incidents: unattended steps that failed, recorded on their case until a retry resolves them.

A timer firing (or a message arriving) runs a step that nobody waits for. When that step fails,
the failure cannot be answered to anyone, so it is kept on the case instead: the case becomes
`failed` (the timer round no longer picks it up, so it neither blocks nor sorts first) and one open
incident names the element (name and id) and the error in plain words. A retry that fails again
updates the same open incident; one that succeeds resolves it. The case row's change goes behind
its row-version check, like every step's. The rows are the unit of work's
(engine.persistence.ports.IncidentRepository); here are the failure's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import CaseStepError, KapulaError
from engine.runtime.stepping import failed_element

MAX_MESSAGE = 2_000  # characters of an incident's message kept (an error can quote a long value)
_SCRIPT_LABEL = re.compile(r"^(Script|Expression) of task '[^']*'(?: \([^)]*\))? ")


@dataclass(frozen=True)
class Failure:
    """Why an unattended step failed: the element it failed at (if known) and the error in plain words."""

    trigger: str  # "timer" | "message"
    element_id: str | None
    element_name: str | None
    message: str


def plain_message(text: str) -> str:
    """The error without the element label the sandbox puts first (the incident names the element
    itself), on one line and cut to MAX_MESSAGE characters."""
    text = " ".join(str(text).split())
    text = _SCRIPT_LABEL.sub(lambda m: f"{m.group(1).lower()} ", text, count=1)
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text or "the step failed"


def failure_of(
    exc: BaseException,
    trigger: str,
    names: dict[str, str | None] | None = None,
    *,
    case_id: int | None = None,
    own_step: bool = False,
) -> Failure:
    """The Failure of an unattended step that raised `exc`: the element from the failed task, if the
    error names one (engine.runtime.stepping.failed_element), named as `names` (element id → name)
    gives it; the diagram's failure in the case's own step (`own_step`: the CaseStepError of the
    timers fired) in SpiffWorkflow's words; any other Kapula error's message as it is; any other error by
    its kind and text (it is a fault of Kapula's, logged with its traceback by the caller). An
    error of another case than `case_id` (a receiver of the step's message) names no element of
    this case."""
    if own_step and isinstance(exc, CaseStepError) and exc.detail is not None:
        return Failure(
            trigger, exc.element_id, (names or {}).get(exc.element_id or "") or exc.element_name, plain_message(exc.detail)
        )
    found = failed_element(exc) if not isinstance(exc, KapulaError) else None
    spec_id, spec_name = found or (None, None)
    # SpiffWorkflow's task errors carry the task; Kapula's CaseStepError its element id
    element_id = spec_id or getattr(exc, "element_id", None)
    element_name = (names or {}).get(element_id or "") or spec_name
    other = getattr(exc, "case_id", None)
    if case_id is not None and other is not None and other != case_id:
        # a case that this step's message reached failed: its element is not one of this case's
        return Failure(trigger, None, None, plain_message(f"a case its message went to failed: {getattr(exc, 'message', exc)}"))
    if isinstance(exc, KapulaError):
        text = exc.message
    elif found is not None:
        text = str(exc).strip() or type(exc).__name__
    else:
        text = f"Kapula could not run the step ({type(exc).__name__}: {exc})"
    return Failure(trigger, element_id, element_name, plain_message(text))
