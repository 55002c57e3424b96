"""Benchmark: instructions per step (valgrind's callgrind), the counts the machine's load does not move.

`bench/run.py` times steps in CPU seconds, and on this shared 2-core machine the same code's ratio
(c)/(b) moved 1.01-1.21x between runs of one hour (bench/README.md, issue 14). Callgrind counts the
instructions the process executes, exactly, whatever else the machine does: the same code and
inputs give the same count. It does not count time: instructions that miss the CPU caches or wait
for the kernel cost more than others, so a ratio of instructions is not a ratio of seconds (see
the README for both, side by side). Use it to tell whether a change made a step do less work.

The script builds a three-function C library against valgrind's `callgrind.h` (gcc), then runs
itself under `valgrind --tool=callgrind --collect-atstart=no`: collection is switched on only
around each measured step (client requests from that library, called through ctypes), and the
counters are dumped after each engine's steps, so startup, imports and the unmeasured warm-up
steps are not counted. Engines, as in bench/run.py: (a) raw SpiffWorkflow in memory, (b) the
naive JSON load/save of the whole workflow per step, (c) Kapula's `complete_task` on SQLite;
on the three-lane model (every step of a case) and the loop model (steps 10-19 of a case).

    python bench/instructions.py              # about 3-5 minutes (everything runs ~50x slower under valgrind)
    python bench/instructions.py --cases 3    # fewer cases
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_CHILD = "KAPULA_INSTRUCTIONS_CHILD"  # set in the run under valgrind: the library's path
_C_SOURCE = """
#include <valgrind/callgrind.h>
void kapula_cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void kapula_cg_zero(void) { CALLGRIND_ZERO_STATS; }
void kapula_cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""
LOOP_FROM, LOOP_TO = 10, 19  # the loop's measured steps (bench/run.py's "from the tenth step on")


# -- the run under valgrind -------------------------------------------------------------------------


class Meter:
    """Client requests to callgrind: collect only inside `step()`; `dump(label)` after an engine."""

    def __init__(self, library: str) -> None:
        self._lib = ctypes.CDLL(library)
        self._lib.kapula_cg_dump.argtypes = [ctypes.c_char_p]
        self.steps: dict[str, int] = {}
        self._label = ""

    def start(self, label: str) -> None:
        self._lib.kapula_cg_zero()
        self._label = label
        self.steps[label] = 0

    @contextmanager
    def step(self) -> Iterator[None]:
        self._lib.kapula_cg_toggle()
        try:
            yield
        finally:
            self._lib.kapula_cg_toggle()
            self.steps[self._label] += 1

    def dump(self) -> None:
        self._lib.kapula_cg_dump(self._label.encode())


def _child(library: str, cases: int) -> None:
    from bench import run as b  # noqa: PLC0415 - imported only in the measured process

    meter = Meter(library)
    warm_up = 2

    def raw_case(spec: Any, subs: dict[str, Any], data_for: b.DataFor, measured: Callable[[int], bool]) -> None:
        workflow = b.BpmnWorkflow(spec, subs)
        workflow.do_engine_steps()
        step = 0
        while not workflow.completed and step < LOOP_TO:
            step += 1
            if measured(step):
                with meter.step():  # the look-up counts too, as in bench/run.py's (a)
                    task = b.ready_user_task(workflow)
                    if task is not None:
                        b._complete(workflow, task, data_for)  # noqa: SLF001 - the benchmark's own step
            else:
                task = b.ready_user_task(workflow)
                if task is not None:
                    b._complete(workflow, task, data_for)  # noqa: SLF001
            if task is None:
                return

    def json_step(serializer: Any, state: str, data_for: b.DataFor) -> str | None:
        workflow = serializer.deserialize_json(state)
        task = None if workflow.completed else b.ready_user_task(workflow)
        if task is None:
            return None
        b._complete(workflow, task, data_for)  # noqa: SLF001
        return str(serializer.serialize_json(workflow))

    def json_case(spec: Any, subs: dict[str, Any], data_for: b.DataFor, measured: Callable[[int], bool]) -> None:
        serializer = b.make_serializer()
        workflow = b.BpmnWorkflow(spec, subs)
        workflow.do_engine_steps()
        state: str | None = serializer.serialize_json(workflow)
        step = 0
        while state is not None and step < LOOP_TO:
            step += 1
            if not serializer.deserialize_json(state).get_next_task(state=b.TaskState.READY, manual=True):
                return  # the case ended: (b) counts only steps that complete a task
            if measured(step):
                with meter.step():
                    state = json_step(serializer, state, data_for)
            else:
                state = json_step(serializer, state, data_for)

    def kapula_case(kapula: Any, key: str, data_for: b.DataFor, measured: Callable[[int], bool]) -> None:
        case = kapula.start_case(key, {})
        step = 0
        while step < LOOP_TO and (tasks := kapula.ready_tasks(case_id=case.id)):
            step += 1
            data = data_for(tasks[0].element_id)
            if measured(step):
                with meter.step():
                    kapula.complete_task(tasks[0].id, data)
            else:
                kapula.complete_task(tasks[0].id, data)

    def every(_step: int) -> bool:
        return True

    def never(_step: int) -> bool:
        return False

    def loop_window(step: int) -> bool:
        return LOOP_FROM <= step <= LOOP_TO

    for model, data_for, measured in ((b.THREE_LANES, b.three_lane_data, every), (b.LOOP, b.loop_data, loop_window)):
        name = "three-lane" if model is b.THREE_LANES else "loop"
        spec, subs = b.load_spec(*model)
        for engine, run_case in (("a", raw_case), ("b", json_case)):
            for _ in range(warm_up):
                run_case(spec, subs, data_for, never)
            meter.start(f"{name} {engine}")
            for _ in range(cases):
                run_case(spec, subs, data_for, measured)
            meter.dump()
        with b.kapula_on_sqlite(model) as kapula:
            for _ in range(warm_up):
                kapula_case(kapula, model[1], data_for, never)
            meter.start(f"{name} c")
            for _ in range(cases):
                kapula_case(kapula, model[1], data_for, measured)
            meter.dump()
    print("KAPULA_STEPS " + json.dumps(meter.steps))


# -- the parent: build, run, read the dumps -----------------------------------------------------------


def _build(folder: Path) -> Path:
    header = Path("/usr/include/valgrind/callgrind.h")
    if shutil.which("valgrind") is None or shutil.which("gcc") is None or not header.exists():
        raise SystemExit("bench/instructions.py needs valgrind (with /usr/include/valgrind/callgrind.h) and gcc")
    source = folder / "meter.c"
    source.write_text(_C_SOURCE)
    library = folder / "meter.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)  # noqa: S603, S607
    return library


def _totals(folder: Path) -> dict[str, int]:
    """{label: instructions} from callgrind's dump files (each names its trigger and has `totals:`)."""
    found: dict[str, int] = {}
    for dump in sorted(folder.glob("cg.out*")):
        text = dump.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.MULTILINE)
        total = re.search(r"^(?:totals|summary): (\d+)", text, re.MULTILINE)
        if label and total:
            found[label.group(1).strip()] = int(total.group(1))
    return found


def measure(cases: int) -> tuple[dict[str, int], dict[str, int]]:
    """({label: instructions}, {label: steps}) for labels '<model> <engine>'."""
    with tempfile.TemporaryDirectory(prefix="kapula-instructions-") as tmp:
        folder = Path(tmp)
        library = _build(folder)
        env = dict(os.environ, **{_CHILD: str(library)}, PYTHONPATH=str(ROOT))
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            f"--callgrind-out-file={folder / 'cg.out'}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--cases",
            str(cases),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        marker = [line for line in done.stdout.splitlines() if line.startswith("KAPULA_STEPS ")]
        if done.returncode != 0 or not marker:
            raise SystemExit(f"the run under valgrind failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        return _totals(folder), json.loads(marker[0].removeprefix("KAPULA_STEPS "))


def report(instructions: dict[str, int], steps: dict[str, int]) -> list[str]:
    lines = ["| model | engine | steps | instructions a step | × (b) |", "|---|---|---:|---:|---:|"]
    names = {
        "a": "(a) raw SpiffWorkflow, in memory",
        "b": "(b) raw + JSON load/save per step",
        "c": "(c) Kapula complete_task, SQLite",
    }
    for model in ("three-lane", "loop"):
        base = instructions.get(f"{model} b", 0) / max(steps.get(f"{model} b", 0), 1)
        where = "steps 10-19" if model == "loop" else "every step"
        for engine in ("a", "b", "c"):
            label = f"{model} {engine}"
            if label not in instructions or not steps.get(label):
                continue  # not measured
            per = instructions[label] / steps[label]
            ratio = f"{per / base:.2f}×" if base else "–"
            lines.append(f"| {model} ({where}) | {names[engine]} | {steps[label]} | {per:,.0f} | {ratio} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5, help="measured cases per engine and model (default 5)")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    library = os.environ.get(_CHILD)
    if library:
        _child(library, args.cases)
        return 0
    instructions, steps = measure(args.cases)
    print("\n".join(report(instructions, steps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
