"""The OMG XSDs (BPMN 2.0, DMN 1.x) as SpiffWorkflow ships them: a file that breaks them is refused outright."""

from __future__ import annotations

import functools
import threading

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import SPIFF_XSD

from engine.bpmn_xml.inspect import BPMN_NS
from engine.model import ValidationIssue


class _Schema:
    """One XSD validator; lxml keeps its error log on the schema object, so uses are serialised."""

    def __init__(self, validator: BpmnValidator) -> None:
        self.validator = validator
        self.lock = threading.Lock()

    def issues(self, tree: etree._ElementTree, filename: str) -> list[ValidationIssue]:
        with self.lock:
            self.validator.preprocess(tree)  # Spiff's own fix-up for a bpmn.io correlation quirk
            if self.validator.validator.validate(tree):
                return []
            errors = list(self.validator.validator.error_log)
        ids_by_line: dict[int, str] = {}
        for element in tree.getroot().iter():
            if element.get("id") and element.sourceline:
                ids_by_line.setdefault(element.sourceline, element.get("id"))
        return [_xsd_issue(e.message, e.line, ids_by_line, filename) for e in errors]


@functools.cache
def _schema(kind: str) -> _Schema:
    if kind == "spiff":
        return _Schema(BpmnValidator(imports={"spiffworkflow": SPIFF_XSD}))
    if kind == "camunda":
        return _Schema(BpmnValidator())
    return _Schema(BpmnValidator(DMN_SCHEMAS[kind]))


def schema_issues(tree: etree._ElementTree, filename: str, *, dialect: str, is_dmn: bool) -> list[ValidationIssue]:
    """Every place where the file breaks the BPMN (with `dialect`'s extension schema) or DMN XSD."""
    if not is_dmn:
        return _schema(dialect).issues(tree, filename)
    namespace = etree.QName(tree.getroot()).namespace or ""
    if namespace not in DMN_SCHEMAS:
        return [ValidationIssue(f"unsupported DMN version ({namespace})", file=filename)]
    return _schema(namespace).issues(tree, filename)


def _xsd_issue(message: str, line: int, ids_by_line: dict[int, str], filename: str) -> ValidationIssue:
    plain = message.replace(f"{{{BPMN_NS}}}", "bpmn:")
    text = f"the file does not follow the BPMN/DMN schema: {plain}"
    return ValidationIssue(text, ids_by_line.get(line), line or None, filename)
