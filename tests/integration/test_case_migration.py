"""Moving running cases to a new version (docs/migration.md): 100 company-visit cases in every state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.access.policy import Principal, Role
from engine.bundles import model_bundle
from engine.consistency import check_cases
from engine.errors import AccessDeniedError, InvalidDataError
from engine.model import CaseStatus, Lifecycle
from engine.persistence.sql import SqlUnitOfWork
from engine.services.gate import Caller
from tests.integration.test_reference_models import VISIT, VISIT_ANSWERS, VISIT_START
from tests.migration_models import version_b

OWNER = Principal("omistaja", "Omistaja", Role.PROCESS_OWNER, organisation="SEK", owned_processes=frozenset({VISIT}))

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "bpmn" / "suupohja_yrityskaynti.bpmn"
ORDER = ["Task_valmistele", "Task_kartoita", "Task_esittele", "Task_sovi", "Timer_seuranta", "Task_jalkihoito", "Task_liidi_ely"]
ANSWERS = {
    **VISIT_ANSWERS,
    "Task_jalkihoito": {"seurantasuunnitelma": "soitto", "suunnitelma_toteutunut": True, "organisaatiot": ["ELY", "TE-toimisto"]},
    "Task_kirjaa": {},
}


def deploy_b(kapula, **kwargs) -> None:
    files = [(n, version_b(c.decode(), **kwargs).encode() if n == MODEL.name else c) for n, c in model_bundle(MODEL)]
    assert kapula.deploy(files).versions[0].version == 2


def step(kapula, clock, case_id: int) -> bool:
    """One step of a case, as its advisors would: complete the first ready task, or let its timer fire."""
    case = kapula.get_case(case_id)
    clock.advance(hours=5)
    if case.ready_tasks:
        task = case.ready_tasks[0]
        kapula.complete_task(task.id, ANSWERS.get(task.element_id, {}), user="sek")
        return True
    if case.next_timer_due is not None:
        clock.set(max(clock.now(), case.next_timer_due + timedelta(minutes=1)))
        kapula.fire_due_timers()
        return True
    return False


def at(kapula, case_id: int) -> str:
    case = kapula.get_case(case_id)
    return case.ready_tasks[0].element_id if case.ready_tasks else "Timer_seuranta"


def test_a_hundred_visits_move_to_a_version_with_a_new_stage_and_finish_on_it(kapula, clock) -> None:
    kapula.deploy(model_bundle(MODEL))
    pairs = []  # (moved case, unmigrated control), driven in lockstep
    for i in range(100):
        moved = kapula.start_case(VISIT, VISIT_START, user="sek").id
        clock.advance(hours=5)  # the control runs 5 h behind, step for step
        control = kapula.start_case(VISIT, VISIT_START, user="sek").id
        target = ORDER[i % len(ORDER)]
        while at(kapula, moved) != target:
            step(kapula, clock, moved)
            step(kapula, clock, control)
        if i % 3 == 0 and kapula.get_case(moved).ready_tasks:
            for case_id in (moved, control):
                kapula.claim_task(kapula.get_case(case_id).ready_tasks[0].id, user="sek")
        pairs.append((moved, control))
    deploy_b(kapula)
    ids = [m for m, _ in pairs]

    dry = kapula.migrate_cases(VISIT, from_version=1, to_version=2, case_ids=ids, dry_run=True)
    assert [c.case_id for c in dry.cases] == ids and all(c.moves for c in dry.cases) and dry.moved == 0
    assert all(kapula.get_case(m).version == 1 for m in ids)

    done = []
    report = kapula.migrate_cases(
        VISIT, from_version=1, to_version=2, case_ids=ids, caller=Caller(OWNER), progress=lambda n, total: done.append((n, total))
    )
    assert report.moved == 100 and done[-1] == (100, 100)
    for (moved, control), i in zip(pairs, range(100), strict=False):
        case = kapula.get_case(moved)
        assert case.version == 2
        if case.ready_tasks:  # the claim came along
            assert case.ready_tasks[0].claimed_by == (kapula.get_case(control).ready_tasks[0].claimed_by)
        events = kapula.history(moved)
        assert [e.lifecycle for e in events].count(Lifecycle.CASE_MIGRATED) == 1
        for _ in range(30):  # both finish in lockstep, the moved one on B
            if not (step(kapula, clock, moved) | step(kapula, clock, control)):
                break
        assert kapula.get_case(moved).status is CaseStatus.COMPLETED
        passed = {e.element_id for e in kapula.history(moved) if e.lifecycle is Lifecycle.TASK_COMPLETED}
        assert ("Task_kirjaa" in passed) == (i % len(ORDER) <= ORDER.index("Task_sovi"))
        # the stages up to the one under way at the move; timers left out (they fire when a tick comes)
        compared = [e for e in ORDER[: i % len(ORDER) + 1] if e != "Timer_seuranta"]
        durations = {s.element_id: s.duration for s in kapula.stage_durations(control)}
        for stage in kapula.stage_durations(moved):
            if stage.element_id in compared:
                assert stage.duration == durations[stage.element_id], (moved, stage.element_id)


def test_cases_at_an_element_b_lacks_cannot_move_and_a_plan_maps_them(kapula, clock) -> None:
    kapula.deploy(model_bundle(MODEL))
    early, late = (kapula.start_case(VISIT, VISIT_START, user="sek").id for _ in range(2))
    step(kapula, clock, late)  # valmistele done: at Task_kartoita
    renamed = {
        MODEL.name: lambda t: version_b(t).replace("Task_kartoita", "Task_tarpeet"),
        "suupohja_yrityskaynti.card.json": lambda t: t.replace("Task_kartoita", "Task_tarpeet"),
    }
    files = [(n, renamed[n](c.decode()).encode() if n in renamed else c) for n, c in model_bundle(MODEL)]
    kapula.deploy(files)
    dry = kapula.migrate_cases(VISIT, from_version=1, to_version=2, dry_run=True)
    by_id = {c.case_id: c for c in dry.cases}
    assert by_id[early].moves and not by_id[late].moves
    assert "Task_kartoita" in by_id[late].reasons[0]
    assert dry.suggested == {"Task_kartoita": "Task_tarpeet"}
    with pytest.raises(InvalidDataError, match="different kinds"):
        kapula.migrate_cases(VISIT, from_version=1, to_version=2, mapping={"Task_kartoita": "Timer_seuranta"})
    report = kapula.migrate_cases(VISIT, from_version=1, to_version=2, mapping=dict(dry.suggested))
    assert report.moved == 2
    assert kapula.get_case(late).ready_tasks[0].element_id == "Task_tarpeet"
    assert check_case_consistent(kapula, late)


def check_case_consistent(kapula, case_id: int) -> bool:
    with kapula.sessions() as session:
        return check_cases(SqlUnitOfWork(session), [case_id]) == []


def test_revert_goes_back_until_the_case_moves_on(kapula, clock) -> None:
    kapula.deploy(model_bundle(MODEL))
    stays, moves_on = (kapula.start_case(VISIT, VISIT_START, user="sek").id for _ in range(2))
    deploy_b(kapula)
    assert kapula.migrate_cases(VISIT, from_version=1, to_version=2).moved == 2
    step(kapula, clock, moves_on)
    back = kapula.migrate_cases(VISIT, from_version=2, to_version=1, revert=True)
    by_id = {c.case_id: c for c in back.cases}
    assert by_id[stays].moved and not by_id[moves_on].moves
    assert "moved on" in by_id[moves_on].reasons[0]
    assert kapula.get_case(stays).version == 1 and kapula.get_case(moves_on).version == 2


def test_revert_turns_the_move_s_mapping_round(kapula, clock) -> None:
    # moved from 'Valmistele' onto 'Kartoita' by a mapping, a case reverted without one went back to
    # version 1 at 'Kartoita', a step it had never reached there (the second fresh tester's find)
    kapula.deploy(model_bundle(MODEL))
    case_id = kapula.start_case(VISIT, VISIT_START, user="sek").id
    assert at(kapula, case_id) == "Task_valmistele"
    deploy_b(kapula)
    mapping = {"Task_valmistele": "Task_kartoita"}
    assert kapula.migrate_cases(VISIT, from_version=1, to_version=2, mapping=mapping).moved == 1
    assert (kapula.get_case(case_id).version, at(kapula, case_id)) == (2, "Task_kartoita")
    back = kapula.migrate_cases(VISIT, from_version=2, to_version=1, revert=True)
    assert back.moved == 1, back.cases
    assert (kapula.get_case(case_id).version, at(kapula, case_id)) == (1, "Task_valmistele")
    migrated = [e.changed for e in kapula.history(case_id) if e.lifecycle is Lifecycle.CASE_MIGRATED]
    assert [m["plan"] for m in migrated] == [mapping, {"Task_kartoita": "Task_valmistele"}]
    assert check_case_consistent(kapula, case_id)
    # and forward again along the same mapping, then back once more: the revert of the revert
    assert kapula.migrate_cases(VISIT, from_version=1, to_version=2, mapping=mapping).moved == 1
    assert kapula.migrate_cases(VISIT, from_version=2, to_version=1, revert=True).moved == 1
    assert at(kapula, case_id) == "Task_valmistele"


def test_only_the_owner_or_an_administrator_migrates_and_refusals_are_logged(kapula, clock) -> None:
    kapula.deploy(model_bundle(MODEL))
    case_id = kapula.start_case(VISIT, VISIT_START, user="sek").id
    deploy_b(kapula)
    stranger = Principal("muu", "Muu omistaja", Role.PROCESS_OWNER, organisation="Muu", owned_processes=frozenset({"x"}))
    with pytest.raises(AccessDeniedError):
        kapula.migrate_cases(VISIT, from_version=1, to_version=2, caller=Caller(stranger, origin="test"))
    refused = kapula.access_log(refused=True)
    assert [(e.user, e.action, e.process_key) for e in refused] == [("muu", "migrate", VISIT)]
    assert kapula.get_case(case_id).version == 1
    assert kapula.migrate_cases(VISIT, from_version=1, to_version=2, caller=Caller(OWNER, origin="test")).moved == 1
    assert kapula.get_case(case_id).version == 2
    moved = [e for e in kapula.access_log(case_id=case_id) if e.action == "migrate"]
    assert [(e.user, e.origin, e.refused) for e in moved] == [("omistaja", "test", None)]


def test_exports_carry_the_version_each_event_happened_on(kapula, clock) -> None:
    import csv
    import io
    import json as json_

    kapula.deploy(model_bundle(MODEL))
    case_id = kapula.start_case(VISIT, VISIT_START, user="sek").id
    step(kapula, clock, case_id)  # Task_valmistele completed on v1
    deploy_b(kapula)
    assert kapula.migrate_cases(VISIT, from_version=1, to_version=2).moved == 1
    step(kapula, clock, case_id)  # Task_kartoita (ready on v1) completed on v2
    out = io.StringIO()
    kapula.export_log(VISIT, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    version = {(r["element_id"], r["transition"]): r["version"] for r in rows}
    assert version[("Task_valmistele", "complete")] == "1" and version[("Task_kartoita", "assign")] == "1"
    assert version[("Task_kartoita", "complete")] == "2" and version[("Task_esittele", "assign")] == "2"
    out = io.StringIO()
    kapula.export_log(VISIT, "ocel", out)
    events = json_.loads(out.getvalue())["events"]
    assert {a["value"] for e in events for a in e["attributes"] if a["name"] == "version"} == {1, 2}
    out = io.StringIO()
    kapula.export_log(VISIT, "xes", out)
    assert '<int key="kapula:version" value="2"/>' in out.getvalue()


def test_two_processes_migrating_the_same_cases_at_once_move_each_case_once(open_engine, clock) -> None:
    import threading

    first, second = open_engine(), open_engine()  # two server processes' engines on one database
    first.deploy(model_bundle(MODEL))
    ids = [first.start_case(VISIT, VISIT_START, user="sek").id for _ in range(20)]
    deploy_b(first)
    reports = []
    barrier = threading.Barrier(2)

    def run(kapula) -> None:
        barrier.wait()
        reports.append(kapula.migrate_cases(VISIT, from_version=1, to_version=2))

    threads = [threading.Thread(target=run, args=(k,)) for k in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.moved for r in reports) == 20
    for case_id in ids:
        events = first.history(case_id)
        assert [e.lifecycle for e in events].count(Lifecycle.CASE_MIGRATED) == 1
        assert first.get_case(case_id).version == 2


def test_metrics_count_a_moved_case_for_its_version_and_each_stage_for_the_version_it_was_ready_in(kapula, clock) -> None:
    kapula.deploy(model_bundle(MODEL))
    case_id = kapula.start_case(VISIT, VISIT_START, user="sek").id
    step(kapula, clock, case_id)  # Task_valmistele done on v1, Task_kartoita ready on v1
    deploy_b(kapula)
    kapula.migrate_cases(VISIT, from_version=1, to_version=2)
    step(kapula, clock, case_id)  # Task_kartoita done on v2; Task_esittele ready on v2
    step(kapula, clock, case_id)
    v1, v2, whole = (kapula.metrics(VISIT, version=v) for v in (1, 2, None))
    assert (v1.cases.started, v2.cases.started, whole.cases.started) == (0, 1, 1)
    done = {
        m: {s.element_id: s.duration.count for s in metrics.stages} for m, metrics in (("v1", v1), ("v2", v2), ("all", whole))
    }
    assert done["v1"].get("Task_valmistele") == 1 and done["v1"].get("Task_kartoita") == 1
    assert done["v2"].get("Task_esittele") == 1 and not done["v2"].get("Task_kartoita")
    assert done["all"].get("Task_kartoita") == 1
