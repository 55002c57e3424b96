"""Benchmark: the database pages SQLite writes at each Kapula step's commit, and in which b-trees.

Each step's WAL frames are counted exactly: before the step another connection checkpoints the WAL
and truncates it (`PRAGMA wal_checkpoint(TRUNCATE)`), so afterwards the WAL holds the step's frames
alone (one frame per page written; a transaction writes a page once). The frames' page numbers are
mapped to tables and indexes with the `dbstat` virtual table. Counts, not times: they do not move
with the machine's load.

    python bench/pages.py                 # 30 three-lane cases, 3 loop cases from their tenth step on
    python bench/pages.py --prefill 1500  # and three-lane steps in a database of 1,500 cases
"""

from __future__ import annotations

import argparse
import sqlite3
import struct
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `python bench/pages.py` finds the engine package

from bench.run import BPMN_DIR, LOOP, THREE_LANES, DataFor, loop_data, three_lane_data  # noqa: E402
from engine.bootstrap import open_kapula  # noqa: E402
from engine.bundles import model_bundle  # noqa: E402

_WAL_HEADER, _FRAME_HEADER = 32, 24


def wal_pages(wal: Path, page_size: int) -> list[int]:
    """The page numbers of the WAL's valid frames, in order (a frame whose salt differs from the
    header's is left over from before the last reset, and ends the list)."""
    raw = wal.read_bytes() if wal.exists() else b""
    salt = raw[16:24]
    pages: list[int] = []
    at = _WAL_HEADER
    while at + _FRAME_HEADER + page_size <= len(raw) and raw[at + 8 : at + 16] == salt:
        pages.append(struct.unpack(">I", raw[at : at + 4])[0])
        at += _FRAME_HEADER + page_size
    return pages


def count_pages(model: tuple[str, str], data_for: DataFor, cases: int, steps: int, skip: int) -> tuple[list[int], Counter[str]]:
    """Pages written by each of steps skip+1 … steps of `cases` cases (one after another), and per
    b-tree (table or index name) the number of those steps' pages that belong to it."""
    filename, key = model
    per_step: list[int] = []
    by_tree: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="kapula-pages-") as tmp:
        db = Path(tmp) / "bench.db"
        kapula = open_kapula(f"sqlite:///{db}")
        side = sqlite3.connect(db, isolation_level=None)
        try:
            kapula.deploy(model_bundle(BPMN_DIR / filename))
            page_size = side.execute("PRAGMA page_size").fetchone()[0]
            for _ in range(cases):
                case = kapula.start_case(key, {})
                for step in range(1, steps + 1):
                    tasks = kapula.ready_tasks(case_id=case.id)
                    if not tasks:
                        break
                    side.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    kapula.complete_task(tasks[0].id, data_for(tasks[0].element_id))
                    if step <= skip:
                        continue
                    pages = wal_pages(Path(f"{db}-wal"), page_size)
                    per_step.append(len(pages))
                    owner = dict(side.execute("SELECT pageno, name FROM dbstat").fetchall())
                    by_tree.update(owner.get(p, "?") for p in set(pages))
        finally:
            side.close()
            kapula.close()
    return per_step, by_tree


def count_pages_after(prefill: int, cases: int) -> tuple[list[int], Counter[str]]:
    """As count_pages on the three-lane model, in a database that already holds `prefill` completed
    cases, with `cases` open cases stepped in turn (one step of each, then the next round): a big
    database's indexes no longer fit a page or two, so an entry that moves across an index writes
    the pages at both ends."""
    per_step: list[int] = []
    by_tree: Counter[str] = Counter()
    filename, key = THREE_LANES
    with tempfile.TemporaryDirectory(prefix="kapula-pages-") as tmp:
        db = Path(tmp) / "bench.db"
        kapula = open_kapula(f"sqlite:///{db}")
        side = sqlite3.connect(db, isolation_level=None)
        try:
            kapula.deploy(model_bundle(BPMN_DIR / filename))
            page_size = side.execute("PRAGMA page_size").fetchone()[0]
            for _ in range(prefill):
                case = kapula.start_case(key, {})
                while tasks := kapula.ready_tasks(case_id=case.id):
                    kapula.complete_task(tasks[0].id, three_lane_data(tasks[0].element_id))
            stepped = [kapula.start_case(key, {}) for _ in range(cases)]
            for _round in range(10):
                for case in stepped:
                    tasks = kapula.ready_tasks(case_id=case.id)
                    if not tasks:
                        continue
                    side.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    kapula.complete_task(tasks[0].id, three_lane_data(tasks[0].element_id))
                    pages = wal_pages(Path(f"{db}-wal"), page_size)
                    per_step.append(len(pages))
                    owner = dict(side.execute("SELECT pageno, name FROM dbstat").fetchall())
                    by_tree.update(owner.get(p, "?") for p in set(pages))
        finally:
            side.close()
            kapula.close()
    return per_step, by_tree


def report(title: str, per_step: list[int], by_tree: Counter[str]) -> list[str]:
    n = len(per_step)
    ordered = sorted(per_step)
    lines = [f"{title}: {n} steps, pages a step: mean {sum(per_step) / n:.2f}, median {ordered[n // 2]}, max {ordered[-1]}"]
    lines += [f"  {name:<36} {count / n:5.2f}" for name, count in by_tree.most_common()]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30, help="three-lane cases (4 steps each)")
    parser.add_argument("--loop-steps", type=int, default=30, help="steps of each of 3 loop cases; the first 9 are not counted")
    parser.add_argument(
        "--prefill", type=int, default=0, help="also: three-lane cases completed first, then 40 cases stepped in turn"
    )
    args = parser.parse_args(argv)
    print("\n".join(report("three-lane", *count_pages(THREE_LANES, three_lane_data, args.cases, 10, 0))))
    print("\n".join(report("loop, step 10 on", *count_pages(LOOP, loop_data, 3, args.loop_steps, 9))))
    if args.prefill > 0:
        title = f"three-lane after {args.prefill} cases, 40 cases in turn"
        print("\n".join(report(title, *count_pages_after(args.prefill, 40))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
