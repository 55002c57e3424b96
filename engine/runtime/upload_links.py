"""The files of one upload and what links them: which process owns an element, which process calls
which, which decision tables a process uses; so that a problem keeps only the processes it touches
from running."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn_xml.inspect import BPMN_NS, CAMUNDA_NS, NS, DiagramInfo, ProcessInfo
from engine.model import ValidationIssue


@dataclass
class UploadFile:
    """One parsed file: BPMN (with `info`) or DMN (`info` None), and what keeps it from running."""

    name: str
    tree: etree._ElementTree
    info: DiagramInfo | None
    issues: list[ValidationIssue] = field(default_factory=list)
    splits: list[tuple[str, str, str]] = field(default_factory=list)  # gateways the loader inserted

    @property
    def processes(self) -> tuple[ProcessInfo, ...]:
        return self.info.processes if self.info is not None else ()

    @functools.cached_property
    def lines(self) -> dict[str, int]:
        return {i: e.sourceline for i, e in reversed(self._by_id) if e.sourceline}

    @functools.cached_property
    def names(self) -> dict[str, str]:
        return {i: " ".join(e.get("name", "").split()) for i, e in reversed(self._by_id) if e.get("name", "").strip()}

    @functools.cached_property
    def process_of(self) -> dict[str, str]:
        """Element id -> the id of the process that holds it."""
        owners: dict[str, str] = {}
        for process in self.tree.getroot().findall("bpmn:process", NS):
            for element in process.iter():
                if isinstance(element.tag, str) and element.get("id"):
                    owners.setdefault(element.get("id", ""), process.get("id", ""))
        return owners

    @functools.cached_property
    def calls(self) -> dict[str, list[etree._Element]]:
        """Process id -> its call activities."""
        return {
            process.get("id", ""): list(process.iter(f"{{{BPMN_NS}}}callActivity"))
            for process in self.tree.getroot().findall("bpmn:process", NS)
        }

    @functools.cached_property
    def decisions_used(self) -> dict[str, set[str]]:
        """Process id -> the decision ids its business rule tasks name (SpiffWorkflow or Camunda)."""
        used: dict[str, set[str]] = {}
        for process in self.tree.getroot().findall("bpmn:process", NS):
            refs = {
                *(t.strip() for t in process.xpath(".//spiffworkflow:calledDecisionId/text()", namespaces=NS)),
                *(e.get(f"{{{CAMUNDA_NS}}}decisionRef", "") for e in process.iter(f"{{{BPMN_NS}}}businessRuleTask")),
            }
            used[process.get("id", "")] = {r for r in refs if r}
        return used

    @functools.cached_property
    def decisions(self) -> set[str]:
        """Decision ids a DMN file defines."""
        return {d.get("id", "") for d in self.tree.getroot().iter("{*}decision") if d.get("id")}

    def call_issues(self, keys: set[str]) -> list[ValidationIssue]:
        # Spiff resolves call activities only among the files it was given, i.e. this upload.
        return [
            ValidationIssue(
                f"Call activity {_called(call)} calls process '{call.get('calledElement')}', which is not in this upload",
                call.get("id"),
                call.sourceline,
                self.name,
            )
            for calls in self.calls.values()
            for call in calls
            if call.get("calledElement") not in keys
        ]

    @functools.cached_property
    def _by_id(self) -> list[tuple[str, etree._Element]]:
        return [(e.get("id", ""), e) for e in self.tree.getroot().iter() if isinstance(e.tag, str) and e.get("id")]


@dataclass
class Upload:
    """The parsed files of one upload, in upload order."""

    files: list[UploadFile] = field(default_factory=list)

    def add(self, name: str, tree: etree._ElementTree, info: DiagramInfo | None, issues: list[ValidationIssue]) -> None:
        self.files.append(UploadFile(name, tree, info, list(issues)))

    @property
    def bpmn(self) -> list[UploadFile]:
        return [f for f in self.files if f.info is not None]

    @property
    def dmn(self) -> list[UploadFile]:
        return [f for f in self.files if f.info is None]

    def file(self, name: str | None) -> UploadFile | None:
        return next((f for f in self.files if f.name == name), None)

    def duplicate_processes(self) -> list[ValidationIssue]:
        seen: dict[str, str] = {}
        issues = []
        for file in self.bpmn:
            for process in file.processes:
                if process.id in seen:
                    issues.append(
                        ValidationIssue(
                            f"Duplicate process ID: {process.id} is defined in {seen[process.id]} and in {file.name}",
                            process.id,
                            process.line,
                            file.name,
                        )
                    )
                seen.setdefault(process.id, file.name)
        return issues

    def line_of(self, element_id: str | None, filename: str) -> int | None:
        # Spiff reads `node.line_number`, which lxml elements do not have, so its line is always empty.
        if not element_id:
            return None
        for file in sorted(self.files, key=lambda f: f.name != filename):
            if element_id in file.lines:
                return file.lines[element_id]
        return None

    def named(self, issues: list[ValidationIssue]) -> list[ValidationIssue]:
        """`issues` with the element's name filled in where the issue names only its id."""
        out = []
        for issue in issues:
            file = self.file(issue.file)
            name = file.names.get(issue.element_id or "") if file is not None else None
            if issue.element_id and not issue.element_name and name:
                issue = ValidationIssue(issue.message, issue.element_id, issue.line, issue.file, name)
            out.append(issue)
        return out


def dmn_targets(table: UploadFile | None, upload: Upload) -> list[str]:
    """The processes that use a decision of `table`; every process of the upload when none names one."""
    every = [p.id for f in upload.bpmn for p in f.processes]
    if table is None:
        return every
    users = [p.id for f in upload.bpmn for p in f.processes if f.decisions_used.get(p.id, set()) & table.decisions]
    return users or every


def called_unrunnable(upload: Upload, issues: dict[str, list[ValidationIssue]]) -> None:
    """A process that calls one that cannot run cannot run either (in place, until nothing changes)."""
    marked: set[tuple[str, str]] = set()
    changed = True
    while changed:
        changed = False
        for file in upload.bpmn:
            for process in file.processes:
                for call in file.calls.get(process.id, []):
                    called, mark = call.get("calledElement", ""), (process.id, call.get("id", ""))
                    if called == process.id or not issues.get(called) or mark in marked:
                        continue
                    marked.add(mark)
                    issues[process.id].append(
                        ValidationIssue(
                            f"Call activity {_called(call)} calls process '{called}', which cannot run yet",
                            call.get("id"),
                            call.sourceline,
                            file.name,
                        )
                    )
                    changed = True


def _called(element: etree._Element) -> str:
    name, element_id = " ".join((element.get("name") or "").split()), element.get("id")
    return f"'{name}' ({element_id})" if name else f"'{element_id}'"


def called_processes(upload: Upload, key: str) -> list[tuple[UploadFile, ProcessInfo]]:
    """The processes of the upload that `key` calls, directly or through the processes it calls, in
    the order first reached (each once; a process calling itself or its caller adds nothing new)."""
    where = {p.id: (f, p) for f in upload.bpmn for p in f.processes}
    out: list[tuple[UploadFile, ProcessInfo]] = []
    seen, todo = {key}, [key]
    while todo:
        current = todo.pop(0)
        file = where[current][0] if current in where else None
        for call in file.calls.get(current, []) if file is not None else []:
            called = call.get("calledElement", "")
            if called in where and called not in seen:
                seen.add(called)
                out.append(where[called])
                todo.append(called)
    return out
