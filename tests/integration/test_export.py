"""Event-log exports: XES that PM4Py reads and agrees with, OCEL 2.0 JSON, CSV."""

from __future__ import annotations

import csv
import io
import json
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

from engine import history
from engine.errors import InvalidDataError
from tests.integration.metrics_log import KEY, build_log

XES = "{http://www.xes-standard.org/}"


@pytest.fixture
def logged(kapula, clock):
    build_log(kapula, clock)
    return kapula


def export(kapula, fmt: str, **kwargs) -> str:
    out = io.StringIO()
    kapula.export_log(KEY, fmt, out, **kwargs)
    return out.getvalue()


def test_xes_declares_its_extensions_and_globals(logged):
    root = etree.fromstring(export(logged, "xes", pseudonym_key=b"k").encode())
    assert {e.get("prefix") for e in root.iter(f"{XES}extension")} == {"concept", "time", "lifecycle", "org"}
    scopes = {g.get("scope"): {a.get("key") for a in g} for g in root.iter(f"{XES}global")}
    assert scopes == {"trace": {"concept:name"}, "event": {"concept:name", "time:timestamp", "lifecycle:transition"}}
    traces = root.findall(f"{XES}trace")
    assert len(traces) == 4
    events = [{a.get("key"): a.get("value") for a in e} for e in root.iter(f"{XES}event")]
    assert all(e["time:timestamp"].endswith("+00:00") for e in events)
    assert {e["lifecycle:transition"] for e in events} == {"assign", "start", "complete", "ate_abort"}
    assert {e["org:group"] for e in events} == {"Asiakas", "SEK", "ELY"}
    resources = {e["org:resource"] for e in events if "org:resource" in e}
    # the users were "<lane>.advisor": only keyed-hash pseudonyms reach the file, one per person
    assert len(resources) == 3 and all(r.startswith("res-") and len(r) == 16 for r in resources)
    assert not any("advisor" in e.get("org:resource", "") for e in events)
    assert "Gateway_route" not in {e["kapula:element"] for e in events}


def test_pseudonyms_are_stable_for_a_key_and_names_on_request(logged):
    assert export(logged, "csv", pseudonym_key=b"k") == export(logged, "csv", pseudonym_key=b"k")
    assert export(logged, "csv", pseudonym_key=b"k") != export(logged, "csv", pseudonym_key=b"other")
    assert "SEK.advisor" in export(logged, "csv", real_names=True)


def test_pm4py_reads_the_xes_and_agrees_with_kapula(logged, tmp_path: Path):
    with _quiet():
        import pm4py  # a test dependency (pyproject: test extra)
    path = tmp_path / "log.xes"
    path.write_text(export(logged, "xes"), encoding="utf-8")
    with _quiet(), warnings.catch_warnings():
        # PM4Py suggests an optional faster reader; the default one is what is being checked
        warnings.filterwarnings("ignore", message="Install the optional requirement", category=UserWarning)
        df = pm4py.read_xes(str(path))
    completed = {str(c.id): c for c in logged.cases(process_key=KEY) if c.status.value == "completed"}
    done = df[(df["lifecycle:transition"] == "complete") & (df["case:concept:name"].isin(completed))]
    for case_id, case in completed.items():
        lead = (case.ended_at - case.started_at).total_seconds()
        assert pm4py.get_case_duration(done, case_id, case_id_key="case:concept:name") == lead
    network = pm4py.discover_handover_of_work_network(done, resource_key="org:group")
    pairs = len(done) - done["case:concept:name"].nunique()  # PM4Py divides by all direct successions
    pm4py_counts = {k: round(v * pairs) for k, v in network.connections.items() if k[0] != k[1]}
    kapula_counts: dict[tuple[str, str], int] = {}
    for case_id in completed:
        for h in history.handoffs(logged.history(int(case_id))):
            kapula_counts[h.from_lane, h.to_lane] = kapula_counts.get((h.from_lane, h.to_lane), 0) + 1
    assert pm4py_counts == kapula_counts == {("Asiakas", "SEK"): 2, ("SEK", "Asiakas"): 2, ("SEK", "ELY"): 1, ("ELY", "SEK"): 1}


def test_ocel_relates_each_event_to_its_case_task_and_lane(logged):
    ocel = json.loads(export(logged, "ocel"))
    assert {t["name"] for t in ocel["objectTypes"]} == {"case", "task", "organisation"}
    ids = {o["id"] for o in ocel["objects"]}
    assert {"case:1", "case:4", "org:SEK", "org:Asiakas", "org:ELY"} <= ids
    assert {t["name"] for t in ocel["eventTypes"]} >= {"Kuvaa tarve", "Valmistele käynti"}
    for event in ocel["events"]:
        qualifiers = {r["qualifier"] for r in event["relationships"]}
        assert {"case", "task", "lane"} <= qualifiers and all(r["objectId"] in ids for r in event["relationships"])
    assert len(ocel["events"]) == len(list(csv.DictReader(io.StringIO(export(logged, "csv")))))


def test_csv_rows_in_case_order_and_progress_is_reported(logged):
    seen: list[int] = []
    out = io.StringIO()
    count = logged.export_log(KEY, "csv", out, progress=seen.append)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == count == seen[-1]
    assert [int(r["case_id"]) for r in rows] == sorted(int(r["case_id"]) for r in rows)
    assert rows[0]["activity"] and rows[0]["timestamp"].endswith("+00:00")


def test_unknown_format_is_refused(logged):
    with pytest.raises(InvalidDataError):
        export(logged, "bpmn")


@contextmanager
def _quiet():
    # PM4Py prints a licence banner on import and may log progress; keep test output clean
    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):
        yield
