"""`kapula test`: run Gherkin feature files against the models, each scenario on a fresh database."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from engine.bootstrap import open_kapula
from engine.clock import FakeClock
from engine.errors import KapulaError
from engine.model import Event
from engine.persistence.database import make_engine
from engine.persistence.migrate import upgrade
from engine.scenarios.catalog import ModelCatalog
from engine.scenarios.coverage import model_coverage
from engine.scenarios.errors import StepFailed, UndefinedStep
from engine.scenarios.graph import ModelGraph
from engine.scenarios.report import FAILED, PASSED, SKIPPED, UNDEFINED, ScenarioResult, StepResult, TestReport
from engine.scenarios.steps import find_step
from engine.scenarios.world import ScenarioWorld


@dataclass
class _Traces:
    """Event logs of every case the scenarios ran, by process key, with each key's model."""

    graphs: dict[str, ModelGraph] = field(default_factory=dict)
    logs: dict[str, list[list[Event]]] = field(default_factory=dict)

    def add(self, world: ScenarioWorld) -> None:
        for case_id in world.case_ids:
            case = world.kapula.get_case(case_id)
            self.graphs.setdefault(case.process_key, world.graph(case))
            self.logs.setdefault(case.process_key, []).append(world.kapula.history(case_id))


def feature_files(paths: list[Path]) -> list[Path]:
    """The .feature files named, and those under the folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        out += sorted(path.rglob("*.feature")) if path.is_dir() else [path]
    return list(dict.fromkeys(out))


def run_features(paths: list[Path], *, models: Path, forms: Path | None = None) -> TestReport:
    """Run every scenario of the feature files under `paths` against the models in `models`."""
    catalog = ModelCatalog(models, forms)
    report = TestReport()
    traces = _Traces()
    with _databases() as fresh_database:
        for path in feature_files(paths):
            try:
                pickles = _compile(path)
            except (OSError, UnicodeDecodeError, CompositeParserException, ParserError) as exc:
                report.problems.append(f"{path}: {exc}")
                continue
            for pickle, lines in pickles:
                with fresh_database() as url:
                    report.scenarios.append(_run_scenario(path, pickle, lines, url, catalog, traces))
    report.coverage = [model_coverage(graph, traces.logs[key]) for key, graph in sorted(traces.graphs.items())]
    report.unexercised = [f"{e.name} ({e.key})" for e in catalog.entries if e.key not in traces.graphs]
    return report


def _compile(path: Path) -> list[tuple[dict[str, Any], dict[str, tuple[str, int]]]]:
    """The feature's scenarios (outlines expanded, backgrounds included) with each AST step's keyword and line."""
    document: dict[str, Any] = dict(Parser().parse(path.read_text(encoding="utf-8")))
    document["uri"] = str(path)
    steps: dict[str, tuple[str, int]] = {}
    rows: dict[str, str] = {}
    for node in _walk(document.get("feature") or {}):
        if "keyword" in node and "text" in node and "id" in node:
            steps[node["id"]] = (node["keyword"], node["location"]["line"])
        for examples in node.get("examples", []):
            header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
            for row in examples.get("tableBody", []):
                rows[row["id"]] = ", ".join(f"{h}={c['value']}" for h, c in zip(header, row["cells"], strict=False))
    pickles: list[dict[str, Any]] = Compiler().compile(document)  # type: ignore[arg-type,assignment]  # gherkin's TypedDicts: the dict is the document with its uri
    for pickle in pickles:
        row = next((rows[i] for i in pickle["astNodeIds"][1:] if i in rows), None)
        if row is not None:
            pickle["name"] = f"{pickle['name']} [{row}]"
    return [(p, steps) for p in pickles]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _run_scenario(
    path: Path, pickle: dict[str, Any], lines: dict[str, tuple[str, int]], url: str, catalog: ModelCatalog, traces: _Traces
) -> ScenarioResult:
    clock = FakeClock()
    kapula = open_kapula(url, clock=clock, migrate=False)
    world = ScenarioWorld(kapula, clock, catalog)
    results: list[StepResult] = []
    failed = False
    try:
        for step in pickle["steps"]:
            keyword, line = lines.get(step["astNodeIds"][0], ("*", 0))
            if failed:
                results.append(StepResult(keyword, step["text"], line, SKIPPED))
                continue
            status, message = _run_step(world, step)
            results.append(StepResult(keyword, step["text"], line, status, message))
            failed = status != PASSED
        traces.add(world)
    finally:
        kapula.close()
    return ScenarioResult(str(path), pickle["name"], pickle["location"]["line"], tuple(results))


def _run_step(world: ScenarioWorld, step: dict[str, Any]) -> tuple[str, str | None]:
    table = step.get("argument", {}).get("dataTable")
    rows = [[c["value"] for c in r["cells"]] for r in table["rows"]] if table else None
    try:
        definition, args = find_step(step["text"])
        definition.action(world, rows, **args)
    except UndefinedStep as exc:
        return UNDEFINED, str(exc)
    except StepFailed as exc:
        return FAILED, str(exc)
    except KapulaError as exc:
        return FAILED, exc.message
    except Exception as exc:  # a bug in a step must fail its scenario, not end the whole run
        return FAILED, f"unexpected {type(exc).__name__}: {exc}"
    return PASSED, None


@contextmanager
def _databases() -> Iterator[Any]:
    """Fresh SQLite databases: one is migrated, then each scenario gets a copy of it (migrating
    each from scratch would cost more than most scenarios)."""
    with tempfile.TemporaryDirectory(prefix="kapula-test-") as folder:
        template = Path(folder) / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        counter = iter(range(1_000_000))

        @contextmanager
        def fresh() -> Iterator[str]:
            db = Path(folder) / f"scenario-{next(counter)}.db"
            shutil.copyfile(template, db)
            try:
                yield f"sqlite:///{db}"
            finally:
                db.unlink(missing_ok=True)

        yield fresh
