"""Call activities and embedded subprocesses: the tasks of a called process keep their names, take
the call activity's lane unless the called process has lanes of its own, hand work between lanes,
and follow the main process's export and metrics rules.

The first fixture pair is ../shared/cases/engine/call-activity-lanes: intake in "Office A", an
embedded subprocess in "Office B", a call activity in "Office A" calling a process with no lanes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from lxml import etree
from sqlalchemy import select, update

from engine import history
from engine.errors import InvalidDataError
from engine.metrics.report import handoff_list
from engine.metrics.types import MetricsFilter
from engine.persistence.database import make_engine
from engine.persistence.tables import ProcessVersionRecord
from engine.spans.store import SPAN, rebuild_spans
from tests.conftest import FIXTURES

CALLS = FIXTURES / "call_activities"
A, B = "Office A", "Office B"


def files(*names: str) -> list[tuple[str, bytes]]:
    return [(n, (CALLS / n).read_bytes()) for n in names]


def work_through(kapula, case_id: int, data: dict | None = None) -> list[tuple[str, str, str | None]]:
    """Complete every ready task in turn, an hour each; (element id, name, lane) of each as listed."""
    seen = []
    for _ in range(20):
        ready = kapula.get_case(case_id).ready_tasks
        if not ready:
            return seen
        task = ready[0]
        seen.append((task.element_id, task.name, task.lane))
        kapula.clock.advance(hours=1)
        kapula.complete_task(task.id, data or {}, user="someone")
    raise AssertionError("the case never ended")


def pairs(handoffs) -> list[tuple[str, str, str]]:
    return [(h.from_lane, h.to_lane, h.element_id) for h in handoffs]


def sql_handoffs(database_url: str, key: str) -> list[tuple[str, str, str]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return pairs(handoff_list(conn, MetricsFilter(key)))
    finally:
        engine.dispose()


# -- the shared case ----------------------------------------------------------------------------


@pytest.fixture
def shared_case(kapula):
    kapula.deploy(files("case_main.bpmn", "case_register_check.bpmn"))
    return kapula.start_case("Main_case")


def test_the_called_task_is_listed_by_its_name_in_the_call_activitys_lane(kapula, shared_case):
    case = kapula.complete_task(shared_case.ready_tasks[0].id, {})
    case = kapula.complete_task(case.ready_tasks[0].id, {})
    (lookup,) = case.ready_tasks  # as the step that readied it shows it
    assert (lookup.element_id, lookup.name, lookup.lane) == ("Register_check:Task_lookup", "Look up register", A)
    # as read back from the stored rows: the task list by lane, the task, the case
    assert [(t.name, t.lane) for t in kapula.ready_tasks(lane=A)] == [("Look up register", A)]
    assert kapula.ready_tasks(lane=None, case_id=case.id)[0].name == "Look up register"
    assert (kapula.get_task(lookup.id).name, kapula.get_task(lookup.id).lane) == ("Look up register", A)
    assert kapula.get_case(case.id).ready_tasks[0].name == "Look up register"


def test_a_fresh_engine_names_and_lanes_the_called_task_from_the_database(open_engine, clock):
    first = open_engine()
    first.deploy(files("case_main.bpmn", "case_register_check.bpmn"))
    case = first.start_case("Main_case")
    for _ in range(2):
        case = first.complete_task(case.ready_tasks[0].id, {})
    first.close()
    second = open_engine()
    (lookup,) = second.ready_tasks(case_id=case.id)
    assert (lookup.name, lookup.lane) == ("Look up register", A)
    assert second.complete_task(lookup.id, {}).status.value == "completed"


def test_the_called_process_logs_its_elements_as_the_main_ones(kapula, shared_case, database_url):
    work_through(kapula, shared_case.id)
    events = {e.element_id: e for e in kapula.history(shared_case.id) if e.lifecycle.value == "task_completed"}
    lookup = events["Register_check:Task_lookup"]  # an element of the called process, by its process
    assert (lookup.element_name, lookup.element_type, lookup.lane) == ("Look up register", "userTask", A)
    assert (events["Register_check:R_start"].element_type, events["Register_check:R_start"].lane) == ("startEvent", A)
    expected = [(A, B, "Sub_plan"), (B, A, "Call_check")]
    assert pairs(history.handoffs(kapula.history(shared_case.id))) == expected
    assert sql_handoffs(database_url, "Main_case") == expected


# -- a called process with lanes of its own (and the caller's element ids) -------------------------


@pytest.mark.parametrize(
    ("legal", "expected"),
    [
        (
            True,
            [("Front desk", "Expert", "Review:Task_1"), ("Expert", "Legal", "Review:Task_2"), ("Legal", "Front desk", "Task_2")],
        ),
        (False, [("Front desk", "Expert", "Review:Task_1"), ("Expert", "Front desk", "Task_2")]),
    ],
)
def test_a_called_process_with_its_own_lanes_does_its_work_in_them(kapula, database_url, legal, expected):
    result = kapula.deploy(files("own_lanes_main.bpmn", "own_lanes_review.bpmn"))
    permit = next(v for v in result.versions if v.key == "Permit")
    assert permit.actors == ("Front desk", "Expert", "Legal")  # who works on a Permit case
    case = kapula.start_case("Permit")
    seen = work_through(kapula, case.id, {"legal": legal})
    names = ["Receive application", "Assess plans", *(["Check legality"] if legal else []), "Send decision"]
    lanes = ["Front desk", "Expert", *(["Legal"] if legal else []), "Front desk"]
    assert [(name, lane) for _id, name, lane in seen] == list(zip(names, lanes, strict=True))
    assert pairs(history.handoffs(kapula.history(case.id))) == expected
    assert sql_handoffs(database_url, "Permit") == expected


def test_the_called_processs_gateways_stay_out_of_exports_and_spans(kapula, database_url):
    kapula.deploy(files("own_lanes_main.bpmn", "own_lanes_review.bpmn"))
    case = kapula.start_case("Permit")
    work_through(kapula, case.id, {"legal": True})
    assert any(e.element_id == "Review:Gateway_ok" for e in kapula.history(case.id))  # it ran, and is logged
    out = io.StringIO()
    kapula.export_log("Permit", "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows and not {r["element_id"] for r in rows} & {"Gateway_ok", "Review:Gateway_ok"}
    assert {r["activity"] for r in rows} >= {"Assess plans", "Check legality"}
    assert {r["element_type"] for r in rows if r["activity"] == "Assess plans"} == {"userTask"}
    out = io.StringIO()
    kapula.export_log("Permit", "xes", out)
    names = {
        e.get("value") for e in etree.fromstring(out.getvalue().encode()).iter("{*}string") if e.get("key") == "concept:name"
    }
    assert "Assess plans" in names and "Legal check needed?" not in names and "Gateway_ok" not in names
    out = io.StringIO()
    kapula.export_log("Permit", "ocel", out)
    assert "Gateway_ok" not in out.getvalue() and "Legal check needed?" not in out.getvalue()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        spans = {r.element_id: r for r in conn.execute(select(SPAN).where(SPAN.c.case_id == case.id))}
    engine.dispose()
    assert "Review:Gateway_ok" not in spans
    # the caller's Task_1 and Task_2 and the called process's are measured apart
    assert (spans["Task_1"].element_name, spans["Review:Task_1"].element_name) == ("Receive application", "Assess plans")
    assert (spans["Task_2"].lane, spans["Review:Task_2"].lane) == ("Front desk", "Legal")
    # the drawing's overlay names the caller's Task_1 by its own name, not the called Task_1's
    overlay = kapula.diagram_view("Permit").overlays["elements"]
    assert (overlay["Task_1"]["name"], overlay["Review:Task_1"]["name"]) == ("Receive application", "Assess plans")
    stages = {s.name: s for s in kapula.metrics("Permit").stages}
    assert "Legal check needed?" not in stages and {"Assess plans", "Check legality"} <= set(stages)


def test_a_rebuild_of_the_spans_gives_what_the_steps_wrote(kapula, database_url):
    kapula.deploy(files("own_lanes_main.bpmn", "own_lanes_review.bpmn"))
    kapula.deploy(files("case_main.bpmn", "case_register_check.bpmn"))
    for key in ("Permit", "Main_case"):
        work_through(kapula, kapula.start_case(key).id, {"legal": True})
    before = sql_handoffs(database_url, "Permit") + sql_handoffs(database_url, "Main_case")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        rebuild_spans(conn)
    engine.dispose()
    assert sql_handoffs(database_url, "Permit") + sql_handoffs(database_url, "Main_case") == before


# -- a call within a called process --------------------------------------------------------------


def test_nested_calls_take_the_lane_of_the_outermost_call_activity(kapula, database_url):
    kapula.deploy(files("nested_main.bpmn", "nested_assess.bpmn", "nested_score.bpmn"))
    case = kapula.start_case("Grant")
    seen = work_through(kapula, case.id)
    assert seen == [
        ("Task_apply", "Apply", "Customer"),
        ("Assess:Task_assess", "Assess the budget", "Case office"),
        ("Score:Task_score", "Give a score", "Case office"),
    ]
    expected = [("Customer", "Case office", "Call_assess")]
    assert pairs(history.handoffs(kapula.history(case.id))) == expected
    assert sql_handoffs(database_url, "Grant") == expected
    lanes = {e.element_id: e.lane for e in kapula.history(case.id)}
    assert lanes["Assess:Sub_score"] == lanes["Assess:Call_score"] == lanes["Score:Start_x"] == "Case office"


# -- an embedded subprocess across lanes ---------------------------------------------------------


def test_an_embedded_subprocess_across_lanes_hands_work_where_its_tasks_lie(kapula, database_url):
    kapula.deploy(files("embedded_across_lanes.bpmn"))
    case = kapula.start_case("Inspection")
    seen = work_through(kapula, case.id)
    assert [(name, lane) for _id, name, lane in seen] == [
        ("Book visit", A),
        ("Prepare visit", A),
        ("Inspect site", B),
        ("Close file", A),
    ]
    expected = [(A, B, "Task_inspect"), (B, A, "Task_close")]
    assert pairs(history.handoffs(kapula.history(case.id))) == expected
    assert sql_handoffs(database_url, "Inspection") == expected


def test_a_called_user_tasks_form_is_checked(kapula):
    form = {"type": "object", "required": ["register_ok"], "properties": {"register_ok": {"type": "boolean"}}}
    called = (
        (CALLS / "case_register_check.bpmn")
        .read_text()
        .replace(
            '<bpmn:userTask id="Task_lookup" name="Look up register">',
            '<bpmn:userTask id="Task_lookup" name="Look up register" kapula:form="register.json">',
        )
        .replace("xmlns:bpmn=", 'xmlns:kapula="urn:kapula:bpmn:1.0" xmlns:bpmn=', 1)
    )
    kapula.deploy(
        [*files("case_main.bpmn"), ("case_register_check.bpmn", called.encode()), ("register.json", json.dumps(form).encode())]
    )
    case = kapula.start_case("Main_case")
    for _ in range(2):
        case = kapula.complete_task(case.ready_tasks[0].id, {})
    (lookup,) = case.ready_tasks
    assert lookup.form == "register.json" and kapula.task_form(lookup.id) == form
    with pytest.raises(InvalidDataError):
        kapula.complete_task(lookup.id, {})
    assert kapula.complete_task(lookup.id, {"register_ok": True}).status.value == "completed"


def test_a_version_stored_before_called_processes_were_recorded_still_names_and_lanes_them(open_engine, database_url):
    first = open_engine()
    first.deploy(files("case_main.bpmn", "case_register_check.bpmn"))
    case = first.start_case("Main_case")
    first.close()
    engine = make_engine(database_url)
    with engine.begin() as conn:  # as the version was stored before: its own elements only
        for version_id, text in conn.execute(select(ProcessVersionRecord.id, ProcessVersionRecord.elements_json)).all():
            own = {k: v for k, v in json.loads(text).items() if ":" not in k}
            conn.execute(
                update(ProcessVersionRecord).where(ProcessVersionRecord.id == version_id).values(elements_json=json.dumps(own))
            )
    engine.dispose()
    kapula = open_engine()
    for _ in range(2):
        kapula.complete_task(kapula.ready_tasks(case_id=case.id)[0].id, {})
    (lookup,) = kapula.ready_tasks(case_id=case.id)
    assert (lookup.name, lookup.lane) == ("Look up register", A)
