"""The benchmark still runs: tiny counts, sane shapes and positive numbers. No timing assertions."""

from __future__ import annotations

import math

from bench import run as bench

TINY = bench.Config(cases=1, reps=1, window=2, loop_points=(2, 5), json_max_steps=6, paired_width=2)


def _positive(times: list[float]) -> bool:
    return all(math.isfinite(t) and t > 0 for t in times)


def test_raw_and_kapula_workflow_in_memory_complete_tasks():
    spec, subs = bench.load_spec(*bench.THREE_LANES)
    for kapula_workflow in (False, True):
        run = bench.run_in_memory(spec, subs, bench.three_lane_data, 3, kapula_workflow=kapula_workflow)
        assert len(run.times) == 3 and _positive(run.times) and run.stalled_at is None


def test_json_roundtrip_reports_times_and_sizes(tmp_path):
    spec, subs = bench.load_spec(*bench.LOOP)
    run = bench.run_json_roundtrip(spec, subs, bench.loop_data, 5)
    assert len(run.times) == len(run.sizes) == 5 and _positive(run.times)
    assert run.sizes == sorted(run.sizes) and run.sizes[0] > 1000  # the loop's history grows
    store = bench.BlobStore(tmp_path / "blob.db")
    try:
        stored = bench.run_json_roundtrip(spec, subs, bench.loop_data, 3, store=store)
    finally:
        store.close()
    assert len(stored.times) == 3 and _positive(stored.times)


def test_kapula_runs_a_whole_three_lane_case_and_a_cold_loop():
    with bench.kapula_on_sqlite(bench.THREE_LANES, bench.LOOP) as kapula:
        case = bench.run_kapula(kapula, "Handoff_demo", bench.three_lane_data, 50)
        cold = bench.run_kapula(kapula, "Loop_demo", bench.loop_data, 5, cold_at=frozenset({2, 4}))
    assert len(case.times) == len(case.lookups) == 4  # default branch: four user tasks, then the end
    assert len(cold.times) == 5 and _positive(cold.times + cold.lookups + case.times)
    assert case.stalled_at is None and cold.stalled_at is None


def test_result_tables_have_every_row_and_a_verdict():
    lanes = bench.three_lane_results(TINY)
    assert lanes["tasks_per_case"] == 4
    assert all(v is not None and v > 0 for v in lanes.values())
    loop = bench.loop_results(TINY)
    assert len(loop) == 7
    sequential, paired = loop[:6], loop[6]
    assert all(row.medians[p] is not None and row.medians[p] > 0 for row in sequential for p in TINY.loop_points)
    first, last = TINY.loop_points[0], TINY.loop_points[-1]
    assert paired.medians[first] > 0 and paired.medians[last] > 0
    lines = bench.report_three_lanes(lanes) + bench.report_loop(loop, TINY)
    assert any(line.startswith("target (c) <= (b)") for line in lines)
    assert any("1.2 × step 2" in line for line in lines)


def test_main_quick_exits_zero(monkeypatch, capsys):
    monkeypatch.setattr(bench, "QUICK", TINY)
    assert bench.main(["--quick"]) == 0
    assert "Kapula complete_task" in capsys.readouterr().out


def test_before_after_tables_every_run_and_the_medians_of_each_side(tmp_path):
    from bench.before_after import Databases, Run, table

    def run(code: str, per_s: float, p99: float) -> Run:
        summary = {
            "completions_per_s": per_s,
            "requests_per_s": 2 * per_s,
            "p50_ms": 10.0,
            "p95_ms": 50.0,
            "p99_ms": p99,
            "problems": 0,
        }
        return Run(code, "sqlite", 1, summary, 1.0, 2.0)

    text = table([run("before", 10, 100), run("after", 20, 90), run("before", 30, 300), run("after", 40, 70)], "abc1234")
    assert text.count("| sqlite | 1 | before |") == 3 and text.count("| sqlite | 1 | after |") == 3
    assert "| sqlite | 1 | before | 2 | 20.0 | 10 | 50 | 200 |" in text  # medians of the two runs
    assert "| sqlite | 1 | after | 2 | 30.0 | 10 | 50 | 80 |" in text
    databases = Databases(tmp_path, "postgresql://unused/x")
    url = databases.new("sqlite")
    (tmp_path / (url.rsplit("/", 1)[1])).write_text("x")
    databases.drop(url)
    assert list(tmp_path.iterdir()) == []
