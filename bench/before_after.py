"""HTTP load before and after a change, in one run: `bench/load.py` of an older commit and of this
checkout, interleaved (before, after, before, after, ...), each on a fresh database of its own.

The older commit is checked out in a temporary `git worktree`; each side runs its own
`bench/load.py` (its own seeding, migrations and checks) with PYTHONPATH pointed at its tree, so
`kapula serve` runs that tree's code. SQLite runs get a new file each; PostgreSQL runs a new
database each on the server of `--postgres` (created and dropped here). Prints one row per run
with the load average, then a Markdown table of the medians.

    python bench/before_after.py --before 96c855e                   # SQLite 1 process, PostgreSQL 1 and 2
    python bench/before_after.py --before 96c855e --rounds 1 --configs sqlite:1
    python bench/before_after.py --before 27adfd1 --configs sqlite:1 --bare   # and server CPU vs a bare app
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FIGURES = ("completions_per_s", "requests_per_s", "p50_ms", "p95_ms", "p99_ms")
CPU = ("server_cpu_ms_per_request", "bare_fastapi_cpu_ms_per_request", "cpu_per_request_vs_bare")


@dataclass(frozen=True)
class Run:
    code: str  # "before" or "after"
    database: str  # "sqlite" or "postgresql"
    processes: int
    summary: dict[str, Any]
    load_before: float
    load_after: float


def load_average() -> float:
    """The 1-minute load average (Linux /proc/loadavg)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def checkout(commit: str, into: Path) -> Path:
    """A detached worktree of `commit` under `into`; raises CalledProcessError when git refuses."""
    tree = into / f"kapula-before-{commit}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True, capture_output=True, text=True
    )
    return tree


class Databases:
    """Fresh databases for the runs: SQLite files in a temporary folder, or PostgreSQL databases on
    the server of `postgres` (dropped again by `drop`)."""

    def __init__(self, folder: Path, postgres: str) -> None:
        self.folder, self.postgres = folder, postgres
        self._made: list[str] = []

    def new(self, kind: str) -> str:
        name = f"kapula_ba_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        self._admin(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return self.postgres.rsplit("/", 1)[0] + "/" + name

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            for path in Path(url.removeprefix("sqlite:///")).parent.glob(Path(url).name + "*"):
                path.unlink()
            return
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.remove(name)

    def drop_all(self) -> None:
        for name in list(self._made):
            self.drop(self.postgres.rsplit("/", 1)[0] + "/" + name)

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        url = self.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()


def run_load(tree: Path, database_url: str, processes: int, cases: int, workers: int, *, bare: bool = False) -> dict[str, Any]:
    """`tree`'s own bench/load.py on `database_url` (with `bare`: `--bare 1`, which both trees'
    load.py must know); its JSON summary (problems listed under "problem_lines"). Raises
    RuntimeError when it printed no summary."""
    args = [
        sys.executable,
        str(tree / "bench" / "load.py"),
        "--database",
        database_url,
        "--processes",
        str(processes),
        "--cases",
        str(cases),
        "--workers",
        str(workers),
        *(["--bare", "1"] if bare else []),
    ]
    done = subprocess.run(args, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True)
    out = done.stdout
    start = out.find("{")
    if start < 0:
        raise RuntimeError(
            f"{tree.name}: bench/load.py printed no summary (exit {done.returncode}): {(done.stderr or out)[-1500:]}"
        )
    decoder = json.JSONDecoder()
    summary, end = decoder.raw_decode(out[start:])
    summary["problem_lines"] = [line for line in out[start + end :].splitlines() if line.startswith("PROBLEM")]
    return dict(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the older commit (the 'before' code)")
    parser.add_argument("--rounds", type=int, default=2, help="before/after pairs per configuration")
    parser.add_argument("--configs", default="sqlite:1,postgresql:1,postgresql:2", help="database:processes, comma-separated")
    parser.add_argument("--cases", type=int, default=120)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument(
        "--bare", action="store_true", help="also the server's CPU per request against a bare FastAPI app (load.py --bare 1)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KAPULA_BENCH_POSTGRES", POSTGRES),
        help="a PostgreSQL URL whose server may create and drop databases",
    )
    args = parser.parse_args()
    configs = [(kind, int(n)) for kind, n in (c.split(":") for c in args.configs.split(","))]
    with tempfile.TemporaryDirectory(prefix="kapula-before-after-") as tmp:
        folder = Path(tmp)
        before = checkout(args.before, folder)
        databases = Databases(folder, args.postgres)
        runs: list[Run] = []
        try:
            for _round in range(args.rounds):
                for kind, processes in configs:
                    for code, tree in (("before", before), ("after", ROOT)):
                        url = databases.new(kind)
                        began = load_average()
                        try:
                            summary = run_load(tree, url, processes, args.cases, args.workers, bare=args.bare)
                        finally:
                            databases.drop(url)
                        run = Run(code, kind, processes, summary, began, load_average())
                        runs.append(run)
                        print(
                            json.dumps(
                                {
                                    "code": code,
                                    "database": kind,
                                    "processes": processes,
                                    **{
                                        k: summary.get(k)
                                        for k in (*FIGURES, "requests", "completions", "problems", *CPU)
                                        if k in summary
                                    },
                                    "load_avg": [run.load_before, run.load_after],
                                    "at": time.strftime("%H:%M:%S", time.gmtime()),
                                }
                            ),
                            flush=True,
                        )
        finally:
            databases.drop_all()
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False)
        print(table(runs, args.before))


def table(runs: list[Run], before: str) -> str:
    """A Markdown table: every run in order, then the median of each side per configuration."""
    lines = [
        "| database | processes | code | completions/s | requests/s | p50 ms | p95 ms | p99 ms | problems | load avg (start–end) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        s = r.summary
        lines.append(
            f"| {r.database} | {r.processes} | {r.code} | {s['completions_per_s']} | {s['requests_per_s']} | "
            f"{s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['problems']} | "
            f"{r.load_before:.1f}–{r.load_after:.1f} |"
        )
    lines.append("")
    lines.append(f"Medians (before = {before}):")
    lines.append("")
    lines.append("| database | processes | code | runs | completions/s | p50 ms | p95 ms | p99 ms |")
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|")
    keys = dict.fromkeys((r.database, r.processes, r.code) for r in runs)
    for kind, processes, code in keys:
        mine = [r.summary for r in runs if (r.database, r.processes, r.code) == (kind, processes, code)]
        med = {k: statistics.median(s[k] for s in mine) for k in FIGURES}
        lines.append(
            f"| {kind} | {processes} | {code} | {len(mine)} | {med['completions_per_s']:.1f} | "
            f"{med['p50_ms']:.0f} | {med['p95_ms']:.0f} | {med['p99_ms']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
