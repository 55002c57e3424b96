"""Benchmark: full metrics of one process over a synthetic log of ~1,000,000 events on SQLite and
PostgreSQL, PM4Py's case durations and handover network on the same log, and drawing a
300-element, 20-lane swimlane diagram. Results go in bench/README.md."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))  # so `python bench/metrics_bench.py` finds the engine

from metrics_log import KEY, generate  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from engine.export.rows import Pseudonyms  # noqa: E402
from engine.export.run import export_log  # noqa: E402
from engine.metrics.report import process_metrics  # noqa: E402
from engine.metrics.types import MetricsFilter  # noqa: E402
from engine.persistence.database import make_engine  # noqa: E402
from engine.persistence.migrate import upgrade  # noqa: E402
from engine.render.swimlane import build_swimlane, render  # noqa: E402
from engine.rollups.store import drop_triggers, install_triggers, rebuild_rollups  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


@contextlib.contextmanager
def database(kind: str, pg_url: str) -> Iterator[Engine]:
    """A fresh SQLite file, or a throwaway schema on the PostgreSQL server."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def metrics_on(engine: Engine, *, full: bool = False) -> Any:
    with engine.connect() as conn, conn.begin():
        return process_metrics(conn, MetricsFilter(KEY), now=NOW, full=full)


def filled(kind: str, events: int, pg_url: str, stack: contextlib.ExitStack) -> tuple[Engine, int, float]:
    """A database of `kind` holding the generated log and its rollups; the seconds that took."""
    engine = stack.enter_context(database(kind, pg_url))
    started = time.perf_counter()
    with engine.begin() as conn:
        drop_triggers(conn)  # a bulk load: the rollups are summed once at the end (the migration's backfill)
    written = generate(engine, events)
    with engine.begin() as conn:
        install_triggers(conn)
        rebuild_rollups(conn)
    if kind == "postgresql":
        # what autovacuum does to a live database: statistics, and the visibility map that lets
        # the percentile reads scan the task_span indexes alone (after a bulk COPY they are unset)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return engine, written, time.perf_counter() - started


def load_pm4py(csv_path: Path) -> tuple[Any, float]:
    """PM4Py's DataFrame of the log (Kapula's CSV export, the `complete` events), and the seconds it took."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        import pm4py

        started = time.perf_counter()
        df = pd.read_csv(csv_path)
        df = df[df["transition"] == "complete"]
        df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    return df, time.perf_counter() - started


def pm4py_figures(df: Any) -> None:
    """Case durations and the handover-of-work network between lanes: PM4Py's side of the comparison."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        pm4py.get_all_case_durations(df)
        pm4py.discover_handover_of_work_network(df, resource_key="lane")


def interleaved(actions: dict[str, Callable[[], Any]], repeat: int) -> dict[str, dict[str, float]]:
    """Each action once per round, round after round, so load from other work hits them alike:
    median wall and process-CPU seconds per action (the CPU of a PostgreSQL server is not in it)."""
    wall: dict[str, list[float]] = {name: [] for name in actions}
    cpu: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            w, c = time.perf_counter(), time.process_time()
            action()
            wall[name].append(time.perf_counter() - w)
            cpu[name].append(time.process_time() - c)
    return {name: {"wall": statistics.median(wall[name]), "cpu": statistics.median(cpu[name])} for name in actions}


def bench_render(repeat: int) -> dict[str, float]:
    from tests.integration.test_swimlane import big_diagram

    d = big_diagram(300, 20)
    build, graph = timed(lambda: build_swimlane(d), repeat)
    svg, _ = timed(lambda: render(graph, "svg"), repeat)
    png, _ = timed(lambda: render(graph, "png"), 1)
    return {"build_s": build, "svg_s": svg, "png_s": png}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres", default=os.environ.get("KAPULA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-pm4py", action="store_true")
    parser.add_argument("--no-render", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        engines: dict[str, Engine] = {}
        for kind in kinds:
            engines[kind], written, generated = filled(kind, args.events, args.postgres, stack)
            print(f"{kind:10} {written:>9} events  generated in {generated:.1f} s")
        actions: dict[str, Callable[[], Any]] = {}
        for kind, engine in engines.items():
            fast, full = metrics_on(engine), metrics_on(engine, full=True)
            same = "identical" if fast == full else "DIFFERENT"
            print(
                f"{kind:10} rollups vs full recomputation: {same}  ({fast.cases.started} cases, {len(fast.stages)} stages,"
                f" {len(fast.handoffs)} lane pairs, {sum(h.count for h in fast.handoffs)} handoffs)"
            )
            actions[f"{kind} rollups"] = lambda e=engine: metrics_on(e)
            actions[f"{kind} full"] = lambda e=engine: metrics_on(e, full=True)
        if not args.no_pm4py:
            csv_path = Path(folder) / "log.csv"
            with engines["sqlite"].connect() as conn, csv_path.open("w", encoding="utf-8", newline="") as out:
                export_log(conn, MetricsFilter(KEY), "csv", out, process_name=KEY, names=Pseudonyms(b"bench"))
            df, loaded = load_pm4py(csv_path)
            print(f"pm4py      {len(df):>9} complete events  read+format {loaded:.2f} s (once)")
            actions["pm4py durations + handover"] = lambda: pm4py_figures(df)
        times = interleaved(actions, args.repeat)
        pm4py_wall = times.get("pm4py durations + handover", {}).get("wall")
        for name, t in times.items():
            ratio = f"  PM4Py / this {pm4py_wall / t['wall']:6.1f}x" if pm4py_wall and not name.startswith("pm4py") else ""
            print(f"{name:28} median wall {t['wall'] * 1000:8.1f} ms  CPU {t['cpu'] * 1000:8.1f} ms{ratio}")
    if not args.no_render:
        r = bench_render(args.repeat)
        print(
            f"render     300 elements / 20 lanes  build {r['build_s'] * 1000:.0f} ms  svg {r['svg_s']:.2f} s  png {r['png_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
