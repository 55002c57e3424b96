"""Benchmark (issue 14 item 2): the first step after a restart, deep in a loop against early in it.

Two cases of the loop model (one user task per iteration) in one SQLite database: one driven to
iteration `--shallow` (100), one to `--deep` (5,000). Then, alternately on the two cases, the case
cache is emptied (a restart) and one task is completed: that step includes the cold load. Measured
as CPU time of this process (SQLite included), the medians' ratio deep / shallow, once restoring
only the open part of the case (the default) and once restoring every task row (the earlier way),
in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.bootstrap import open_kapula  # noqa: E402
from engine.bundles import model_bundle  # noqa: E402
from engine.services import Kapula  # noqa: E402

MODEL = ROOT / "tests" / "fixtures" / "bpmn" / "loop.bpmn"
KEY = "Loop_demo"


def step(kapula: Kapula, case_id: int) -> None:
    (task,) = kapula.ready_tasks(case_id=case_id)
    kapula.complete_task(task.id, {"again": True})


def cold_step_ms(kapula: Kapula, case_id: int) -> float:
    kapula._store.cache.clear()  # noqa: SLF001 - a restart, on purpose
    start = time.process_time()
    step(kapula, case_id)
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shallow", type=int, default=100)
    parser.add_argument("--deep", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kapula-cold-") as tmp:
        kapula = open_kapula(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            kapula.deploy(model_bundle(MODEL))
            cases = {}
            for depth in (args.shallow, args.deep):
                case = kapula.start_case(KEY, {})
                for _ in range(depth - 1):
                    step(kapula, case.id)
                cases[depth] = case.id
            for open_part in (True, False):
                kapula._store.restore_open_part = open_part  # noqa: SLF001
                times: dict[int, list[float]] = {args.shallow: [], args.deep: []}
                for _ in range(args.reps):
                    for depth, case_id in cases.items():
                        times[depth].append(cold_step_ms(kapula, case_id))
                shallow, deep = statistics.median(times[args.shallow]), statistics.median(times[args.deep])
                label = "open part" if open_part else "every row"
                print(
                    f"restore from {label:9}: first step after a restart at iteration {args.shallow}: {shallow:.2f} ms CPU, "
                    f"at {args.deep}: {deep:.2f} ms CPU; ratio {deep / shallow:.2f}x (medians of {args.reps})"
                )
        finally:
            kapula.close()


if __name__ == "__main__":
    main()
