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

from sqlalchemy import Engine, text  # noqa: E402

from engine.export.rows import Pseudonyms  # noqa: E402
from engine.export.run import export_log  # noqa: E402
from engine.metrics.report import process_metrics  # noqa: E402
from engine.metrics.types import MetricsFilter  # noqa: E402
from engine.persistence.database import make_engine  # noqa: E402
from engine.persistence.migrate import upgrade  # noqa: E402
from engine.render.swimlane import build_swimlane, render  # noqa: E402
from metrics_log import KEY, generate  # noqa: E402

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


def metrics_on(engine: Engine) -> Any:
    with engine.connect() as conn, conn.begin():
        return process_metrics(conn, MetricsFilter(KEY), now=NOW)


def bench_backend(kind: str, events: int, repeat: int, pg_url: str, csv_path: Path | None) -> dict[str, Any]:
    with database(kind, pg_url) as engine:
        started = time.perf_counter()
        written = generate(engine, events)
        if kind == "postgresql":
            # what autovacuum does to a live database: statistics, and the visibility map that lets
            # the percentile reads scan the task_span indexes alone (after a bulk COPY they are unset)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        generated = time.perf_counter() - started
        seconds, m = timed(lambda: metrics_on(engine), repeat)
        if csv_path is not None:
            with engine.connect() as conn, csv_path.open("w", encoding="utf-8", newline="") as out:
                export_log(conn, MetricsFilter(KEY), "csv", out, process_name=KEY, names=Pseudonyms(b"bench"))
    return {"backend": kind, "events": written, "generate_s": generated, "metrics_s": seconds, "metrics": m}


def bench_pm4py(csv_path: Path, repeat: int) -> dict[str, float]:
    """PM4Py on the same log (read from Kapula's CSV export): load, case durations, handover network."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        import pm4py

        started = time.perf_counter()
        df = pd.read_csv(csv_path)
        df = df[df["transition"] == "complete"]
        df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
        loaded = time.perf_counter() - started
        durations, _ = timed(lambda: pm4py.get_all_case_durations(df), repeat)
        handover, _ = timed(lambda: pm4py.discover_handover_of_work_network(df, resource_key="lane"), repeat)
    return {"load_s": loaded, "durations_s": durations, "handover_s": handover, "events": float(len(df))}


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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("KAPULA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-pm4py", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path = None if args.no_pm4py else Path(folder) / "log.csv"
        runs = [bench_backend("sqlite", args.events, args.repeat, args.postgres, csv_path)]
        if not args.no_postgres:
            runs.append(bench_backend("postgresql", args.events, args.repeat, args.postgres, None))
        for r in runs:
            m = r["metrics"]
            print(f"{r['backend']:10} {r['events']:>9} events  generated in {r['generate_s']:.1f} s  full metrics {r['metrics_s']:.2f} s"
                  f"  ({m.cases.started} cases, {len(m.stages)} stages, {len(m.handoffs)} lane pairs)")
        if csv_path is not None:
            p = bench_pm4py(csv_path, args.repeat)
            print(f"pm4py      {int(p['events']):>9} complete events  read+format {p['load_s']:.2f} s  case durations {p['durations_s']:.2f} s"
                  f"  handover network {p['handover_s']:.2f} s")
    r = bench_render(args.repeat)
    print(f"render     300 elements / 20 lanes  build {r['build_s'] * 1000:.0f} ms  svg {r['svg_s']:.2f} s  png {r['png_s']:.2f} s")


if __name__ == "__main__":
    main()
