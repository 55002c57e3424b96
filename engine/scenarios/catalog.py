"""The models a scenario can deploy: the processes in a folder and the files each needs with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn_xml.inspect import BPMN_NS, CAMUNDA_NS, KAPULA_NS, NS, SPIFF_NS, describe, form_of
from engine.bpmn_xml.secure import parse_xml
from engine.errors import DiagramError, NotFoundError

DMN_SUFFIX = ".dmn"
BPMN_SUFFIX = ".bpmn"
# A sidecar travels with its diagram: `<stem>.card.json` next to `<stem>.bpmn` (see engine/process_card.py)
SIDECAR_SUFFIXES = (".card.json",)


@dataclass(frozen=True)
class CatalogEntry:
    """One executable process found in a .bpmn file of the folder."""

    key: str
    name: str
    pool: str | None
    path: Path


@dataclass
class _Diagram:
    path: Path
    processes: list[CatalogEntry]
    decisions: set[str] = field(default_factory=set)  # decision ids the diagram calls
    calls: set[str] = field(default_factory=set)  # process keys its call activities call
    forms: set[str] = field(default_factory=set)  # form file names of its user tasks


class ModelCatalog:
    """The .bpmn and .dmn files of a models folder (`bpmn/` by default), indexed by process."""

    def __init__(self, folder: Path, forms: Path | None = None) -> None:
        self.folder = Path(folder)
        self.forms_folder = forms if forms is not None else self.folder.parent / "forms"
        self._diagrams = [_read_diagram(p) for p in sorted(self.folder.rglob(f"*{BPMN_SUFFIX}"))]
        self._decisions = {d: p for p in sorted(self.folder.rglob(f"*{DMN_SUFFIX}")) for d in _decision_ids(p)}

    @property
    def entries(self) -> list[CatalogEntry]:
        return [e for d in self._diagrams for e in d.processes]

    def find(self, key_or_name: str) -> CatalogEntry:
        """The process whose key, name or pool name is `key_or_name` (exact first, then ignoring case).
        Raises NotFoundError."""
        for same in (lambda a, b: a == b, lambda a, b: a.casefold() == b.casefold()):
            for entry in self.entries:
                if any(v is not None and same(v, key_or_name) for v in (entry.key, entry.name, entry.pool)):
                    return entry
        raise NotFoundError(f"process in {self.folder}", key_or_name)

    def files_for(self, entry: CatalogEntry) -> list[tuple[str, bytes]]:
        """The upload for `entry`: its .bpmn, the diagrams it calls, the decision tables they use,
        their forms and their sidecars."""
        diagrams = self._closure(entry.path)
        paths: list[Path] = []
        for diagram in diagrams:
            paths.append(diagram.path)
            paths += [self._decisions[d] for d in sorted(diagram.decisions) if d in self._decisions]
            paths += [s for s in _sidecars(diagram.path) if s.exists()]
            paths += [f for f in (self._form_path(name) for name in sorted(diagram.forms)) if f is not None]
        unique = list(dict.fromkeys(paths))
        return [(p.name, p.read_bytes()) for p in unique]

    def _closure(self, start: Path) -> list[_Diagram]:
        by_path = {d.path: d for d in self._diagrams}
        by_key = {e.key: d for d in self._diagrams for e in d.processes}
        todo, seen = [by_path[start]], {start}
        out = []
        while todo:
            diagram = todo.pop(0)
            out.append(diagram)
            for key in sorted(diagram.calls):
                called = by_key.get(key)
                if called is not None and called.path not in seen:
                    seen.add(called.path)
                    todo.append(called)
        return out

    def _form_path(self, name: str) -> Path | None:
        for folder in (self.folder, self.forms_folder):
            candidate = folder / name
            if candidate.is_file():
                return candidate
        return None


def _read_diagram(path: Path) -> _Diagram:
    try:
        tree = parse_xml(path.read_bytes(), filename=path.name)
    except DiagramError:
        return _Diagram(path, [])  # the deploy step reports what is wrong with it
    info = describe(tree)
    root = tree.getroot()
    entries = [CatalogEntry(p.id, p.name, p.pool, path) for p in info.processes]
    decisions = {(t.text or "").strip() for t in root.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    decisions |= {t.get(f"{{{CAMUNDA_NS}}}decisionRef", "") for t in root.iter(f"{{{BPMN_NS}}}businessRuleTask")}
    calls = {c.get("calledElement", "") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
    forms = {f for t in root.iterfind(".//bpmn:userTask", NS) if (f := form_of(t))}
    forms |= {e.get(f"{{{KAPULA_NS}}}form", "").strip() for e in root.iter() if e.get(f"{{{KAPULA_NS}}}form")}
    return _Diagram(path, entries, decisions - {""}, calls - {""}, forms)


def _decision_ids(path: Path) -> list[str]:
    try:
        root = parse_xml(path.read_bytes(), filename=path.name).getroot()
    except DiagramError:
        return []
    return [d.get("id", "") for d in root.iter() if isinstance(d.tag, str) and d.tag.endswith("}decision")]


def _sidecars(bpmn: Path) -> list[Path]:
    stem = bpmn.name[: -len(BPMN_SUFFIX)]
    return [bpmn.with_name(stem + suffix) for suffix in SIDECAR_SUFFIXES]
