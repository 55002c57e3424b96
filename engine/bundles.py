"""Uploads from folders: each model with its process card, the decision tables and forms it names, and
the models its call activities call, so that `kapula load DIR` or `kapula load bpmn/*.bpmn` needs no
list of side files."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn_xml.inspect import BPMN_NS, CAMUNDA_NS, NS, flow_nodes, form_of
from engine.bpmn_xml.secure import parse_xml
from engine.errors import DiagramError
from engine.process_card import CARD_SUFFIX

Files = list[tuple[str, bytes]]


@dataclass
class _Refs:
    """What one model names outside itself."""

    processes: set[str] = field(default_factory=set)  # process ids it defines
    calls: set[str] = field(default_factory=set)  # process ids its call activities call
    decisions: set[str] = field(default_factory=set)  # decision ids its business rule tasks use
    forms: set[str] = field(default_factory=set)  # form file names of its tasks and start event


def model_bundle(model: Path, forms: Path | None = None) -> Files:
    """(filename, content) of everything `model` needs to be a self-contained version: the
    `<stem>.card.json` next to it, the decision tables next to it that define a decision it uses,
    and the forms it names, looked up in `forms` (default: the `forms/` folder next to the model's
    folder) and then next to the model. A missing table or form is left out; loading reports what
    the diagram then lacks.
    """
    return _bundle([model], [], forms)


def folder_bundles(folder: Path, forms: Path | None = None) -> list[Files]:
    """One bundle per .bpmn file of `folder` in name order; models joined by call activities share one."""
    return upload_bundles([folder], forms=forms)


def upload_bundles(paths: list[Path], *, forms: Path | None = None) -> list[Files]:
    """The uploads for the files and folders a person named: every .bpmn (a folder stands for its
    .bpmn files) in its own upload, except that models calling each other go together; decision
    tables, forms and cards named explicitly join the uploads whose models use them (each upload
    when no model names them), the rest are found next to the models as in `model_bundle`. When any
    decision table is named, only the named ones are loaded: no table is looked up next to the models
    (a folder's other .dmn files, say one holding the same decisions, never override those named).
    """
    models: list[Path] = []
    extras: list[Path] = []
    for path in paths:
        if path.is_dir():
            models += sorted(p for p in path.glob("*.bpmn") if p.is_file())
        elif path.suffix == ".bpmn":
            models.append(path)
        else:
            extras.append(path)
    if not models:
        return [[(p.name, p.read_bytes()) for p in extras]] if extras else []
    groups = _groups(list(dict.fromkeys(models)))
    users = {extra: [g for g in groups if _uses(g, extra)] for extra in extras}
    tables_named = any(e.suffix == ".dmn" for e in extras)
    return [_bundle(g, [e for e in extras if g in users[e] or not users[e]], forms, find_tables=not tables_named) for g in groups]


def _uses(group: list[Path], extra: Path) -> bool:
    if extra.suffix == ".dmn":
        return any(_decision_ids(extra) & _refs(m).decisions for m in group)
    if extra.name.endswith(CARD_SUFFIX):
        return any(extra.name == m.stem + CARD_SUFFIX for m in group)
    return any(extra.name in _refs(m).forms for m in group)


def _groups(models: list[Path]) -> list[list[Path]]:
    """Models in upload groups: a model and (transitively) the models of its folder that it calls."""
    by_folder: dict[Path, dict[Path, _Refs]] = {}
    for model in models:
        folder = by_folder.setdefault(model.parent, {})
        for sibling in sorted(model.parent.glob("*.bpmn")):
            folder.setdefault(sibling, _refs(sibling))
    groups: list[list[Path]] = []
    placed: set[Path] = set()
    for model in models:
        if model in placed:
            continue
        refs = by_folder[model.parent]
        group = _closure(model, refs)
        groups.append([p for p in group if p not in placed])
        placed.update(group)
    return [g for g in groups if g]


def _closure(model: Path, refs: dict[Path, _Refs]) -> list[Path]:
    # Only a process that exactly one file of the folder defines is looked for (the MIWG suite, for
    # one, defines the same process ids in many files).
    definers: dict[str, list[Path]] = {}
    for path, r in refs.items():
        for key in r.processes:
            definers.setdefault(key, []).append(path)
    group, todo = [model], [model]
    while todo:
        current = todo.pop()
        for key in sorted(refs[current].calls - refs[current].processes):
            called = definers[key][0] if len(definers.get(key, [])) == 1 else None
            if called is not None and called not in group:
                group.append(called)
                todo.append(called)
    return group


def _bundle(models: list[Path], extras: list[Path], forms: Path | None, *, find_tables: bool = True) -> Files:
    files: dict[str, bytes] = {}
    wanted = _Refs()
    for model in models:
        files.setdefault(model.name, model.read_bytes())
        card = model.with_name(model.stem + CARD_SUFFIX)
        if card.is_file():
            files.setdefault(card.name, card.read_bytes())
        refs = _refs(model)
        wanted.decisions |= refs.decisions
        wanted.forms |= refs.forms
    for extra in extras:
        files.setdefault(extra.name, extra.read_bytes())
    for table in sorted({t for m in models for t in m.parent.glob("*.dmn")} if find_tables else ()):
        if table.name not in files and wanted.decisions & _decision_ids(table):
            files[table.name] = table.read_bytes()
    for name in sorted(wanted.forms - set(files)):
        found = _find_form(name, models[0], forms)
        if found is not None:
            files[name] = found.read_bytes()
    return list(files.items())


def _find_form(name: str, model: Path, forms: Path | None) -> Path | None:
    if Path(name).name != name:
        return None  # a form is a file name, never a path
    for folder in (forms if forms is not None else model.parent.parent / "forms", model.parent):
        if (folder / name).is_file():
            return folder / name
    return None


def _refs(model: Path) -> _Refs:
    try:
        return _refs_of(model.resolve(), model.stat().st_mtime_ns)
    except OSError:
        return _Refs()


@functools.lru_cache(maxsize=256)
def _refs_of(model: Path, _mtime_ns: int) -> _Refs:
    try:
        root = parse_xml(model.read_bytes(), filename=model.name).getroot()
    except (DiagramError, OSError):
        return _Refs()  # loading the model reports what is wrong with it
    refs = _Refs()
    for process in root.findall("bpmn:process", NS):
        refs.processes.add(process.get("id", ""))
        for node in flow_nodes(process):
            form = form_of(node)
            if form:
                refs.forms.add(form)
    refs.calls = {c.get("calledElement", "") for c in root.iter(f"{{{BPMN_NS}}}callActivity")} - {""}
    refs.decisions = {t.strip() for t in root.xpath("//spiffworkflow:calledDecisionId/text()", namespaces=NS)}
    refs.decisions |= {e.get(f"{{{CAMUNDA_NS}}}decisionRef", "") for e in root.iter(f"{{{BPMN_NS}}}businessRuleTask")}
    refs.decisions.discard("")
    return refs


def _decision_ids(table: Path) -> set[str]:
    try:
        root = parse_xml(table.read_bytes(), filename=table.name).getroot()
    except (DiagramError, OSError):
        return set()
    return {d.get("id", "") for d in root.iter("{*}decision") if d.get("id")}
