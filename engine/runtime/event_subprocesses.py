"""Event subprocesses started by a signal, message or other event, wired once per spec.

SpiffWorkflow 3.2 connects such an event subprocess to its process only when the event first
arrives (`BpmnStartTask.trigger_wf`: start -> subprocess -> end), by changing the *spec*. Kapula
shares one spec among all cases of a version and stores it once, at upload, so that change was
lost for a case reloaded in a fresh process (completing the event subprocess then failed with
"No input task connected"), and in a long-running process it leaked into every later case (the
start task's new output started the event subprocess at once, so the case waited for it to end).
Here each event subprocess gets the links `trigger_wf` needs (the start as its input, the end as
its output) without becoming an output of the start, so `trigger_wf` finds them present and never
changes the spec.
"""

from __future__ import annotations

from typing import Any


def wire_event_subprocesses(spec: Any, subprocess_specs: dict[str, Any]) -> None:
    """Give every event-triggered subprocess of `spec` and of `subprocess_specs` its links (in place;
    doing it again changes nothing)."""
    for workflow_spec in [spec, *subprocess_specs.values()]:
        start = getattr(workflow_spec, "start", None)
        if start is None:
            continue
        for name in getattr(start, "trigger_specs", None) or []:
            triggered = workflow_spec.task_specs.get(name)
            if triggered is None:
                continue
            if start.name not in triggered._inputs:
                triggered._inputs.append(start.name)
            end = workflow_spec.end
            if end.name not in triggered._outputs:
                triggered.connect(end)
