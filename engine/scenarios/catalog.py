"""The models a scenario can deploy: the processes in a folder and the files each needs with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn_xml.inspect import BPMN_NS, describe
from engine.bpmn_xml.secure import parse_xml
from engine.bundles import model_bundle
from engine.errors import DiagramError, NotFoundError

BPMN_SUFFIX = ".bpmn"


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
    calls: set[str] = field(default_factory=set)  # process keys its call activities call


class ModelCatalog:
    """The .bpmn and .dmn files of a models folder (`bpmn/` by default), indexed by process."""

    def __init__(self, folder: Path, forms: Path | None = None) -> None:
        self.folder = Path(folder)
        self.forms_folder = forms if forms is not None else self.folder.parent / "forms"
        self._diagrams = [_read_diagram(p) for p in sorted(self.folder.glob(f"*{BPMN_SUFFIX}"))]

    @property
    def entries(self) -> list[CatalogEntry]:
        return [e for d in self._diagrams for e in d.processes]

    def find(self, key_or_name: str) -> CatalogEntry:
        """The process whose key, name or pool name is `key_or_name` (exact first, then ignoring case).
        Raises NotFoundError."""
        for same in (names_equal, names_equal_ignoring_case):
            for entry in self.entries:
                if any(v is not None and same(v, key_or_name) for v in (entry.key, entry.name, entry.pool)):
                    return entry
        raise NotFoundError(f"process in {self.folder}", key_or_name)

    def files_for(self, entry: CatalogEntry) -> list[tuple[str, bytes]]:
        """The upload for `entry`: the bundle of its .bpmn (card, decision tables, forms) and of
        every diagram its call activities call."""
        files: dict[str, bytes] = {}
        for diagram in self._closure(entry.path):
            for name, content in model_bundle(diagram.path, self.forms_folder):
                files.setdefault(name, content)
        return list(files.items())

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


def _read_diagram(path: Path) -> _Diagram:
    try:
        tree = parse_xml(path.read_bytes(), filename=path.name)
    except DiagramError:
        return _Diagram(path, [])  # the deploy step reports what is wrong with it
    info = describe(tree)
    root = tree.getroot()
    entries = [CatalogEntry(p.id, p.name, p.pool, path) for p in info.processes]
    calls = {c.get("calledElement", "") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
    return _Diagram(path, entries, calls - {""})


def names_equal(a: str, b: str) -> bool:
    return a == b


def names_equal_ignoring_case(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
