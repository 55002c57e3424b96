"""Turn one upload of BPMN/DMN files into SpiffWorkflow specs, safely, reporting every problem at once."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.spiff.parser.process import SPIFF_XSD, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn_xml.inspect import (
    BPMN_NS, CAMUNDA_NS, NS, SPIFF_NS, DiagramInfo, ElementInfo, describe, uses_namespace,
)
from engine.bpmn_xml.secure import parse_xml
from engine.bpmn_xml.validate import validate, validate_dmn
from engine.runtime.dmn import RULE_TASK_CONVERTERS, DecisionsMixin, decision_issues
from engine.runtime.sidecars import is_sidecar, sidecar_issues
from engine.errors import DiagramError
from engine.model import ValidationIssue

DIALECTS = ("spiff", "camunda")
MAX_FILES = 20
MAX_ISSUES = 200  # a hostile file can yield tens of thousands; the first ones say enough


@dataclass
class LoadedProcess:
    """One executable process of an upload, parsed and ready to start cases from."""

    key: str  # BPMN process id
    name: str
    dialect: str  # "spiff" | "camunda"
    spec: Any  # SpiffWorkflow BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    actors: tuple[str, ...]  # top to bottom
    element_actor: dict[str, str | None]
    elements: dict[str, ElementInfo]
    source: dict[str, bytes]  # filename -> original content of every file in the upload


@dataclass
class _File:
    name: str
    tree: etree._ElementTree
    info: DiagramInfo | None  # None for DMN

    @functools.cached_property
    def lines(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for element in self.tree.getroot().iter():
            if element.get("id") and element.sourceline:
                found.setdefault(element.get("id", ""), element.sourceline)
        return found


class _CamundaParser(DecisionsMixin, CamundaParser):
    """Camunda's parser with Kapula's decision tables (engine.runtime.dmn)."""


class _SpiffParser(DecisionsMixin, SpiffBpmnParser):
    """SpiffWorkflow's parser with Kapula's decision tables (engine.runtime.dmn)."""


def parser_for(dialect: str) -> BpmnDmnParser:
    """A fresh SpiffWorkflow parser for `dialect`; parsers keep state, so never share one."""
    if dialect == "camunda":
        return _CamundaParser()
    if dialect == "spiff":
        return _SpiffParser()
    raise ValueError(f"unknown BPMN dialect {dialect!r}; expected one of {DIALECTS}")


@functools.cache
def serializer_for(dialect: str) -> BpmnWorkflowSerializer:
    """The workflow serializer that knows `dialect`'s task spec classes (shared; it holds no case state)."""
    configs = {"spiff": SPIFF_CONFIG, "camunda": CAMUNDA_CONFIG}
    if dialect not in configs:
        raise ValueError(f"unknown BPMN dialect {dialect!r}; expected one of {DIALECTS}")
    config = {**configs[dialect], **RULE_TASK_CONVERTERS[dialect]}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def load_files(files: list[tuple[str, bytes]]) -> list[LoadedProcess]:
    """Parse, check and compile one upload (one or more .bpmn plus optional .dmn files, process
    cards `*.card.json` and forms `*.json`, which are checked and kept untouched in `source`).

    Raises DiagramError listing every problem found across all files; nothing SpiffWorkflow
    raises escapes as anything else.
    """
    sidecars = [(name, content) for name, content in files if is_sidecar(name)]
    parsed, issues = _read_all(files)
    bpmn = [f for f in parsed if f.info is not None]
    if parsed and not bpmn and not issues:
        issues.append(ValidationIssue("the upload has no BPMN diagram, only decision tables"))
    elif not bpmn and not issues:
        issues.append(ValidationIssue("the upload has no BPMN diagram, only process cards or forms"))
    issues += sidecar_issues(sidecars, [p for f in bpmn if f.info is not None for p in f.info.processes])
    dialect = _upload_dialect(bpmn, issues)
    issues += _call_issues(bpmn)
    for file in parsed:
        issues += _schema_issues(file, dialect)
    if issues:
        raise DiagramError(_capped(issues), filename=_single_name(files))
    specs, issues = _compile(parsed, dialect)
    if issues:
        raise DiagramError(_capped(issues), filename=_single_name(files))
    source = {name: bytes(content) for name, content in files}
    return [
        LoadedProcess(
            key=p.id, name=p.name, dialect=dialect, spec=specs[p.id][0], subprocess_specs=specs[p.id][1],
            actors=p.actors, element_actor=dict(p.element_actor), elements=dict(p.elements), source=source,
        )
        for f in bpmn if f.info is not None
        for p in f.info.processes
    ]


def _read_all(files: list[tuple[str, bytes]]) -> tuple[list[_File], list[ValidationIssue]]:
    if not files:
        return [], [ValidationIssue("the upload holds no files")]
    if len(files) > MAX_FILES:
        return [], [ValidationIssue(f"the upload holds {len(files)} files; the limit is {MAX_FILES}")]
    parsed: list[_File] = []
    issues: list[ValidationIssue] = []
    seen: set[str] = set()
    for name, content in files:
        if name in seen:
            issues.append(ValidationIssue("two files of the upload have this name", file=name))
            continue
        seen.add(name)
        if is_sidecar(name):
            continue
        try:
            tree = parse_xml(content, filename=name)
        except DiagramError as exc:
            issues += exc.issues
            continue
        if _is_dmn(tree):
            issues += validate_dmn(tree, name)
            parsed.append(_File(name, tree, None))
        else:
            issues += validate(tree, name)  # also reports a root that is not BPMN
            if tree.getroot().tag == f"{{{BPMN_NS}}}definitions":
                parsed.append(_File(name, tree, describe(tree)))
    return parsed, issues


def _call_issues(bpmn: list[_File]) -> list[ValidationIssue]:
    # Spiff resolves call activities only among the files it was given, i.e. this upload.
    keys = {p.id for f in bpmn if f.info is not None for p in f.info.processes}
    return [
        ValidationIssue(
            f"Call activity '{call.get('id')}' calls process '{call.get('calledElement')}', "
            "which is not in this upload",
            call.get("id"), call.sourceline, f.name,
        )
        for f in bpmn
        for call in f.tree.getroot().iter(f"{{{BPMN_NS}}}callActivity")
        if call.get("calledElement") not in keys
    ]


def _is_dmn(tree: etree._ElementTree) -> bool:
    namespace = etree.QName(tree.getroot()).namespace or ""
    return namespace != BPMN_NS and "DMN" in namespace.upper()


def _upload_dialect(bpmn: list[_File], issues: list[ValidationIssue]) -> str:
    camunda = [f.name for f in bpmn if uses_namespace(f.tree.getroot(), CAMUNDA_NS)]
    spiff = [f.name for f in bpmn if uses_namespace(f.tree.getroot(), SPIFF_NS)]
    if camunda and spiff:
        issues.append(ValidationIssue(
            f"the upload mixes Camunda extensions ({', '.join(camunda)}) with SpiffWorkflow ones "
            f"({', '.join(spiff)}); draw them for one engine"
        ))
    return "camunda" if camunda else "spiff"


def _capped(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    if len(issues) <= MAX_ISSUES:
        return issues
    more = ValidationIssue(f"... and {len(issues) - MAX_ISSUES} more problems")
    return [*issues[:MAX_ISSUES], more]


def _single_name(files: list[tuple[str, bytes]]) -> str | None:
    return files[0][0] if len(files) == 1 else None


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


def _schema_issues(file: _File, dialect: str) -> list[ValidationIssue]:
    if file.info is not None:
        return _schema(dialect).issues(file.tree, file.name)
    namespace = etree.QName(file.tree.getroot()).namespace or ""
    if namespace not in DMN_SCHEMAS:
        return [ValidationIssue(f"unsupported DMN version ({namespace})", file=file.name)]
    return _schema(namespace).issues(file.tree, file.name)


def _xsd_issue(message: str, line: int, ids_by_line: dict[int, str], filename: str) -> ValidationIssue:
    plain = message.replace(f"{{{BPMN_NS}}}", "bpmn:")
    text = f"the file does not follow the BPMN/DMN schema: {plain}"
    return ValidationIssue(text, ids_by_line.get(line), line or None, filename)


def _compile(parsed: list[_File], dialect: str) -> tuple[dict[str, tuple[Any, dict[str, Any]]], list[ValidationIssue]]:
    parser = parser_for(dialect)
    issues: list[ValidationIssue] = []
    for file in parsed:
        try:
            if file.info is None:
                parser.add_dmn_xml(file.tree.getroot(), filename=file.name)
            else:
                _mark_executable(file)
                parser.add_bpmn_xml(file.tree, filename=file.name)
        except Exception as exc:  # noqa: BLE001 - untrusted input: any parser crash is the diagram's problem
            issues.append(_spiff_issue(exc, parsed, file.name))
    if issues:
        return {}, issues
    specs: dict[str, tuple[Any, dict[str, Any]]] = {}
    for file in parsed:
        for process in file.info.processes if file.info is not None else ():
            try:
                specs[process.id] = (parser.get_spec(process.id), parser.get_subprocess_specs(process.id))
            except Exception as exc:  # noqa: BLE001 - see above
                issues.append(_spiff_issue(exc, parsed, file.name))
    for decision_parser in parser.dmn_parsers.values():
        try:
            decision_parser.parse()  # Spiff parses tables lazily; surface their errors at upload time
        except Exception as exc:  # noqa: BLE001 - see above
            issues.append(_spiff_issue(exc, parsed, decision_parser.filename))
    if not issues:
        issues += [
            ValidationIssue(f"the decision table cannot run: {problem}", ident, _line_of(ident, parsed, name), name)
            for name, ident, problem in decision_issues(parser)
        ]
    return specs, issues


def _mark_executable(file: _File) -> None:
    # Spiff refuses isExecutable="false", which bpmn.io writes on every new diagram; Kapula's rule
    # (engine.bpmn_xml.inspect) has already decided which processes run.
    keys = {p.id for p in file.info.processes} if file.info is not None else set()
    for process in file.tree.getroot().findall("bpmn:process", NS):
        if process.get("id") in keys:
            process.set("isExecutable", "true")


def _spiff_issue(exc: Exception, parsed: list[_File], default_file: str) -> ValidationIssue:
    if not isinstance(exc, ValidationException):
        return ValidationIssue(f"the engine could not read the diagram: {exc}", file=default_file)
    message = str(exc.args[0]) if exc.args else str(exc)
    if "RecursionError" in message:
        # Spiff parses a path recursively, about two frames per node: ~450 nodes in a row is its limit.
        message = "a path of the diagram is too long (the limit is about 450 elements in a row)"
    element_id = getattr(exc, "id", "") or None
    filename = getattr(exc, "file_name", "") or default_file
    line = getattr(exc, "line_number", None)
    if not isinstance(line, int) or not line:
        line = _line_of(element_id, parsed, filename)
    return ValidationIssue(f"the engine cannot run this: {message}", element_id, line, filename)


def _line_of(element_id: str | None, parsed: list[_File], filename: str) -> int | None:
    # Spiff reads `node.line_number`, which lxml elements do not have, so its line is always empty.
    if not element_id:
        return None
    for file in sorted(parsed, key=lambda f: f.name != filename):
        if element_id in file.lines:
            return file.lines[element_id]
    return None
