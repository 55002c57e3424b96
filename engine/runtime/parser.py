"""Turn one upload of BPMN/DMN files into SpiffWorkflow specs, safely, reporting every problem at once.

Two kinds of problem. A *refusal* means the upload cannot even be kept as documentation: a file
that is not well-formed or safe XML, not BPMN or DMN, breaks the OMG schema, uses an id twice or
holds no process, a broken process card or form file, one process in two files. Then DiagramError
is raised and nothing is stored. Everything else only keeps cases from starting: it is returned
as the process's `issues` (each with the element's name, id and line), and the process is loaded
as *documentation only* (lanes, card and drawing, no spec), until a fixed version is uploaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn_xml.inspect import (
    BPMN_NS,
    CAMUNDA_NS,
    NS,
    SPIFF_NS,
    ElementInfo,
    ProcessInfo,
    describe,
    uses_namespace,
)
from engine.bpmn_xml.secure import parse_xml
from engine.bpmn_xml.tolerance import make_ends_explicit, make_splits_explicit, name_messages, normalise_labels
from engine.bpmn_xml.validate import refusals, validate, validate_dmn
from engine.errors import DiagramError
from engine.model import ValidationIssue
from engine.process_card import CardError, is_card_file, load_card
from engine.runtime.case_state import spec_to_json
from engine.runtime.conditions import GATEWAY_CONVERTERS, name_condition_flows
from engine.runtime.dmn import RULE_TASK_CONVERTERS, DecisionsMixin, decision_issues
from engine.runtime.event_subprocesses import wire_event_subprocesses
from engine.runtime.schema_check import schema_issues
from engine.runtime.sidecars import is_sidecar, sidecar_issues
from engine.runtime.upload_links import (
    Upload,
    UploadFile,
    called_processes,
    called_unrunnable,
    dmn_targets,
)

DIALECTS = ("spiff", "camunda")
MAX_FILES = 20
MAX_ISSUES = 200  # a hostile file can yield tens of thousands; the first ones say enough


@dataclass(frozen=True)
class CalledProcess:
    """A process that a call activity of the version runs (loaded from the same upload): its elements
    as drawn, and each element's own lane, or None everywhere when it has no lanes or pool of its own."""

    key: str
    elements: dict[str, ElementInfo]
    element_actor: dict[str, str | None]
    actors: tuple[str, ...]


@dataclass
class LoadedProcess:
    """One executable process of an upload: parsed and ready to start cases from, or, when `issues`
    says why it cannot run yet, documentation only (`spec` None)."""

    key: str  # BPMN process id
    name: str
    dialect: str  # "spiff" | "camunda"
    spec: Any  # SpiffWorkflow BpmnProcessSpec, None when not runnable
    subprocess_specs: dict[str, Any]
    actors: tuple[str, ...]  # top to bottom
    element_actor: dict[str, str | None]
    elements: dict[str, ElementInfo]
    source: dict[str, bytes]  # filename -> original content of every file in the upload
    issues: tuple[ValidationIssue, ...] = ()
    spec_json: str | None = field(default=None, repr=False)  # the spec serialised, when runnable
    file: str | None = None  # the .bpmn file that holds the process
    files: tuple[str, ...] = ()  # the upload's files it came from: its .bpmn, called ones', its tables, card and forms
    called: tuple[CalledProcess, ...] = ()  # what its call activities run, nested calls included

    @property
    def runnable(self) -> bool:
        return not self.issues


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
    config = {**configs[dialect], **RULE_TASK_CONVERTERS[dialect], **GATEWAY_CONVERTERS}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def load_files(files: list[tuple[str, bytes]]) -> list[LoadedProcess]:
    """Parse, check and compile one upload (one or more .bpmn plus optional .dmn files, process
    cards `*.card.json` and forms `*.json`, which are checked and kept untouched in `source`).

    Returns every process of the upload, each runnable or with its `issues`. Raises DiagramError
    listing every refusal (see the module docstring); nothing SpiffWorkflow raises escapes as
    anything else.
    """
    upload, refused = _read_all(files)
    bpmn = upload.bpmn
    if not refused and not bpmn:
        only = "decision tables" if upload.files else "process cards or forms"
        refused.append(ValidationIssue(f"the upload has no BPMN diagram, only {only}"))
    sidecars = [(name, content) for name, content in files if is_sidecar(name)]
    refused += sidecar_issues(sidecars, [p for f in bpmn for p in f.processes])
    refused += upload.duplicate_processes()
    dialect, mixed = _upload_dialect(upload)
    for file in upload.files:
        refused += schema_issues(file.tree, file.name, dialect=dialect, is_dmn=file.info is None)
    if refused:
        raise DiagramError(_capped(upload.named(refused)), filename=_single_name(files))
    issues = _fixable(upload, mixed)
    compiled = _compile(upload, dialect, issues)
    source = {name: bytes(content) for name, content in files}
    return [
        LoadedProcess(
            key=p.id,
            name=p.name,
            dialect=dialect,
            spec=compiled[p.id][0] if p.id in compiled else None,
            subprocess_specs=compiled[p.id][1] if p.id in compiled else {},
            actors=p.actors,
            element_actor=_with_splits(p.element_actor, f),
            elements=_elements(p.elements, f),
            source=source,
            issues=tuple(_capped(upload.named(issues[p.id]))),
            spec_json=compiled.get(p.id, (None, None, None))[2],
            file=f.name,
            files=_files_of(upload, files, f, p),
            called=_called(upload, p.id),
        )
        for f in bpmn
        for p in f.processes
    ]


def _files_of(upload: Upload, files: list[tuple[str, bytes]], file: UploadFile, process: ProcessInfo) -> tuple[str, ...]:
    """The names of the upload's files that process `process` came from, in upload order: its own
    .bpmn, those of the processes it calls, the decision tables it uses, its card and its forms (an
    upload of two diagrams listed both files on each version)."""
    models = [(file, process), *called_processes(upload, process.id)]
    keys = {p.id for _f, p in models}
    wanted = {f.name for f, _p in models}
    wanted |= {t.name for t in upload.dmn if keys & set(dmn_targets(t, upload))}
    forms = {info.form for _f, p in models for info in p.elements.values() if info.form}
    for name, content in files:
        if not is_sidecar(name):
            continue
        if is_card_file(name):
            try:
                if load_card(content, filename=name).process in keys:
                    wanted.add(name)
            except CardError:
                pass  # refused before this point
        elif name in forms:
            wanted.add(name)
    return tuple(name for name, _content in files if name in wanted)


def _called(upload: Upload, key: str) -> tuple[CalledProcess, ...]:
    return tuple(
        CalledProcess(p.id, _elements(p.elements, f), _with_splits(p.element_actor, f), p.actors)
        for f, p in called_processes(upload, key)
    )


def _elements(elements: dict[str, ElementInfo], file: UploadFile) -> dict[str, ElementInfo]:
    """The process's elements and the gateways and implicit end events the loader inserted into it
    (in the node's lane; a gateway takes the node's name, an end event none)."""
    out = dict(elements)
    for gateway_id, kind, source in file.splits:
        node = elements.get(source)
        if node is not None:
            out[gateway_id] = ElementInfo(gateway_id, node.name if kind != "endEvent" else None, kind, node.line)
    return out


def _with_splits(element_actor: dict[str, str | None], file: UploadFile) -> dict[str, str | None]:
    out = dict(element_actor)
    for gateway_id, _kind, source in file.splits:
        if source in element_actor:
            out[gateway_id] = element_actor[source]
    return out


def _read_all(files: list[tuple[str, bytes]]) -> tuple[Upload, list[ValidationIssue]]:
    upload = Upload()
    if not files:
        return upload, [ValidationIssue("the upload holds no files")]
    if len(files) > MAX_FILES:
        return upload, [ValidationIssue(f"the upload holds {len(files)} files; the limit is {MAX_FILES}")]
    refused: list[ValidationIssue] = []
    seen: set[str] = set()
    for name, content in files:
        if name in seen:
            refused.append(ValidationIssue("two files of the upload have this name", file=name))
            continue
        seen.add(name)
        if is_sidecar(name):
            continue
        try:
            tree = parse_xml(content, filename=name)
        except DiagramError as exc:
            refused += exc.issues
            continue
        if _is_dmn(tree):
            upload.add(name, tree, None, validate_dmn(tree, name))
            continue
        problems = refusals(tree, name)
        if problems:
            refused += problems
            continue
        normalise_labels(tree)
        name_messages(tree)
        fixable = validate(tree, name)
        upload.add(name, tree, describe(tree), fixable)
    return upload, refused


def _is_dmn(tree: etree._ElementTree) -> bool:
    namespace = etree.QName(tree.getroot()).namespace or ""
    return namespace != BPMN_NS and "DMN" in namespace.upper()


def _upload_dialect(upload: Upload) -> tuple[str, list[ValidationIssue]]:
    camunda = [f.name for f in upload.bpmn if uses_namespace(f.tree.getroot(), CAMUNDA_NS)]
    spiff = [f.name for f in upload.bpmn if uses_namespace(f.tree.getroot(), SPIFF_NS)]
    if camunda and spiff:
        return "spiff", [
            ValidationIssue(
                f"the upload mixes Camunda extensions ({', '.join(camunda)}) with SpiffWorkflow ones "
                f"({', '.join(spiff)}); draw them for one engine"
            )
        ]
    return ("camunda" if camunda else "spiff"), []


def _fixable(upload: Upload, upload_wide: list[ValidationIssue]) -> dict[str, list[ValidationIssue]]:
    """What keeps each process from running, by process key."""
    issues: dict[str, list[ValidationIssue]] = {p.id: list(upload_wide) for f in upload.bpmn for p in f.processes}
    keys = set(issues)
    for file in upload.bpmn:
        for issue in [*file.issues, *file.call_issues(keys)]:
            owner = file.process_of.get(issue.element_id or "")
            for key in [owner] if owner in issues else [p.id for p in file.processes]:
                issues[key].append(issue)
    for table in upload.dmn:
        for key in dmn_targets(table, upload):
            issues[key] += table.issues
    called_unrunnable(upload, issues)
    return issues


def _compile(
    upload: Upload, dialect: str, issues: dict[str, list[ValidationIssue]]
) -> dict[str, tuple[Any, dict[str, Any], str]]:
    """Specs of the processes with no issues; what SpiffWorkflow refuses becomes their issues."""
    if all(issues.values()):
        return {}
    parser = parser_for(dialect)
    for file in upload.files:
        try:
            if file.info is None:
                parser.add_dmn_xml(file.tree.getroot(), filename=file.name)
            else:
                file.splits = make_splits_explicit(file.tree) + make_ends_explicit(file.tree)
                _mark_executable(file.tree, {p.id for p in file.processes})
                parser.add_bpmn_xml(file.tree, filename=file.name)
        except Exception as exc:  # noqa: BLE001 - untrusted input: any parser crash is the diagram's problem
            targets = dmn_targets(file, upload) if file.info is None else [p.id for p in file.processes]
            issue = _spiff_issue(exc, upload, file.name)
            for key in targets:
                if issue.element_id is None and issues[key]:
                    continue  # a file-wide refusal in SpiffWorkflow's words (a data store…) that Kapula's checks said
                issues[key].append(issue)
    for decision_parser in parser.dmn_parsers.values():
        try:
            decision_parser.parse()  # Spiff parses tables lazily; surface their errors at upload time
        except Exception as exc:  # noqa: BLE001 - see above
            for key in dmn_targets(upload.file(decision_parser.filename), upload):
                issues[key].append(_spiff_issue(exc, upload, decision_parser.filename))
    try:
        table_problems = decision_issues(parser)
    except Exception:  # noqa: BLE001 - a table that does not parse was reported just above
        table_problems = []
    for name, ident, problem in table_problems:
        issue = ValidationIssue(f"the decision table cannot run: {problem}", ident, upload.line_of(ident, name), name)
        for key in dmn_targets(upload.file(name), upload):
            issues[key].append(issue)
    called_unrunnable(upload, issues)
    return {key: spec for key, spec in _specs(parser, upload, dialect, issues).items() if not issues[key]}


def _specs(
    parser: BpmnDmnParser, upload: Upload, dialect: str, issues: dict[str, list[ValidationIssue]]
) -> dict[str, tuple[Any, dict[str, Any], str]]:
    specs: dict[str, tuple[Any, dict[str, Any], str]] = {}
    for file in upload.bpmn:
        for process in file.processes:
            if issues[process.id]:
                continue
            try:
                spec, subprocess_specs = parser.get_spec(process.id), parser.get_subprocess_specs(process.id)
                wire_event_subprocesses(spec, subprocess_specs)
                name_condition_flows([spec, *subprocess_specs.values()], [f.tree for f in upload.bpmn])
                text = spec_to_json(serializer_for(dialect), spec, subprocess_specs)
                specs[process.id] = (spec, subprocess_specs, text)
            except Exception as exc:  # noqa: BLE001 - see _compile
                issues[process.id].append(_spiff_issue(exc, upload, file.name))
    return specs


def _mark_executable(tree: etree._ElementTree, keys: set[str]) -> None:
    # Spiff refuses isExecutable="false", which bpmn.io writes on every new diagram; Kapula's rule
    # (engine.bpmn_xml.inspect) has already decided which processes run.
    for process in tree.getroot().findall("bpmn:process", NS):
        if process.get("id") in keys:
            process.set("isExecutable", "true")


def _spiff_issue(exc: Exception, upload: Upload, default_file: str) -> ValidationIssue:
    if not isinstance(exc, ValidationException):
        # e.g. a task kind the dialect parses but its serializer cannot store (Camunda's ServiceTask)
        return ValidationIssue(f"the engine cannot run this: {type(exc).__name__}: {exc}", file=default_file)
    message = str(exc.args[0]) if exc.args else str(exc)
    if "RecursionError" in message:
        # Spiff parses a path recursively, about two frames per node: ~450 nodes in a row is its limit.
        message = "a path of the diagram is too long (the limit is about 450 elements in a row)"
    element_id = getattr(exc, "id", "") or None
    filename = getattr(exc, "file_name", "") or default_file
    line = getattr(exc, "line_number", None)
    if not isinstance(line, int) or not line:
        line = upload.line_of(element_id, filename)
    return ValidationIssue(f"the engine cannot run this: {message}", element_id, line, filename)


def _capped(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    if len(issues) <= MAX_ISSUES:
        return issues
    more = ValidationIssue(f"... and {len(issues) - MAX_ISSUES} more problems")
    return [*issues[:MAX_ISSUES], more]


def _single_name(files: list[tuple[str, bytes]]) -> str | None:
    return files[0][0] if len(files) == 1 else None
