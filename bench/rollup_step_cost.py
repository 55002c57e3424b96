"""What the rollup triggers cost a step: one process, three SQLite files with the three-lane model,
the triggers as migration 0015 made them in one, as 0012 made them in another, none in the third;
cases take turns between them (so load from other work hits both
alike), and the median complete_task and start_case are compared. Results go in bench/README.md.

It also counts the SQLite virtual machine instructions a complete_task runs in each (a progress
handler called at every instruction): a count, not a time, so it does not move with the load."""

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
from sqlalchemy import Engine, event  # noqa: E402

from engine.rollups.store import drop_triggers, install_triggers  # noqa: E402

_OPCODES = [0]


def _count_opcodes(dbapi_connection: object, _record: object) -> None:
    def tick() -> int:
        _OPCODES[0] += 1
        return 0

    dbapi_connection.set_progress_handler(tick, 1)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--opcodes", action="store_true", help="count SQLite instructions instead of timing")
    args = parser.parse_args()
    if args.opcodes:
        event.listen(Engine, "connect", _count_opcodes)
    key = THREE_LANES[1]
    names = ("0015", "0012", "without")  # the triggers as that migration made them, or none
    with ExitStack() as stack:
        kapulas = {name: stack.enter_context(kapula_on_sqlite(THREE_LANES)) for name in names}
        for name, kapula in kapulas.items():
            with kapula._sessions() as session:  # noqa: SLF001 - the benchmark swaps the triggers on purpose
                if name == "without":
                    drop_triggers(session.connection())
                else:
                    install_triggers(session.connection(), revision=int(name))
                session.commit()
        steps: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        ops: dict[str, list[int]] = {name: [] for name in names}
        starts: dict[str, list[float]] = {name: [] for name in names}
        for i in range(args.cases * len(names)):
            name = names[i % len(names)]
            kapula = kapulas[name]
            t = time.perf_counter()
            case = kapula.start_case(key, {})
            starts[name].append(time.perf_counter() - t)
            while tasks := kapula.ready_tasks(case_id=case.id):
                t, c, o = time.perf_counter(), time.process_time(), _OPCODES[0]
                kapula.complete_task(tasks[0].id, three_lane_data(tasks[0].element_id))
                steps[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
                ops[name].append(_OPCODES[0] - o)
        for name in names:
            if args.opcodes:
                print(f"rollup triggers {name:8} complete_task SQLite instructions mean {statistics.mean(ops[name]):.1f}")
                continue
            print(
                f"rollup triggers {name:8} complete_task median {statistics.median(steps[name]) * 1000:.3f} ms"
                f" (CPU {statistics.median(cpu[name]) * 1000:.3f} ms)"
                f" ({len(steps[name])} steps)  start_case median {statistics.median(starts[name]) * 1000:.3f} ms"
            )


if __name__ == "__main__":
    main()
