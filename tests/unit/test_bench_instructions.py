"""bench/instructions.py: the measured steps are the ones bench/run.py times, and the dumps are read
right. Outside valgrind the client requests do nothing, so the child runs here as it would under it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import instructions

needs_toolchain = pytest.mark.skipif(
    shutil.which("gcc") is None or not Path("/usr/include/valgrind/callgrind.h").exists(),
    reason="needs gcc and valgrind's callgrind.h",
)


@needs_toolchain
def test_the_child_measures_every_three_lane_step_and_loop_steps_10_to_19(tmp_path, capsys):
    library = instructions._build(tmp_path)  # noqa: SLF001
    instructions._child(str(library), cases=1)  # noqa: SLF001
    steps = capsys.readouterr().out.split("KAPULA_STEPS ", 1)[1]
    assert instructions.json.loads(steps) == {
        "three-lane a": 4,
        "three-lane b": 4,
        "three-lane c": 4,
        "loop a": 10,
        "loop b": 10,
        "loop c": 10,
    }


def test_the_dumps_are_read_by_their_labels(tmp_path):
    (tmp_path / "cg.out.1").write_text(
        "version: 1\ndesc: Trigger: Client Request: three-lane c\nevents: Ir\nsummary: 4000\ntotals: 4000\n"
    )
    (tmp_path / "cg.out.2").write_text("version: 1\ndesc: Trigger: Client Request: three-lane b\nevents: Ir\ntotals: 8000\n")
    (tmp_path / "cg.out").write_text("desc: Trigger: Program termination\ntotals: 99\n")
    totals = instructions._totals(tmp_path)  # noqa: SLF001
    assert totals == {"three-lane c": 4000, "three-lane b": 8000}
    lines = instructions.report(totals | {"three-lane a": 800}, {"three-lane a": 4, "three-lane b": 4, "three-lane c": 4})
    assert "| three-lane (every step) | (c) Kapula complete_task, SQLite | 4 | 1,000 | 0.50× |" in lines
