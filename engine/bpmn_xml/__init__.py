"""Untrusted BPMN/DMN XML: secure parsing, structural validation and lane/pool metadata (no SpiffWorkflow)."""

from engine.bpmn_xml.secure import parse_xml

__all__ = ["parse_xml"]
