"""The import contracts in pyproject.toml hold: the domain never imports its adapters."""

from __future__ import annotations

import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        code = lint_imports()
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 broken" in out


# SpiffWorkflow's workflow and task API, by attribute name: a service that uses one drives
# SpiffWorkflow itself instead of through engine.runtime.stepping (docs/architecture.md, "A step")
_DRIVING = frozenset(
    {
        "run_engine",
        "do_engine_steps",
        "run",
        "get_tasks",
        "get_task_from_id",
        "get_next_task",
        "refresh_timers",
        "refresh_waiting_tasks",
        "hand_data",
        "catch",
        "cancel",
        "event_manager",
        "bpmn_events",
        "workflow",
        "last_task",
        "task_tree",
        "subprocesses",
    }
)
# ...and what a task or its spec is made of
_TASK_PARTS = frozenset({"task_spec", "bpmn_id", "bpmn_name", "has_state", "internal_data"})


def _reached(path: Path) -> set[str]:
    """The attribute names `path` reads or calls, except those of the stepping module itself."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id == "stepping"):
            found.add(node.attr)
    return found


def test_services_reach_no_workflow_objects():
    """The use cases hold a case's LiveCase and step it through engine.runtime.stepping; they never
    touch SpiffWorkflow's workflow, tasks or task specs (the import contract checks the imports)."""
    reached = {
        path.name: sorted(_reached(path) & (_DRIVING | _TASK_PARTS))
        for path in sorted((ROOT / "engine" / "services").glob("*.py"))
    }
    reached["incidents.py (engine)"] = sorted(_reached(ROOT / "engine" / "incidents.py") & (_DRIVING | _TASK_PARTS))
    assert {name: names for name, names in reached.items() if names} == {}


def test_case_store_and_versions_drive_no_workflow():
    """The case store loads and writes cases, every step driven by engine.runtime.stepping; it and
    the versions (engine.definitions) hand a transition's task to engine.runtime to be named, and
    read nothing of it themselves."""
    for name in ("case_store.py", "definitions.py"):
        assert _reached(ROOT / "engine" / name) & (_DRIVING | _TASK_PARTS) == set(), name


def test_architecture_test_sees_a_driving_call(tmp_path):
    """The check above would catch a service that runs a task itself."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f(ctx, stepping):\n    stepping.complete(ctx.live)\n    ctx.live.workflow.run_engine()\n")
    assert _reached(sample) & _DRIVING == {"workflow", "run_engine"}


# what engine.expressions may import of the engine: the pure leaves (pyproject.toml's contract forbids the
# rest by name; this test holds it to an allow-list, so a new engine module is not let in unnoticed)
_EXPRESSION_LEAVES = frozenset({"engine.errors", "engine.model", "engine.settings", "engine.data_limits", "engine.vocabulary"})


def _engine_imports(path: Path) -> set[str]:
    """The engine modules `path` imports, by dotted name (`from engine import x` as engine.x)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "engine"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "engine":
            module = node.module or ""
            found |= {f"{module}.{alias.name}" for alias in node.names} if module == "engine" else {module}
    return found


def test_the_expression_language_imports_only_pure_leaves():
    """engine.expressions (the sandbox, FEEL, timer texts) is shared by the upload checks and the
    script engine; of the engine it imports only itself and the pure leaves, never engine.runtime."""
    outside = {
        path.name: sorted(
            m for m in _engine_imports(path) if m not in _EXPRESSION_LEAVES and not m.startswith("engine.expressions")
        )
        for path in sorted((ROOT / "engine" / "expressions").glob("*.py"))
    }
    assert {name: modules for name, modules in outside.items() if modules} == {}
    assert _engine_imports(ROOT / "engine" / "expressions" / "evaluation.py") >= {"engine.data_limits"}


def test_the_leaf_check_sees_an_engine_import(tmp_path):
    """The check above would catch the leaf reaching back into engine.runtime."""
    sample = tmp_path / "sample.py"
    sample.write_text("from engine import runtime\nfrom engine.runtime.labels import element_label\nimport engine.errors\n")
    assert _engine_imports(sample) == {"engine.runtime", "engine.runtime.labels", "engine.errors"}
