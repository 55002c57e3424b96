"""Version B of the Suupohja company visit, for the case-migration tests."""

from __future__ import annotations

import re


def version_b(text: str, *, timer: str | None = None) -> str:
    """Version B of the company visit: a new SEK stage "Kirjaa käynti" between "Sovi
    jatkotoimenpiteet" and the two-week timer (optionally another timer duration)."""
    text = text.replace(
        '<bpmn:sequenceFlow id="Flow_sovi_seuranta" sourceRef="Task_sovi" targetRef="Timer_seuranta" />',
        '<bpmn:sequenceFlow id="Flow_sovi_kirjaa" sourceRef="Task_sovi" targetRef="Task_kirjaa" />\n'
        '    <bpmn:sequenceFlow id="Flow_kirjaa_seuranta" sourceRef="Task_kirjaa" targetRef="Timer_seuranta" />\n'
        '    <bpmn:userTask id="Task_kirjaa" name="Kirjaa käynti">'
        "<bpmn:incoming>Flow_sovi_kirjaa</bpmn:incoming><bpmn:outgoing>Flow_kirjaa_seuranta</bpmn:outgoing></bpmn:userTask>",
    )
    text = text.replace("<bpmn:outgoing>Flow_sovi_seuranta</bpmn:outgoing>", "<bpmn:outgoing>Flow_sovi_kirjaa</bpmn:outgoing>")
    text = text.replace(
        "<bpmn:incoming>Flow_sovi_seuranta</bpmn:incoming>", "<bpmn:incoming>Flow_kirjaa_seuranta</bpmn:incoming>"
    )
    text = text.replace(
        "<bpmn:flowNodeRef>Task_sovi</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>Task_sovi</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>Task_kirjaa</bpmn:flowNodeRef>",
    )
    text = re.sub(r'<bpmndi:BPMNEdge id="Flow_sovi_seuranta_di".*?</bpmndi:BPMNEdge>', "", text, flags=re.S)
    if timer is not None:
        text = text.replace('"P14D"', f'"{timer}"')
    return text
