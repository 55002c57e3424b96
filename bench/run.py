"""Benchmark: per-user-task cost of raw SpiffWorkflow, SpiffWorkflow saved as JSON every step, and Kapula on SQLite."""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `python bench/run.py` finds the engine package

import SpiffWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.task import Task  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine.bootstrap import open_kapula  # noqa: E402
from engine.bundles import model_bundle  # noqa: E402
from engine.runtime.script_engine import SafeScriptEngine  # noqa: E402
from engine.runtime.workflow import KapulaWorkflow  # noqa: E402
from engine.services import Kapula  # noqa: E402

# Every step is timed with this clock: the process's CPU time by default (this process does all the
# work, SQLite included, so other programs on a shared machine barely move it); --wall for elapsed time.
clock: Callable[[], float] = time.process_time

BPMN_DIR = ROOT / "tests" / "fixtures" / "bpmn"
THREE_LANES = ("three_lanes.bpmn", "Handoff_demo")
LOOP = ("loop.bpmn", "Loop_demo")

# What each user task of the three-lane model gets; needs_funding False takes the default branch,
# so a case has 4 user tasks: describe, prepare, aftercare, feedback.
THREE_LANE_DATA: dict[str, dict[str, Any]] = {
    "Task_describe": {"need": "kasvu"},
    "Task_prepare": {"needs_funding": False},
    "Task_aftercare": {"notes": "ok"},
    "Task_feedback": {"satisfaction": 4},
}
LOOP_DATA: dict[str, Any] = {"again": True}

DataFor = Callable[[str], dict[str, Any]]


def three_lane_data(element_id: str) -> dict[str, Any]:
    return dict(THREE_LANE_DATA.get(element_id, {}))


def loop_data(_element_id: str) -> dict[str, Any]:
    return dict(LOOP_DATA)


@dataclass
class Config:
    """How much to measure: the full run or --quick."""

    cases: int = 30  # three-lane cases per engine
    reps: int = 3  # looping cases per engine
    window: int = 10  # loop steps measured from each checkpoint on
    loop_points: tuple[int, ...] = (10, 450, 1000)
    json_max_steps: int = 520  # raw JSON save/load loop is O(n^2) overall; never drive it further
    paired_width: int = 200  # alternate steps measured on the shallow and the deep case


QUICK = Config(cases=3, reps=1, window=3, loop_points=(10, 100), json_max_steps=120, paired_width=5)


@dataclass
class Run:
    """One case driven step by step: the seconds each user task took, and how it ended."""

    times: list[float] = field(default_factory=list)
    lookups: list[float] = field(default_factory=list)  # Kapula only: ready_tasks(case_id=...)
    sizes: list[int] = field(default_factory=list)  # JSON only: bytes saved after each step
    stalled_at: int | None = None  # the step whose user task never became ready, if any


# -- raw SpiffWorkflow -------------------------------------------------------------------------------


def load_spec(filename: str, process_id: str) -> tuple[Any, dict[str, Any]]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN_DIR / filename))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def make_serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def ready_user_task(workflow: BpmnWorkflow) -> Task | None:
    return workflow.get_next_task(state=TaskState.READY, manual=True)


def _complete(workflow: BpmnWorkflow, task: Task, data_for: DataFor) -> None:
    task.data.update(data_for(task.task_spec.bpmn_id))
    task.run()
    workflow.do_engine_steps()


def _complete_as_kapula(workflow: KapulaWorkflow, task: Task, data_for: DataFor) -> None:
    """The step Kapula's services run, without the database: bounded engine run, then the index moves on.
    (getattr: KapulaWorkflow's method names changed while this benchmark was written; take either.)"""
    task.data.update(data_for(task.task_spec.bpmn_id))
    task.run()
    getattr(workflow, "run_engine", workflow.do_engine_steps)()
    (getattr(workflow, "mark_saved", None) or workflow.advance_index)()


def run_in_memory(spec: Any, subs: dict[str, Any], data_for: DataFor, max_steps: int, *, kapula_workflow: bool = False) -> Run:
    """(a) raw BpmnWorkflow, or KapulaWorkflow with Kapula's script engine: one case, all in memory."""
    if kapula_workflow:
        workflow: BpmnWorkflow = KapulaWorkflow(spec, subs, script_engine=SafeScriptEngine())
        workflow.sync_open_tasks()
    else:
        workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    run = Run()
    while len(run.times) < max_steps and not workflow.completed:
        start = clock()
        task = ready_user_task(workflow)
        if task is None:
            run.stalled_at = len(run.times) + 1
            break
        if isinstance(workflow, KapulaWorkflow):
            _complete_as_kapula(workflow, task, data_for)
        else:
            _complete(workflow, task, data_for)
        run.times.append(clock() - start)
    return run


class BlobStore:
    """The naive way to make (b) durable: the whole JSON in one SQLite row, one commit per task,
    with the same pragmas Kapula uses (WAL, synchronous=NORMAL)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    def save(self, state: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO cases (id, state) VALUES (1, ?)", (state,))

    def load(self) -> str:
        return str(self._db.execute("SELECT state FROM cases WHERE id = 1").fetchone()[0])

    def close(self) -> None:
        self._db.close()


def run_json_roundtrip(
    spec: Any, subs: dict[str, Any], data_for: DataFor, max_steps: int, *, store: BlobStore | None = None
) -> Run:
    """(b) raw BpmnWorkflow loaded from JSON before and saved to JSON after every user task;
    with `store`, the JSON is also read from and committed to a SQLite row around each task."""
    serializer = make_serializer()
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    if store is not None:
        store.save(state)
    run = Run()
    while len(run.times) < max_steps:
        start = clock()
        workflow = serializer.deserialize_json(store.load() if store is not None else state)
        if workflow.completed:
            break
        task = ready_user_task(workflow)
        if task is None:
            run.stalled_at = len(run.times) + 1
            break
        _complete(workflow, task, data_for)
        state = serializer.serialize_json(workflow)
        if store is not None:
            store.save(state)
        run.times.append(clock() - start)
        run.sizes.append(len(state.encode()))
    return run


# -- Kapula --------------------------------------------------------------------------------------


@contextmanager
def kapula_on_sqlite(*models: tuple[str, str]) -> Iterator[Kapula]:
    """A Kapula on a fresh SQLite file with `models` deployed; closed and deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="kapula-bench-") as tmp:
        kapula = open_kapula(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            for filename, _key in models:
                kapula.deploy(model_bundle(BPMN_DIR / filename))
            yield kapula
        finally:
            kapula.close()


def run_kapula(kapula: Kapula, key: str, data_for: DataFor, max_steps: int, *, cold_at: frozenset[int] = frozenset()) -> Run:
    """(c) one Kapula case: each step looks the task up (timed apart) and completes it (one commit).
    At the steps in `cold_at` the in-memory case cache is emptied first, so the case loads from the rows."""
    case = kapula.start_case(key, {})
    run = Run()
    while len(run.times) < max_steps:
        step = len(run.times) + 1
        if step in cold_at:
            kapula._store.cache.clear()  # noqa: SLF001 - the benchmark wants a cold load on purpose
        start = clock()
        tasks = kapula.ready_tasks(case_id=case.id)
        found = clock()
        if not tasks:
            if kapula.get_case(case.id).status.value == "running":
                run.stalled_at = step
            break
        kapula.complete_task(tasks[0].id, data_for(tasks[0].element_id))
        run.times.append(clock() - found)
        run.lookups.append(found - start)
    return run


def paired_depth(kapula: Kapula, key: str, data_for: DataFor, shallow: int, deep: int, width: int) -> tuple[float, float]:
    """Median ms of a step at iteration `shallow` and at iteration `deep`, measured alternately on two
    cases in the same database, so that load on this shared machine hits both sides alike."""
    deep_case = kapula.start_case(key, {})
    for _ in range(deep - 1):  # drive the deep case there untimed
        kapula.complete_task(kapula.ready_tasks(case_id=deep_case.id)[0].id, data_for(""))
    shallow_case = kapula.start_case(key, {})
    for _ in range(shallow - 1):
        kapula.complete_task(kapula.ready_tasks(case_id=shallow_case.id)[0].id, data_for(""))
    times: dict[int, list[float]] = {shallow_case.id: [], deep_case.id: []}
    for _ in range(width):
        for case_id in (shallow_case.id, deep_case.id):
            task = kapula.ready_tasks(case_id=case_id)[0]
            start = clock()
            kapula.complete_task(task.id, data_for(task.element_id))
            times[case_id].append(clock() - start)
    return statistics.median(times[shallow_case.id]) * 1000, statistics.median(times[deep_case.id]) * 1000


# -- measurements --------------------------------------------------------------------------------


def ms(seconds: list[float]) -> float | None:
    """Median in milliseconds, or None when nothing was measured."""
    return statistics.median(seconds) * 1000 if seconds else None


def window(times: list[float], point: int, width: int) -> list[float]:
    """Step times of iterations point .. point+width-1 (1-based), as far as the run got."""
    return times[point - 1 : point - 1 + width]


def three_lane_results(cfg: Config) -> dict[str, float | None]:
    """Median ms per user task of the three-lane model for each engine: one case of each engine in
    turn, so that load from other work on the machine falls on all of them alike."""
    spec, subs = load_spec(*THREE_LANES)
    steps = 50  # more than a case has; the case ends first
    raw: list[Run] = []
    kwf: list[Run] = []
    js: list[Run] = []
    js_db: list[Run] = []
    warm: list[Run] = []
    cold: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="kapula-bench-") as tmp, kapula_on_sqlite(THREE_LANES) as kapula:
        store = BlobStore(Path(tmp) / "blob.db")
        for _ in range(cfg.cases):
            raw.append(run_in_memory(spec, subs, three_lane_data, steps))
            kwf.append(run_in_memory(spec, subs, three_lane_data, steps, kapula_workflow=True))
            js.append(run_json_roundtrip(spec, subs, three_lane_data, steps))
            js_db.append(run_json_roundtrip(spec, subs, three_lane_data, steps, store=store))
            warm.append(run_kapula(kapula, THREE_LANES[1], three_lane_data, steps))
            cold.append(run_kapula(kapula, THREE_LANES[1], three_lane_data, steps, cold_at=frozenset(range(1, steps))))
        store.close()
    return {
        "tasks_per_case": float(len(raw[0].times)),
        "a_raw": ms(_all(raw)),
        "a_kapula_workflow": ms(_all(kwf)),
        "b_json": ms(_all(js)),
        "b_json_bytes": float(max(r.sizes[-1] for r in js)),
        "b_json_sqlite": ms(_all(js_db)),
        "c_kapula": ms(_all(warm)),
        "c_lookup": ms([t for r in warm for t in r.lookups]),
        "c_with_lookup": ms([t + u for r in warm for t, u in zip(r.times, r.lookups, strict=True)]),
        "c_cold": ms(_all(cold)),
    }


def _all(runs: list[Run]) -> list[float]:
    return [t for r in runs for t in r.times]


@dataclass
class LoopRow:
    """One engine in the looping case: median ms around each checkpoint, or why there is none."""

    label: str
    medians: dict[int, float | None]
    stalled_at: int | None
    capped_at: int | None = None
    sizes: dict[int, int] = field(default_factory=dict)


def _loop_row(label: str, runs: list[Run], cfg: Config, capped_at: int | None = None) -> LoopRow:
    medians = {p: ms([t for r in runs for t in window(r.times, p, cfg.window)]) for p in cfg.loop_points}
    stalls = [r.stalled_at for r in runs if r.stalled_at is not None]
    sizes = {p: runs[0].sizes[p - 1] for p in cfg.loop_points if len(runs[0].sizes) >= p}
    stalled_at = min(stalls) if stalls else None
    return LoopRow(label, medians, stalled_at, capped_at if stalled_at is None else None, sizes)


def loop_results(cfg: Config) -> list[LoopRow]:
    """Step cost at each checkpoint of a `Loop_demo` case that keeps looping (again=True)."""
    spec, subs = load_spec(*LOOP)
    steps = max(cfg.loop_points) + cfg.window - 1
    json_steps = min(steps, cfg.json_max_steps)
    cold_steps = frozenset(p + i for p in cfg.loop_points for i in range(cfg.window))
    rows = [
        _loop_row("(a) raw BpmnWorkflow, in memory", [run_in_memory(spec, subs, loop_data, steps) for _ in range(cfg.reps)], cfg),
        _loop_row(
            "KapulaWorkflow, in memory",
            [run_in_memory(spec, subs, loop_data, steps, kapula_workflow=True) for _ in range(cfg.reps)],
            cfg,
        ),
        _loop_row(
            "(b) raw + JSON load/save per step",
            [run_json_roundtrip(spec, subs, loop_data, json_steps) for _ in range(cfg.reps)],
            cfg,
            capped_at=json_steps if json_steps < steps else None,
        ),
    ]
    with kapula_on_sqlite(LOOP) as kapula:
        warm = [run_kapula(kapula, LOOP[1], loop_data, steps) for _ in range(cfg.reps)]
        cold = [run_kapula(kapula, LOOP[1], loop_data, steps, cold_at=cold_steps) for _ in range(cfg.reps)]
    rows.append(_loop_row("(c) Kapula complete_task, SQLite", warm, cfg))
    rows.append(_loop_row("(c) Kapula ready_tasks(case_id)", [Run(times=r.lookups) for r in warm], cfg))
    rows.append(_loop_row("(c) Kapula complete_task, cache cleared", cold, cfg))
    with kapula_on_sqlite(LOOP) as kapula:
        shallow, deep = paired_depth(kapula, LOOP[1], loop_data, cfg.loop_points[0], cfg.loop_points[-1], cfg.paired_width)
    paired = {p: None for p in cfg.loop_points} | {cfg.loop_points[0]: shallow, cfg.loop_points[-1]: deep}
    rows.append(LoopRow("(c) Kapula complete_task, two cases stepped alternately", paired, None))
    return rows


# -- report --------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def report_three_lanes(r: dict[str, float | None]) -> list[str]:
    a, b = r["a_raw"], r["b_json"]
    lines = [
        f"Three-lane model (Handoff_demo, default branch, {r['tasks_per_case']:.0f} user tasks a case); median ms per user task",
        "| engine | ms/task | × (a) | × (b) |",
        "|---|---:|---:|---:|",
    ]
    rows = [
        ("(a) raw BpmnWorkflow, in memory", a),
        ("KapulaWorkflow + SafeScriptEngine, in memory", r["a_kapula_workflow"]),
        (f"(b) raw + JSON load/save per task ({r['b_json_bytes']:.0f} B saved)", b),
        ("(b') as (b), JSON also read from / committed to one SQLite row", r["b_json_sqlite"]),
        ("(c) Kapula complete_task, SQLite commit", r["c_kapula"]),
        ("(c) Kapula ready_tasks(case_id) lookup alone", r["c_lookup"]),
        ("(c) Kapula lookup + complete_task", r["c_with_lookup"]),
        ("(c) Kapula complete_task, cache cleared", r["c_cold"]),
    ]
    lines += [f"| {name} | {_fmt(v)} | {_fmt(_ratio(v, a), '×')} | {_fmt(_ratio(v, b), '×')} |" for name, v in rows]
    c = r["c_kapula"]
    lines.append(f"target (c) <= (b): {_verdict(c, b, 1.0)};  target (c) <= 3 × (a): {_verdict(c, a, 3.0)}")
    lines.append(
        f"with lookup: (c) <= (b): {_verdict(r['c_with_lookup'], b, 1.0)};  <= 3 × (a): {_verdict(r['c_with_lookup'], a, 3.0)}"
    )
    return lines


def _verdict(value: float | None, base: float | None, factor: float) -> str:
    ratio = _ratio(value, base)
    if ratio is None:
        return "not measured"
    return f"{'MET' if ratio <= factor else 'MISSED'} ({ratio:.2f}× of base)"


def report_loop(rows: list[LoopRow], cfg: Config) -> list[str]:
    points = cfg.loop_points
    head = " | ".join(f"step {p}" for p in points)
    lines = [
        f"Looping case (Loop_demo, again=True); median ms of steps p..p+{cfg.window - 1}, {cfg.reps} case(s) each",
        f"| engine | {head} | step {points[-1]} / step {points[0]} | note |",
        "|---|" + "---:|" * (len(points) + 1) + "---|",
    ]
    for row in rows:
        cells = " | ".join(_fmt(row.medians[p]) for p in points)
        growth = _fmt(_ratio(row.medians[points[-1]], row.medians[points[0]]), "×")
        lines.append(f"| {row.label} | {cells} | {growth} | {_loop_note(row)} |")
    for label, how in (
        ("(c) Kapula complete_task, SQLite", "one case after another"),
        ("(c) Kapula complete_task, two cases stepped alternately", "two cases stepped alternately"),
    ):
        kapula = next(r for r in rows if r.label == label)
        target = _verdict(kapula.medians[points[-1]], kapula.medians[points[0]], 1.2)
        lines.append(f"target Kapula step {points[-1]} <= 1.2 × step {points[0]} ({how}): {target}")
    return lines


def _loop_note(row: LoopRow) -> str:
    notes = []
    if row.stalled_at is not None:
        notes.append(f"stalled: user task of step {row.stalled_at} never became ready")
    if row.capped_at is not None:
        notes.append(f"not driven past step {row.capped_at} (cap)")
    if row.sizes:
        notes.append("saved " + ", ".join(f"{s / 1000:.0f} kB at {p}" for p, s in row.sizes.items()))
    return "; ".join(notes)


def machine() -> str:
    import os

    return f"nproc={os.cpu_count()}, Python {platform.python_version()}, SpiffWorkflow {_spiff_version()}, {platform.platform()}"


def _spiff_version() -> str:
    from importlib.metadata import version

    return getattr(SpiffWorkflow, "__version__", None) or version("SpiffWorkflow")


def profile_kapula(steps: int = 600) -> None:
    """Print where warm Kapula complete_task calls spend their time (three-lane cases)."""
    profiler = cProfile.Profile()
    with kapula_on_sqlite(THREE_LANES) as kapula:
        complete = kapula.complete_task

        def profiled(task_id: str, data: dict[str, Any] | None = None) -> Any:
            profiler.enable()
            try:
                return complete(task_id, data)
            finally:
                profiler.disable()

        kapula.complete_task = profiled  # type: ignore[method-assign]
        done = 0
        while done < steps:
            done += len(run_kapula(kapula, THREE_LANES[1], three_lane_data, 50).times)
    _print_profile(pstats.Stats(profiler), done)


ENGINE_DIR = str(ROOT / "engine") + "/"


def _package(filename: str, function: str) -> str:
    if filename.startswith(ENGINE_DIR):
        return "Kapula (engine/)"
    for marker in ("sqlalchemy", "SpiffWorkflow", "json"):
        if marker in filename:
            return marker
    return "sqlite3 (C)" if "sqlite3" in function else "builtins and other stdlib (called from all of the above)"


def _print_profile(stats: pstats.Stats, calls: int) -> None:
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"{calls} complete_task calls, {total / calls * 1000:.2f} ms each under the profiler")
    shares: dict[str, float] = {}
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        shares[_package(filename, function)] = shares.get(_package(filename, function), 0.0) + row[2]
    print("own time by package:")
    for name, spent in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"  {spent / total:6.1%}  {name}")
    print("cumulative time of Kapula's own functions:")
    ranked = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])  # type: ignore[attr-defined]
    for (filename, line, function), row in [kv for kv in ranked if kv[0][0].startswith(ENGINE_DIR)][:12]:
        print(f"  {row[3] / total:6.1%}  engine/{filename[len(ENGINE_DIR) :]}:{line}({function})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts; finishes in seconds")
    parser.add_argument("--profile", action="store_true", help="profile Kapula's complete_task instead")
    parser.add_argument("--wall", action="store_true", help="time steps by elapsed time instead of this process's CPU time")
    parser.add_argument("--part", choices=("all", "three-lanes", "loop"), default="all", help="run only one of the two models")
    args = parser.parse_args(argv)
    global clock
    clock = time.perf_counter if args.wall else time.process_time
    if args.profile:
        profile_kapula()
        return 0
    cfg = QUICK if args.quick else Config()
    started = time.perf_counter()
    print(machine())
    print(f"clock: {'elapsed (perf_counter)' if args.wall else 'CPU time of this process (process_time)'}")
    if args.part in ("all", "three-lanes"):
        print("\n".join(report_three_lanes(three_lane_results(cfg))))
        print()
    if args.part in ("all", "loop"):
        print("\n".join(report_loop(loop_results(cfg), cfg)))
    print(f"\n(total {time.perf_counter() - started:.0f} s{', --quick' if args.quick else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
