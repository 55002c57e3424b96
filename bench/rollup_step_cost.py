"""What the rollup triggers cost a step: one process, two SQLite files with the three-lane model,
the triggers dropped in one; cases alternate between them (so load from other work hits both
alike), and the median complete_task and start_case are compared. Results go in bench/README.md."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from run import THREE_LANES, kapula_on_sqlite, three_lane_data  # noqa: E402

from engine.rollups.store import drop_triggers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=150)
    args = parser.parse_args()
    key = THREE_LANES[1]
    with ExitStack() as stack:
        with_rollups = stack.enter_context(kapula_on_sqlite(THREE_LANES))
        without = stack.enter_context(kapula_on_sqlite(THREE_LANES))
        with without._sessions() as session:  # noqa: SLF001 - the benchmark removes the triggers on purpose
            drop_triggers(session.connection())
            session.commit()
        steps: dict[str, list[float]] = {"with": [], "without": []}
        cpu: dict[str, list[float]] = {"with": [], "without": []}
        starts: dict[str, list[float]] = {"with": [], "without": []}
        for i in range(args.cases * 2):
            name, kapula = ("with", with_rollups) if i % 2 == 0 else ("without", without)
            t = time.perf_counter()
            case = kapula.start_case(key, {})
            starts[name].append(time.perf_counter() - t)
            while tasks := kapula.ready_tasks(case_id=case.id):
                t, c = time.perf_counter(), time.process_time()
                kapula.complete_task(tasks[0].id, three_lane_data(tasks[0].element_id))
                steps[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
        for name in ("with", "without"):
            print(
                f"rollup triggers {name:8} complete_task median {statistics.median(steps[name]) * 1000:.3f} ms"
                f" (CPU {statistics.median(cpu[name]) * 1000:.3f} ms)"
                f" ({len(steps[name])} steps)  start_case median {statistics.median(starts[name]) * 1000:.3f} ms"
            )


if __name__ == "__main__":
    main()
