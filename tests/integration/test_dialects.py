"""Diagrams from bpmn.io, Camunda Modeler and SpiffWorkflow's tools, and DMN tables, run as cases."""

from __future__ import annotations

import pytest

from engine.model import CaseStatus
from tests.conftest import read


def _only(kapula, case_id):
    (task,) = kapula.ready_tasks(case_id=case_id)
    return task


@pytest.mark.parametrize(("segment", "expected"), [("founder", "Task_founder"), ("growth", "Task_other")])
def test_a_camunda_modeler_diagram_runs_and_survives_a_reload(open_engine, segment, expected):
    kapula = open_engine()
    (version,) = kapula.deploy([read("camunda_form.bpmn")]).versions
    assert version.actors == ("Novago",)
    case = kapula.start_case("Routing_camunda")
    first = _only(kapula, case.id)
    assert (first.element_id, first.lane, first.form) == ("Task_segment", "Novago", "embedded:app:forms/segment.html")
    kapula.close()

    again = open_engine()  # a restart: the case is rebuilt with the Camunda serializer
    again.complete_task(first.id, {"segment": segment})
    assert _only(again, case.id).element_id == expected


def test_a_spiffworkflow_diagram_with_a_script_task(kapula):
    kapula.deploy([read("spiff_props.bpmn"), read("needs-schema.json")])
    case = kapula.start_case("Needs_spiff")
    task = _only(kapula, case.id)
    assert task.form == "needs-schema.json"
    done = kapula.complete_task(task.id, {"urgent": True})
    assert done.status is CaseStatus.COMPLETED and done.data["score"] == 3


@pytest.mark.parametrize(
    ("segment", "organisation"),
    [("founder", "Novago"), ("recruitment", "TE-toimisto"), ("local", "Lohjan Yrittäjät")],
)
def test_a_dmn_decision_table_routes_the_case(kapula, segment, organisation):
    kapula.deploy([read("business_rule.bpmn"), read("routing.dmn")])
    case = kapula.start_case("Routing_decision", {"segment": segment})
    assert _only(kapula, case.id).element_id == "Task_handoff"
    assert kapula.get_case(case.id).data["organisation"] == organisation


def test_a_collaboration_makes_pools_and_lanes_actors(kapula):
    result = kapula.deploy([read("collaboration.bpmn")])
    assert [v.key for v in result.versions] == ["Routing_novago"]
    actors = result.versions[0].actors
    assert actors == ("Asiakas", "Neuvonta", "Kasvu", "Kansainvälistyminen", "TE-toimisto")


@pytest.mark.parametrize(("encoding", "codec"), [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")])
def test_a_diagram_saved_in_another_encoding_loads_runs_and_survives_a_reload(open_engine, encoding, codec):
    # Windows tools save UTF-16, older exports Latin-1: the upload passed every check and then
    # crashed storing its text (UnicodeDecodeError: a traceback on the command line, HTTP 500)
    text = read("three_lanes.bpmn")[1].decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    kapula = open_engine()
    (version,) = kapula.deploy([("three_lanes.bpmn", text.encode(codec)), read("tarve.json")]).versions
    assert version.name == "Yrityskäynti ja kapulan vaihto" and version.actors == ("Asiakas", "SEK", "ELY")
    stored = kapula.version_source("Handoff_demo", 1)["three_lanes.bpmn"]
    assert stored.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "Yrityskäynti" in stored
    case = kapula.start_case("Handoff_demo")
    kapula.close()

    again = open_engine()  # a restart: the version is read back from its stored text
    task = _only(again, case.id)
    assert task.name == "Kuvaa tarve"
    assert again.complete_task(task.id, {"need": "kasvu"}).ready_tasks[0].lane == "SEK"
