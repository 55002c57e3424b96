"""The demo fills a fresh database with cases of every model in bpmn/, spread over months, in different stages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.demo import DEMO_DAYS, demo_clock, run_demo
from engine.model import CaseStatus
from engine.services import Kapula

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def test_the_demo_leaves_cases_of_every_model_in_different_stages(kapula: Kapula, clock):
    clock.set(demo_clock().now())  # the demo's timeline starts months ago, as `kapula demo` does
    report = run_demo(kapula, clock, BPMN_DIR, progress=lambda _m: None)
    keys = {c.process_key for c in report.cases}
    assert keys == {"suupohja_yrityskaynti", "suupohja_teemaseminaari", "lansi_uusimaa_yrityspalvelu", "vastuullisuusraportointi"}
    statuses = {c.status for c in report.cases}
    assert statuses == {CaseStatus.COMPLETED, CaseStatus.RUNNING}
    waiting_at = {t.name for c in report.cases for t in c.ready_tasks}
    assert len(waiting_at) >= 4  # running cases wait in different stages
    starts = sorted(c.started_at for c in report.cases)
    assert starts[-1] - starts[0] > timedelta(days=DEMO_DAYS - 30)
    assert all(c.ended_at is None or c.ended_at <= clock.now() for c in report.cases)

    visits = [c for c in report.cases if c.process_key == "suupohja_yrityskaynti" and c.status == CaseStatus.COMPLETED]
    new_customers = sum(bool(v) for c in visits for k, v in c.data.items() if k.endswith("_uusi_asiakas"))
    assert new_customers >= 8 and sum("_toimenpide" in k for c in visits for k in c.data) >= 10
    assert {c.data["segmentti"] for c in visits} >= {"paikallinen", "kotimarkkina", "aloittava", "kansainvalistyva"}
    scores = [
        c.data["tyytyvaisyys"]
        for c in report.cases
        if c.process_key == "lansi_uusimaa_yrityspalvelu" and "tyytyvaisyys" in c.data
    ]
    assert len(scores) >= 8 and min(scores) < 3 <= max(scores)
    ends = {e.element_id for c in report.cases for e in kapula.history(c.id) if e.element_type == "endEvent"}
    assert {"End_hylatty", "End_tavoitteet", "End_peruttu", "End_palaute", "End_tyytyvainen"} <= ends
