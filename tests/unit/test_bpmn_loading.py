"""Loading uploaded BPMN/DMN safely: secure parsing, validation, actors and SpiffWorkflow specs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_xml import parse_xml
from engine.bpmn_xml.inspect import describe
from engine.bpmn_xml.secure import _parse_bounded, source_text
from engine.errors import DiagramError
from engine.model import ValidationIssue
from engine.runtime.parser import LoadedProcess, load_files, parser_for, serializer_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(*names: str) -> list[LoadedProcess]:
    return load_files([(name, read(name)) for name in names])


def only(*names: str) -> LoadedProcess:
    [process] = load(*names)
    return process


def refusal(files: list[tuple[str, bytes]]) -> list[ValidationIssue]:
    """Why the upload cannot run: the refusal, or what its documentation-only processes must fix."""
    try:
        loaded = load_files(files)
    except DiagramError as caught:
        assert caught.issues, "a DiagramError must say why"
        return caught.issues
    assert loaded and not any(p.runnable or p.spec is not None for p in loaded), loaded
    return list(dict.fromkeys(i for p in loaded for i in p.issues))


def refused(files: list[tuple[str, bytes]]) -> list[ValidationIssue]:
    """Why the upload cannot even be kept as documentation."""
    with pytest.raises(DiagramError) as caught:
        load_files(files)
    assert caught.value.issues, "a DiagramError must say why"
    return caught.value.issues


def inline(body: str) -> bytes:
    return (BPMN_HEAD + body + "\n</bpmn:definitions>\n").encode()


def ready_user_tasks(workflow: BpmnWorkflow) -> list[str]:
    return [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def complete(workflow: BpmnWorkflow, element_id: str, **data: object) -> None:
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == element_id]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def fire_timers(workflow: BpmnWorkflow) -> None:
    # SpiffWorkflow keeps a timer's due time in internal_data['event_value']; moving it into the past fires it.
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    for task in workflow.get_tasks(state=TaskState.WAITING):
        task.internal_data["event_value"] = past
    workflow.refresh_waiting_tasks()
    workflow.do_engine_steps()


# --- valid diagrams -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "key", "name", "dialect", "actors"),
    [
        ("three_lanes.bpmn", "Handoff_demo", "Yrityskäynti ja kapulan vaihto", "spiff", ("Asiakas", "SEK", "ELY")),
        ("bpmnio_simple.bpmn", "Process_simple", "Process_simple", "spiff", ()),
        ("camunda_form.bpmn", "Routing_camunda", "Asiakkaan ohjaus", "camunda", ("Novago",)),
        ("spiff_props.bpmn", "Needs_spiff", "Tarvekartoitus", "spiff", ("Neuvoja", "Järjestelmä")),
        (
            "collaboration.bpmn",
            "Routing_novago",
            "Asiakkaan ohjaus Yritystalossa",
            "spiff",
            ("Asiakas", "Neuvonta", "Kasvu", "Kansainvälistyminen", "TE-toimisto"),
        ),
        ("loop.bpmn", "Loop_demo", "Toistuvat yrityskäynnit", "spiff", ()),
    ],
)
def test_valid_fixture_loads_with_its_key_name_dialect_and_actors(
    fixture: str, key: str, name: str, dialect: str, actors: tuple[str, ...]
) -> None:
    process = only(fixture)
    assert (process.key, process.name, process.dialect, process.actors) == (key, name, dialect, actors)
    assert process.spec.name == key
    assert process.source == {fixture: read(fixture)}
    assert set(process.element_actor) == set(process.elements)


def test_three_lanes_maps_each_element_to_its_lane() -> None:
    process = only("three_lanes.bpmn")
    assert process.element_actor == {
        "StartEvent_need": "Asiakas",
        "Task_describe": "Asiakas",
        "Task_prepare": "SEK",
        "Gateway_route": "SEK",
        "Task_funding": "ELY",
        "Timer_wait": "ELY",
        "Task_aftercare": "SEK",
        "Task_feedback": "Asiakas",
        "EndEvent_done": "Asiakas",
    }


def test_lanes_are_ordered_by_the_drawing_and_by_document_without_one() -> None:
    content = read("three_lanes.bpmn")
    tree = parse_xml(content, filename="three_lanes.bpmn")
    assert describe(tree).processes[0].actors == ("Asiakas", "SEK", "ELY")
    for diagram in tree.getroot().findall("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        tree.getroot().remove(diagram)
    assert describe(tree).processes[0].actors == ("SEK", "ELY", "Asiakas")


def test_elements_carry_name_type_line_and_form() -> None:
    elements = only("three_lanes.bpmn").elements
    describe_task = elements["Task_describe"]
    assert (describe_task.name, describe_task.type, describe_task.line, describe_task.form) == (
        "Kuvaa tarve",
        "userTask",
        28,
        "tarve.json",
    )
    assert (elements["Gateway_route"].type, elements["Gateway_route"].line) == ("exclusiveGateway", 36)
    assert elements["Timer_wait"].type == "intermediateCatchEvent"
    assert elements["Task_prepare"].form is None


@pytest.mark.parametrize(
    ("fixture", "element_id", "form"),
    [
        ("camunda_form.bpmn", "Task_segment", "embedded:app:forms/segment.html"),
        ("camunda_form.bpmn", "Task_founder", "founder-advice"),
        ("spiff_props.bpmn", "Task_map_needs", "needs-schema.json"),
        ("collaboration.bpmn", "Task_intake", "intake.json"),
        ("three_lanes.bpmn", "Task_describe", "tarve.json"),
        ("camunda_form.bpmn", "Task_other", None),
    ],
)
def test_user_task_forms_are_read_in_every_dialect(fixture: str, element_id: str, form: str | None) -> None:
    assert only(fixture).elements[element_id].form == form


def test_three_lanes_runs_end_to_end_through_funding_and_timer() -> None:
    process = only("three_lanes.bpmn")
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    complete(workflow, "Task_describe")
    complete(workflow, "Task_prepare", needs_funding=True)
    complete(workflow, "Task_funding")
    assert ready_user_tasks(workflow) == []
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)] == ["Timer_wait"]
    fire_timers(workflow)
    complete(workflow, "Task_aftercare")
    complete(workflow, "Task_feedback")
    assert workflow.is_completed()


def test_three_lanes_default_flow_skips_funding() -> None:
    process = only("three_lanes.bpmn")
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    complete(workflow, "Task_describe")
    complete(workflow, "Task_prepare", needs_funding=False)
    assert ready_user_tasks(workflow) == ["Task_aftercare"]
    lanes = {t.task_spec.bpmn_id: t.task_spec.lane for t in workflow.get_tasks(state=TaskState.READY)}
    assert lanes == {"Task_aftercare": "SEK"}


def test_loop_runs_as_many_rounds_as_asked() -> None:
    process = only("loop.bpmn")
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    for _ in range(3):
        complete(workflow, "Task_visit", again=True)
    complete(workflow, "Task_visit", again=False)
    assert workflow.is_completed()


def test_collaboration_black_box_pools_are_actors_but_not_processes() -> None:
    tree = parse_xml(read("collaboration.bpmn"), filename="collaboration.bpmn")
    info = describe(tree)
    assert [p.id for p in info.processes] == ["Routing_novago"]
    assert info.collaboration_actors == ("Asiakas", "TE-toimisto")
    process = only("collaboration.bpmn")
    assert process.element_actor["Task_growth"] == "Kasvu"  # innermost of nested lanes
    assert process.element_actor["Task_intl"] == "Kansainvälistyminen"
    assert "Asiantuntijat" not in process.actors  # a parent lane owning nothing directly


def test_pool_without_lanes_owns_its_elements() -> None:
    process = only("camunda_form.bpmn")
    assert set(process.element_actor.values()) == {"Novago"}


def test_diagram_without_pools_has_no_actors() -> None:
    assert set(only("bpmnio_simple.bpmn").element_actor.values()) == {None}


def test_bpmnio_process_marked_not_executable_still_runs() -> None:
    assert b'isExecutable="false"' in read("bpmnio_simple.bpmn")
    process = only("bpmnio_simple.bpmn")
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    complete(workflow, "Activity_register")
    assert workflow.is_completed()


def test_camunda_dialect_reads_camunda_forms_into_the_spec() -> None:
    process = only("camunda_form.bpmn")
    task_spec = process.spec.task_specs["Task_segment"]
    assert task_spec.form.key == "embedded:app:forms/segment.html"
    assert [field.id for field in task_spec.form.fields] == ["segment", "employees"]
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    complete(workflow, "Task_segment", segment="founder")
    assert ready_user_tasks(workflow) == ["Task_founder"]


def test_spiff_dialect_keeps_properties_on_the_spec() -> None:
    task_spec = only("spiff_props.bpmn").spec.task_specs["Task_map_needs"]
    assert task_spec.extensions["properties"]["formJsonSchemaFilename"] == "needs-schema.json"


def test_decision_table_loads_with_its_process_and_decides() -> None:
    process = only("business_rule.bpmn", "routing.dmn")
    assert set(process.source) == {"business_rule.bpmn", "routing.dmn"}
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.get_tasks(state=TaskState.READY)[0].data["segment"] = "founder"
    workflow.do_engine_steps()
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == "Task_handoff"]
    assert task.data["organisation"] == "Novago"


def test_embedded_subprocess_nodes_inherit_the_lane_of_the_subprocess() -> None:
    content = inline("""
  <bpmn:collaboration id="C"><bpmn:participant id="P" name="Pool" processRef="Sub_demo" /></bpmn:collaboration>
  <bpmn:process id="Sub_demo" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L" name="ELY">
      <bpmn:flowNodeRef>S</bpmn:flowNodeRef><bpmn:flowNodeRef>Sub</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>E</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S" />
    <bpmn:subProcess id="Sub">
      <bpmn:startEvent id="S2" /><bpmn:userTask id="Inner" /><bpmn:endEvent id="E2" />
      <bpmn:sequenceFlow id="f1" sourceRef="S2" targetRef="Inner" />
      <bpmn:sequenceFlow id="f2" sourceRef="Inner" targetRef="E2" />
    </bpmn:subProcess>
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="f3" sourceRef="S" targetRef="Sub" />
    <bpmn:sequenceFlow id="f4" sourceRef="Sub" targetRef="E" />
  </bpmn:process>""")
    [process] = load_files([("sub.bpmn", content)])
    assert process.element_actor["Inner"] == "ELY"
    assert process.actors == ("ELY",)
    assert list(process.subprocess_specs) == ["Sub"]


# --- refused diagrams -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "element_id", "line", "message"),
    [
        (
            "gateway_no_default.bpmn",
            "Gateway_1",
            11,
            "Gateway 'Kunnossa?' (Gateway_1) has an outgoing flow with no condition and no default (flow 'Flow_no')",
        ),
        (
            "missing_target.bpmn",
            "Flow_2",
            13,
            "Sequence flow 'Flow_2' points to 'Task_missing', an element that does not exist",
        ),
        ("no_start.bpmn", "No_start", 3, "Process 'Ei alkua' (No_start) has no start event"),
        ("script_import.bpmn", "Script_evil", 10, "The script of task 'Siivoa' (Script_evil) is refused: "),
        ("condition_dunder.bpmn", "Flow_evil", 20, "The condition on flow 'Flow_evil' from gateway "),
        ("not_xml.bpmn", None, 12, "the file is not well-formed XML: "),
        ("doctype_xxe.bpmn", None, 2, "DOCTYPE declarations are not allowed"),
        ("billion_laughs.bpmn", None, 2, "DOCTYPE declarations are not allowed"),
    ],
)
def test_invalid_fixture_is_refused_naming_element_and_line(
    fixture: str, element_id: str | None, line: int, message: str
) -> None:
    issues = refusal([(fixture, read(fixture))])
    matching = [i for i in issues if i.message.startswith(message)]
    assert matching, f"no issue starts with {message!r} in {issues}"
    assert (matching[0].element_id, matching[0].line, matching[0].file) == (element_id, line, fixture)


def test_not_well_formed_message_names_the_line() -> None:
    [issue] = refused([("not_xml.bpmn", read("not_xml.bpmn"))])
    assert issue.message.endswith("at line 12")


def test_external_entity_is_refused_without_being_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    content = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">'
        '<bpmn:process id="P"><bpmn:startEvent id="S" name="&s;" /></bpmn:process></bpmn:definitions>'
    )
    for encoded in (content.encode(), content.encode("utf-16")):
        issues = refused([("xxe.bpmn", encoded)])
        assert [i.message for i in issues] == ["DOCTYPE declarations are not allowed"]
        assert "TOP-SECRET" not in str(issues)


def test_parser_itself_neither_resolves_entities_nor_accepts_a_doctype(tmp_path: Path) -> None:
    # Defence in depth: even if the byte scan missed a DOCTYPE, the parser resolves nothing and refuses it.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    content = f'<!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}">]><r>&s;</r>'.encode()
    with pytest.raises(DiagramError) as caught:
        _parse_bounded(content, "r.xml", max_depth=10, max_elements=10)
    assert caught.value.issues[0].message == "DOCTYPE declarations are not allowed"
    assert "TOP-SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("n_bytes", "message"),
    [
        (7_200_000, "the file is 7.2 MB; the limit is 5 MB"),
        (5_060_000, "the file is 5.1 MB; the limit is 5 MB"),
        # rounded to one decimal of MB these read "5 MB; the limit is 5 MB": the next unit down tells them apart
        (5_040_000, "the file is 5040 kB; the limit is 5000 kB"),
        (5_000_400, "the file is 5000.4 kB; the limit is 5000 kB"),
        (5_000_001, "the file is 5000001 bytes; the limit is 5000000 bytes"),
    ],
)
def test_file_over_the_size_limit_is_refused_before_parsing(n_bytes: int, message: str) -> None:
    [issue] = refused([("big.bpmn", b"x" * n_bytes)])
    assert issue.message == message


@pytest.mark.parametrize(
    ("content", "limits", "message"),
    [
        (b"<a>" + b"<b>" * 6 + b"</b>" * 6 + b"</a>", {"max_depth": 5}, "the file nests elements more than 5 levels deep"),
        (b"<a>" + b"<b/>" * 20 + b"</a>", {"max_elements": 10}, "the file has more than 10 elements; that is the limit"),
        (b"  \n", {}, "the file is empty"),
    ],
)
def test_secure_parser_limits(content: bytes, limits: dict[str, int], message: str) -> None:
    with pytest.raises(DiagramError) as caught:
        parse_xml(content, filename="f.xml", **limits)
    assert [i.message for i in caught.value.issues] == [message]
    assert caught.value.filename == "f.xml"


def test_issues_from_every_file_are_collected_into_one_error() -> None:
    issues = refusal([(n, read(n)) for n in ("gateway_no_default.bpmn", "no_start.bpmn")])
    assert {i.file for i in issues} == {"gateway_no_default.bpmn", "no_start.bpmn"}
    issues = refused([(n, read(n)) for n in ("not_xml.bpmn", "billion_laughs.bpmn", "no_start.bpmn")])
    assert {i.file for i in issues} == {"not_xml.bpmn", "billion_laughs.bpmn"}


def test_diagram_with_only_black_box_pools_has_no_executable_process() -> None:
    content = inline('<bpmn:collaboration id="C"><bpmn:participant id="P" name="Asiakas" /></bpmn:collaboration>')
    assert [i.message for i in refused([("empty.bpmn", content)])] == ["the diagram has no executable process"]


def test_a_bare_iso_timer_is_read_as_the_literal_it_is() -> None:
    # Camunda writes timers unquoted; SpiffWorkflow would have read P2D as an undefined name
    content = read("three_lanes.bpmn").replace(b'>"P2D"<', b">P2D<")
    assert all(p.runnable for p in load_files([("three_lanes.bpmn", content)]))


@pytest.mark.parametrize("text", [b"P2X", b'"P2X"', b'"tomorrow"', b'"PT"', b"PT1H30", b"-PT1H", b"+P2D"])
def test_a_timer_that_is_not_iso_8601_is_refused_naming_the_event(text: bytes) -> None:
    content = read("three_lanes.bpmn").replace(b'>"P2D"<', b">" + text + b"<")
    [issue] = refusal([("three_lanes.bpmn", content)])
    assert (issue.element_id, issue.line) == ("Timer_wait", 49)
    assert issue.message.startswith("The timer of event 'Odota 2 päivää' (Timer_wait) is not a valid ISO 8601 duration")


def test_refused_timer_expression_names_the_event() -> None:
    content = read("three_lanes.bpmn").replace(b'>"P2D"<', b">__import__('os')<")
    [issue] = refusal([("three_lanes.bpmn", content)])
    assert issue.element_id == "Timer_wait"
    assert issue.message.startswith("The timer of event 'Odota 2 päivää' (Timer_wait) is refused: ")


def test_schema_errors_become_issues_with_lines() -> None:
    end = b'<bpmn:endEvent id="Event_end">'
    content = read("bpmnio_simple.bpmn").replace(end, end + b"\n<bpmn:bogus />")
    [issue] = refused([("schema.bpmn", content)])
    assert issue.message.startswith("the file does not follow the BPMN/DMN schema: ")
    assert "bpmn:bogus" in issue.message
    assert issue.line == 12


def test_spiffworkflow_errors_become_issues_with_element_and_line() -> None:
    content = read("business_rule.bpmn")
    [issue] = refusal([("business_rule.bpmn", content)])
    assert (issue.element_id, issue.line, issue.file) == ("Task_decide", 7, "business_rule.bpmn")
    assert "Decision_route" in issue.message


def test_same_process_id_in_two_files_is_refused() -> None:
    issues = refused([("a.bpmn", read("loop.bpmn")), ("b.bpmn", read("loop.bpmn"))])
    assert any("Duplicate process ID: Loop_demo" in i.message for i in issues)


def test_upload_mixing_camunda_and_spiff_extensions_is_refused() -> None:
    issues = refusal([(n, read(n)) for n in ("camunda_form.bpmn", "spiff_props.bpmn")])
    assert any("mixes Camunda extensions" in i.message for i in issues)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "the upload holds no files"),
        ([("routing.dmn", None)], "the upload has no BPMN diagram, only decision tables"),
        ([("x.bpmn", b"<svg/>")], "the file is not a BPMN 2.0 diagram (its root element is 'svg')"),
    ],
)
def test_uploads_that_are_not_diagrams_are_refused(files: list[tuple[str, bytes | None]], message: str) -> None:
    real = [(name, content if content is not None else read(name)) for name, content in files]
    assert [i.message for i in refused(real)] == [message]


# --- parser and serializer factories --------------------------------------------------------------


def test_parser_for_returns_a_fresh_parser_of_the_dialect() -> None:
    assert isinstance(parser_for("spiff"), SpiffBpmnParser)
    assert isinstance(parser_for("camunda"), CamundaParser)
    assert parser_for("spiff") is not parser_for("spiff")
    with pytest.raises(ValueError):
        parser_for("zeebe")


@pytest.mark.parametrize(("fixture", "dialect"), [("three_lanes.bpmn", "spiff"), ("camunda_form.bpmn", "camunda")])
def test_serializer_for_round_trips_a_running_case(fixture: str, dialect: str) -> None:
    process = only(fixture)
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    serializer = serializer_for(dialect)
    assert serializer is serializer_for(dialect)
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    assert ready_user_tasks(restored) == ready_user_tasks(workflow) != []
    with pytest.raises(ValueError):
        serializer_for("zeebe")


def test_xml_tree_from_parse_xml_is_an_lxml_tree() -> None:
    assert isinstance(parse_xml(read("loop.bpmn"), filename="loop.bpmn"), etree._ElementTree)


def test_call_activity_must_call_a_process_of_the_upload() -> None:
    content = inline("""
  <bpmn:process id="Caller" isExecutable="true">
    <bpmn:startEvent id="S" />
    <bpmn:callActivity id="Call_missing" calledElement="Elsewhere" />
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Call_missing" />
    <bpmn:sequenceFlow id="f2" sourceRef="Call_missing" targetRef="E" />
  </bpmn:process>""")
    [issue] = refusal([("caller.bpmn", content)])
    assert (issue.element_id, issue.line, issue.file) == ("Call_missing", 6, "caller.bpmn")
    assert "calls process 'Elsewhere', which is not in this upload" in issue.message
    called_content = read("loop.bpmn").replace(b"Loop_demo", b"Elsewhere")
    [caller, called] = load_files([("caller.bpmn", content), ("loop.bpmn", called_content)])
    assert list(caller.subprocess_specs) == ["Elsewhere"]
    assert called.key == "Elsewhere"


def test_hostile_file_with_thousands_of_problems_is_summarised() -> None:
    tasks = "".join(f'<bpmn:task id="T{i}" />' for i in range(300))
    issues = refusal([("many.bpmn", inline(f'<bpmn:process id="P"><bpmn:startEvent id="S" />{tasks}</bpmn:process>'))])
    assert len(issues) == 201
    assert issues[-1].message.startswith("... and ")


def test_path_too_long_for_spiffworkflow_is_a_diagram_error() -> None:
    chain = "".join(
        f'<bpmn:task id="T{i}" /><bpmn:sequenceFlow id="F{i}" sourceRef="T{i}" targetRef="T{i + 1}" />' for i in range(700)
    )
    content = inline(
        '<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S" />'
        f'<bpmn:sequenceFlow id="F" sourceRef="S" targetRef="T0" />{chain}<bpmn:endEvent id="T700" /></bpmn:process>'
    )
    [issue] = refusal([("long.bpmn", content)])
    assert issue.message.startswith("the engine cannot run this: a path of the diagram is too long")


@pytest.mark.parametrize("reserved", ["Start", "End", "Root"])
def test_element_ids_reserved_by_spiffworkflow_are_refused(reserved):
    content = read("bpmnio_simple.bpmn").replace(b'"StartEvent_1"', f'"{reserved}"'.encode())
    content = content.replace(b">StartEvent_1<", f">{reserved}<".encode())
    issues = refusal([("reserved.bpmn", content)])
    assert any(i.element_id == reserved and "reserved" in i.message and i.line for i in issues), issues


def test_stored_text_of_bytes_in_no_known_encoding_is_a_clear_refusal() -> None:
    assert source_text("<a>ä</a>".encode(), filename="a.bpmn") == "<a>ä</a>"
    with pytest.raises(DiagramError) as refused:
        source_text(b"<a>\xe4</a>", filename="a.bpmn")  # Latin-1 bytes, no declaration saying so
    assert [(i.file, i.message) for i in refused.value.issues] == [
        ("a.bpmn", "the file is not UTF-8 and declares no encoding its bytes are in: save it as UTF-8")
    ]
