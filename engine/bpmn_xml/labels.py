"""How an element is named in a message: as its author sees it, by name and id."""

from __future__ import annotations

from lxml import etree

from engine.bpmn_xml.inspect import SCOPE_TYPES, local_name
from engine.bpmn_xml.tolerance import normalise_label


def called(element: etree._Element) -> str:
    """How the author knows the element: 'Check the application' (Task_1), or its id alone when unnamed."""
    name, element_id = normalise_label(element.get("name")), element.get("id")
    return f"'{name}' ({element_id})" if name else f"'{element_id}'"


def label(node: etree._Element, *, capital: bool = True) -> str:
    kind = local_name(node)
    word = "gateway" if kind.endswith("Gateway") else "event" if kind.endswith("Event") else "task"
    word = "subprocess" if kind in SCOPE_TYPES else "call activity" if kind == "callActivity" else word
    return f"{word.capitalize() if capital else word} {called(node)}"
