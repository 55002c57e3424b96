"""Every DMN 1.3 hit policy, FEEL unary tests in input cells, and files with several decisions
(../shared/cases/engine/dmn-hit-policies: customer "VIP" with amount 1500 matches two rules of each table)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import CaseStepError
from engine.model import CaseStatus
from tests.conftest import FIXTURES, cannot_run

DMN = FIXTURES / "dmn"
VIP_1500 = {"customer": "VIP", "amount": 1500}


def rule_task_diagram(decision: str, name: str = "Decide") -> tuple[str, bytes]:
    """A process of one business rule task calling `decision`, then a user task to look at the result."""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs" targetNamespace="urn:t">
  <bpmn:process id="Decide_{decision}" name="Decide" isExecutable="true">
    <bpmn:startEvent id="Start_1"><bpmn:outgoing>F0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="Rule_1" name="{name}"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>F0</bpmn:incoming><bpmn:outgoing>F1</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:userTask id="Task_look" name="Look at results"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F0" sourceRef="Start_1" targetRef="Rule_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="Rule_1" targetRef="Task_look" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_look" targetRef="End_1" />
  </bpmn:process>
</bpmn:definitions>"""
    return f"decide_{decision}.bpmn", text.encode()


def table(
    decision: str,
    hit_policy: str,
    inputs: list[str],
    rules: list[tuple[list[str], list[str]]],
    *,
    outputs: tuple[str, ...] = ("result",),
    aggregation: str | None = None,
    output_values: str | None = None,
) -> tuple[str, bytes]:
    """A one-decision DMN 1.3 file; each rule is (input cells, output cells)."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    values = f"<outputValues><text>{_xml(output_values)}</text></outputValues>" if output_values else ""
    head = "".join(
        f'<input id="I{i}"><inputExpression typeRef="string"><text>{_xml(e)}</text></inputExpression></input>'
        for i, e in enumerate(inputs)
    )
    head += "".join(f'<output id="O{i}" name="{o}">{values if i == 0 else ""}</output>' for i, o in enumerate(outputs))
    body = "".join(
        f'<rule id="R{n}">'
        + "".join(f"<inputEntry><text>{_xml(c)}</text></inputEntry>" for c in ins)
        + "".join(f"<outputEntry><text>{_xml(c)}</text></outputEntry>" for c in outs)
        + "</rule>"
        for n, (ins, outs) in enumerate(rules, start=1)
    )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        f'id="Defs_{decision}" name="t" namespace="urn:t"><decision id="{decision}" name="Decision {decision}">'
        f'<decisionTable id="T_{decision}" hitPolicy="{hit_policy}"{agg}>{head}{body}</decisionTable></decision></definitions>'
    )
    return f"{decision}.dmn", text.encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _read(path: Path) -> tuple[str, bytes]:
    return path.name, path.read_bytes()


def run(kapula, decision: str, dmn: tuple[str, bytes], data: dict):
    kapula.deploy([rule_task_diagram(decision), dmn])
    return kapula.start_case(f"Decide_{decision}", data)


# -- the cases' right values, with the one-decision files and with the five-decision file --------------


@pytest.mark.parametrize("single_file", [True, False], ids=["own-file", "multi-decision-file"])
@pytest.mark.parametrize(
    ("decision", "output", "value"),
    [
        ("d_priority", "level", "HIGH"),
        ("d_rule_order", "labels", ["vip", "large"]),
        ("d_collect_sum", "points", 5),
    ],
)
def test_hit_policies_give_the_right_value(kapula, single_file, decision, output, value):
    dmn = _read(DMN / f"{decision}.dmn") if single_file else _read(DMN / "multi_decision_file.dmn")
    case = run(kapula, decision, dmn, VIP_1500)
    assert case.status is CaseStatus.RUNNING
    assert case.data[output] == value


@pytest.mark.parametrize("single_file", [True, False], ids=["own-file", "multi-decision-file"])
@pytest.mark.parametrize(
    ("decision", "words"),
    [
        ("d_unique", "the hit policy UNIQUE allows only one matching rule, but rules 1 (R1_d_unique), 2 (R2_d_unique) match"),
        (
            "d_any",
            "the hit policy ANY needs every matching rule to give the same output, but rules 1 (R1_d_any), 2 (R2_d_any) match",
        ),
    ],
)
def test_a_violated_hit_policy_is_a_failed_step_naming_the_decision(kapula, single_file, decision, words):
    dmn = _read(DMN / f"{decision}.dmn") if single_file else _read(DMN / "multi_decision_file.dmn")
    with pytest.raises(CaseStepError) as info:
        run(kapula, decision, dmn, VIP_1500)
    assert f"decision '{decision}' ({decision})" in info.value.message
    assert words in info.value.message
    assert info.value.element_id == "Rule_1"
    assert kapula.cases() == []  # nothing was stored


@pytest.mark.parametrize("decision", ["d_unique", "d_any"])
def test_the_same_tables_run_when_one_rule_matches(kapula, decision):
    case = run(kapula, decision, _read(DMN / f"{decision}.dmn"), {"customer": "VIP", "amount": 10})
    assert case.data == {
        "customer": "VIP",
        "amount": 10,
        **{"d_unique": {"discount": 10}, "d_any": {"channel": "phone"}}[decision],
    }


def test_the_reference_five_decision_diagram_loads_and_fails_at_the_unique_table(kapula):
    kapula.deploy([_read(DMN / "hit_policies.bpmn"), _read(DMN / "multi_decision_file.dmn")])
    with pytest.raises(CaseStepError, match=r"in 'Decide d_unique'.*decision 'd_unique' \(d_unique\)"):
        kapula.start_case("Hit_policies", VIP_1500)
    case = kapula.start_case("Hit_policies", {"customer": "VIP", "amount": 10})
    assert (case.data["discount"], case.data["level"], case.data["labels"], case.data["channel"], case.data["points"]) == (
        10,
        "LOW",
        ["vip"],
        "phone",
        2,
    )


# -- more examples of each policy ------------------------------------------------------------------


AGE_RULES = [(["< 18"], ["1"]), (["[18..65]"], ["2"]), (["> 30"], ["4"])]


@pytest.mark.parametrize(
    ("policy", "aggregation", "age", "value"),
    [
        ("FIRST", None, 40, 2),
        ("FIRST", None, 10, 1),
        ("FIRST", None, 99, 4),
        ("RULE ORDER", None, 40, [2, 4]),
        ("COLLECT", None, 40, [2, 4]),
        ("COLLECT", "SUM", 40, 6),
        ("COLLECT", "MIN", 40, 2),
        ("COLLECT", "MAX", 40, 4),
        ("COLLECT", "COUNT", 40, 2),
        ("COLLECT", "COUNT", 10, 1),
        ("COLLECT", "SUM", -5, 1),
        ("RULE ORDER", None, 17.5, [1]),
    ],
)
def test_more_hit_policies(kapula, policy, aggregation, age, value):
    dmn = table("ages", policy, ["age"], AGE_RULES, aggregation=aggregation)
    assert run(kapula, "ages", dmn, {"age": age}).data["result"] == value


def test_no_matching_rule_gives_null_or_an_empty_list_or_zero(open_engine):
    assert run(open_engine(), "a", table("a", "UNIQUE", ["x"], [(["1"], ["1"])]), {"x": 2}).data["result"] is None
    assert run(open_engine(), "b", table("b", "RULE ORDER", ["x"], [(["1"], ["1"])]), {"x": 2}).data["result"] == []
    assert (
        run(open_engine(), "c", table("c", "COLLECT", ["x"], [(["1"], ["1"])], aggregation="COUNT"), {"x": 2}).data["result"] == 0
    )
    assert (
        run(open_engine(), "d", table("d", "COLLECT", ["x"], [(["1"], ["1"])], aggregation="SUM"), {"x": 2}).data["result"]
        is None
    )


@pytest.mark.parametrize(
    ("policy", "amount", "value"),
    [
        ("PRIORITY", 5000, "gold"),
        ("PRIORITY", 500, "silver"),
        ("PRIORITY", 5, "bronze"),
        ("OUTPUT ORDER", 5000, ["gold", "silver", "bronze"]),
        ("OUTPUT ORDER", 500, ["silver", "bronze"]),
    ],
)
def test_priority_and_output_order_follow_the_output_values(kapula, policy, amount, value):
    rules = [(["-"], ['"bronze"']), ([">= 100"], ['"silver"']), ([">= 1000"], ['"gold"'])]
    dmn = table("tier", policy, ["amount"], rules, output_values='"gold","silver","bronze"')
    assert run(kapula, "tier", dmn, {"amount": amount}).data["result"] == value


def test_any_with_equal_outputs_gives_that_output(kapula):
    dmn = table("same", "ANY", ["x"], [(["> 1"], ['"big"']), (["> 2"], ['"big"'])])
    assert run(kapula, "same", dmn, {"x": 5}).data["result"] == "big"


def test_several_outputs_of_a_multiple_hit_table_are_lists_in_rule_order(kapula):
    rules = [(["> 1"], ['"a"', "1"]), (["> 2"], ['"b"', "2"])]
    dmn = table("two", "RULE ORDER", ["x"], rules, outputs=("letter", "number"))
    case = run(kapula, "two", dmn, {"x": 5})
    assert (case.data["letter"], case.data["number"]) == (["a", "b"], [1, 2])


# -- FEEL unary tests in input cells ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "matching", "not_matching"),
    [
        ("[250..1000]", [250, 600, 1000], [249, 1001, "600", None]),
        ("]250..1000[", [251, 999.5], [250, 1000]),
        ("(250..1000]", [1000], [250]),
        ('"a","b"', ["a", "b"], ["c", None, 1]),
        ("< 5", [4, -1, 4.9], [5, 6, "4", None]),
        ("<= 5", [5], [6]),
        (">= 5", [5], [4]),
        ('not("x")', ["y", None, 3], ["x"]),
        ('not("x","y")', ["z"], ["x", "y"]),
        ("-", ["anything", None, 3], []),
        ("", ["anything"], []),
        ("true", [True], [False, 1, "true"]),
        ("null", [None], [0, ""]),
        ("limit", [7], [8]),
        ("< limit", [6], [7]),
        ("[1..limit]", [1, 7], [8]),
        ('"with, comma"', ["with, comma"], ["with"]),
        # SpiffWorkflow's Python reading keeps working
        ("? in (1, 2)", [1, 2], [3]),
        ("100 <= ? < 1000", [100, 999], [1000]),
        ("== 3", [3], [4]),
        ("in [1, 2]", [1], [3]),
    ],
)
def test_input_cells(open_engine, cell, matching, not_matching):
    dmn = table("cell", "FIRST", ["x"], [([cell], ['"hit"']), (["-"], ['"miss"'])])
    for value, expected in [(v, "hit") for v in matching] + [(v, "miss") for v in not_matching]:
        case = run(open_engine(), "cell", dmn, {"x": value, "limit": 7})
        assert case.data["result"] == expected, (cell, value)


def test_a_name_in_a_cell_that_is_not_in_the_data_is_a_failed_step(kapula):
    dmn = table("names", "FIRST", ["x"], [(["< missing"], ['"hit"'])])
    with pytest.raises(CaseStepError, match="name 'missing' is not defined"):
        run(kapula, "names", dmn, {"x": 1})


# -- checked at upload --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dmn", "words"),
    [
        (table("bad", "UNIQUE", ["x"], [(["[1..]"], ["1"])]), "the input entry '[1..]' is neither a FEEL unary test"),
        (table("bad", "UNIQUE", ["x"], [(['__import__("os")'], ["1"])]), "is refused: uses the name '__import__'"),
        (table("bad", "PRIORITY", ["x"], [(["1"], ["1"])]), "the hit policy PRIORITY orders by the output values"),
        (table("bad", "RULE ORDER", ["x"], [(["1"], ["1"])], aggregation="SUM"), "needs the hit policy COLLECT"),
        (
            table("bad", "COLLECT", ["x"], [(["1"], ["1", "2"])], outputs=("a", "b"), aggregation="SUM"),
            "an aggregation (SUM) needs exactly one output column",
        ),
    ],
)
def test_tables_that_cannot_run_are_refused_at_upload(kapula, dmn, words):
    info = cannot_run(kapula, [rule_task_diagram("bad"), dmn])
    assert any(words in issue.message for issue in info.issues), info.message
    assert any(issue.file == "bad.dmn" and issue.line for issue in info.issues)


def test_a_call_to_a_decision_that_is_not_uploaded_names_it(kapula):
    assert re.search(
        "calls the decision 'nowhere', which is not in this upload",
        cannot_run(kapula, [rule_task_diagram("nowhere"), _read(DMN / "d_unique.dmn")]).message,
    )


def test_two_files_with_the_same_decision_id_are_refused(kapula):
    assert re.search(
        "two decisions have the id 'd_unique'",
        cannot_run(
            kapula,
            [rule_task_diagram("d_unique"), _read(DMN / "d_unique.dmn"), ("copy.dmn", (DMN / "d_unique.dmn").read_bytes())],
        ).message,
    )


def test_a_decision_survives_a_restart_with_its_hit_policy(open_engine):
    first = open_engine()
    first.deploy([rule_task_diagram("d_collect_sum"), _read(DMN / "multi_decision_file.dmn")])
    first.close()
    again = open_engine()  # the spec comes back from the database
    assert again.start_case("Decide_d_collect_sum", VIP_1500).data["points"] == 5


@pytest.mark.parametrize(
    ("employees", "size", "channel"), [(10, "small", "web"), (120, "medium", "advisor"), (900, "large", "advisor")]
)
def test_a_camunda_modeler_drd_with_several_decisions_runs(open_engine, employees, size, channel):
    kapula = open_engine()
    kapula.deploy([_read(DMN / "camunda_rules.bpmn"), _read(DMN / "camunda_drd.dmn")])
    case = kapula.start_case("Camunda_rules", {"employees": employees})
    kapula.close()
    again = open_engine()  # and after a restart, with the Camunda serializer
    data = again.get_case(case.id).data
    assert (data["size"], data["channel"]) == (size, channel)


def test_calling_a_decision_without_a_table_is_refused_at_upload(kapula):
    diagram = (DMN / "camunda_rules.bpmn").read_bytes().replace(b'"Decision_size"', b'"Decision_note"')
    assert re.search(
        r"calls the decision 'Note for the file' \(Decision_note\), which has no decision table",
        cannot_run(kapula, [("camunda_rules.bpmn", diagram), _read(DMN / "camunda_drd.dmn")]).message,
    )


def test_an_input_expression_may_be_a_feel_path_into_the_data(kapula):
    dmn = table("path", "FIRST", ["customer.type"], [(['"VIP"'], ['"phone"']), (["-"], ['"web"'])])
    assert run(kapula, "path", dmn, {"customer": {"type": "VIP"}}).data["result"] == "phone"
    with pytest.raises(CaseStepError, match="name 'customer.type' is not defined"):
        run(kapula, "path", dmn, {"customer": {}})


@pytest.mark.parametrize(
    ("dmn", "data", "where"),
    [
        (
            table("names", "FIRST", ["x"], [(["< missing"], ['"hit"'])]),
            {"x": 1},
            "decision 'Decision names' (names), rule 1 (R1), input column 'x' (I0): name 'missing' is not defined",
        ),
        (
            table("names", "FIRST", ["y"], [(["1"], ["1"])]),
            {"x": 1},
            "decision 'Decision names' (names), input column 'y' (I0): Expression 'y' could not be evaluated: NameError",
        ),
        (
            table("names", "FIRST", ["x"], [(["1"], ["1/0"])]),
            {"x": 1},
            "decision 'Decision names' (names), rule 1 (R1), output 'result': Expression '1/0' could not be evaluated",
        ),
    ],
)
def test_an_error_inside_a_decision_names_the_task_the_decision_and_the_cell(kapula, dmn, data, where):
    with pytest.raises(CaseStepError) as info:
        run(kapula, "names", dmn, data)
    assert where in info.value.message
    assert info.value.message.endswith("business rule task 'Decide' (Rule_1)")  # SpiffWorkflow's note had no id
    assert info.value.element_id == "Rule_1"
    assert kapula.cases() == []
