"""What keeps a well-formed diagram from running on Kapula although another engine might run it:
service implementations, Camunda listeners and references to messages, signals or errors the file
does not define."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from engine.bpmn_xml.inspect import CAMUNDA_NS, NS, flow_nodes, local_name
from engine.bpmn_xml.labels import called, label

# Camunda 7 hands these to Java classes, expressions or external workers, which Kapula does not have.
_CAMUNDA_IMPLEMENTATIONS = ("class", "expression", "delegateExpression", "type", "topic")
_CAMUNDA_WORK = frozenset({"serviceTask", "sendTask", "businessRuleTask", "intermediateThrowEvent", "endEvent"})

# Camunda 7 runs these when a case passes an element: a Java class, an expression or a script
_CAMUNDA_LISTENERS = (f"{{{CAMUNDA_NS}}}executionListener", f"{{{CAMUNDA_NS}}}taskListener")
_LISTENER_CODE = ("event", "class", "expression", "delegateExpression")

_REFS = {"messageRef": "message", "signalRef": "signal", "errorRef": "error", "escalationRef": "escalation"}


def dangling_refs(process: etree._Element, all_ids: set[str | None]) -> Iterator[tuple[str, etree._Element]]:
    """An event naming a message, signal, error or escalation the file does not define."""
    for node in flow_nodes(process):
        for definition in node:
            for attribute, what in _REFS.items():
                ref = definition.get(attribute) if isinstance(definition.tag, str) else None
                if ref and ref not in all_ids:
                    yield f"{label(node)} refers to the {what} '{ref}', which the diagram does not define", node


def unnamed_messages(process: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """A message event with no messageRef on an element with no name: SpiffWorkflow names such a
    message by its element's name, so it would be message None, which no sender can address (a case
    waited for it forever). A message of its own (messageRef; engine.bpmn_xml.tolerance.name_messages
    names one without a name by its id) or a name for the element lets it run."""
    for node in flow_nodes(process):
        if (node.get("name") or "").strip():
            continue
        for definition in node.findall("bpmn:messageEventDefinition", NS):
            if not definition.get("messageRef"):
                yield (
                    f"{label(node)} has a message event that names no message (no messageRef, and the event "
                    "has no name), so no message can reach it or be sent from it; refer to a message of "
                    "the diagram with messageRef",
                    node,
                )


def foreign_implementations(process: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Service tasks, and work that Camunda 7 hands to Java code or external workers: kept as
    documentation, never run (the sandbox refuses every service call, engine.runtime.script_engine)."""
    for node in flow_nodes(process):
        if local_name(node) not in _CAMUNDA_WORK and node.find(".//bpmn:messageEventDefinition", NS) is None:
            continue
        found = [
            f'camunda:{a}="{node.get(f"{{{CAMUNDA_NS}}}{a}")}"'
            for a in _CAMUNDA_IMPLEMENTATIONS
            if node.get(f"{{{CAMUNDA_NS}}}{a}") is not None
        ]
        if node.find("bpmn:extensionElements/camunda:connector", NS) is not None:
            found.append("a camunda:connector")
        if found:
            yield (
                (
                    f"{label(node)} is implemented by {', '.join(found)}, which only Camunda can run; "
                    "Kapula has no service connectors: make it a user task or a script task"
                ),
                node,
            )
        elif local_name(node) == "serviceTask":
            yield (
                (
                    f"{label(node)} is a service task; Kapula has no service connectors (service calls are "
                    "not available to uploaded diagrams): make it a user task or a script task"
                ),
                node,
            )


def camunda_listeners(process: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Camunda's execution and task listeners, on the process, its flow nodes or sequence flows:
    code Camunda runs as a case passes (a Java class, an expression, a script). Kapula runs none of
    them, so the case would not do what the author drew: kept as documentation, like a task that
    only Camunda can run (`foreign_implementations`), never silently ignored."""
    for listener in process.iter(*_CAMUNDA_LISTENERS):
        extensions = listener.getparent()
        owner = extensions.getparent() if extensions is not None else None
        if owner is None:
            continue
        code = [f'{a}="{listener.get(a)}"' for a in _LISTENER_CODE if listener.get(a) is not None]
        script = listener.find("camunda:script", NS)
        if script is not None:
            language = script.get("scriptFormat")
            code.append(f'camunda:script scriptFormat="{language}"' if language else "camunda:script")
        kind = local_name(owner)
        whose = (
            f"Process {called(owner)}"
            if kind == "process"
            else f"Sequence flow {called(owner)}"
            if kind == "sequenceFlow"
            else label(owner)
        )
        yield (
            f"{whose} has a camunda:{local_name(listener)}{' (' + ', '.join(code) + ')' if code else ''}, which only "
            "Camunda can run; Kapula runs no listeners: do its work in a script task or a user task, or remove it",
            listener,
        )
