"""DMN decision tables as Kapula runs them: every decision of a file, every DMN 1.3 hit policy.

SpiffWorkflow 3.2.0 reads one decision per file ("Multiple decision tables are not current
supported", dmn/parser/DMNParser.py) and evaluates every table as FIRST (UNIQUE stops at the first
match, the other policies are commented out in dmn/specs/model.py). Kapula plugs in here instead:
`DecisionsMixin` (mixed into the BPMN parsers) registers each decision of a file, `KapulaDMNEngine`
evaluates a table by its hit policy (DMN 1.3 §8.2.11), and `RULE_TASK_CONVERTERS` store the extra
fields (aggregation, output values, the decision's id and name) with a version's spec.

A violated policy (two rules match a UNIQUE table, rules of an ANY table disagree) raises
WorkflowTaskException naming the decision, which the service layer turns into a CaseStepError.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask as CamundaRuleTask
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import DecisionTable, Input, Output, Rule
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask as SpiffRuleTask
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.expressions.dmn_cells import INPUT_NAME, CellMatcher, cell_matcher
from engine.expressions.feel import FeelNameError, Value, is_data_path, parse_literal, parse_literal_list
from engine.runtime.labels import element_label

SINGLE_HIT = ("UNIQUE", "ANY", "FIRST", "PRIORITY")
MULTIPLE_HIT = ("RULE ORDER", "OUTPUT ORDER", "COLLECT")
AGGREGATIONS: dict[str, Callable[[list[Any]], Any]] = {
    "SUM": lambda values: sum(values) if values else None,
    "MIN": lambda values: min(values) if values else None,
    "MAX": lambda values: max(values) if values else None,
    "COUNT": len,
}
_SKIPPED_TABLE_CHILDREN = ("description", "extensionElements", "annotation")


class KapulaOutput(Output):
    """An output column with its ordered `output_values` (highest priority first), if any."""

    def __init__(self, id: str, label: str, name: str, typeRef: str, output_values: list[Any] | None = None) -> None:
        super().__init__(id, label, name, typeRef)
        self.output_values = output_values


class KapulaDecisionTable(DecisionTable):
    """A decision table that knows its aggregation and the decision it belongs to."""

    def __init__(
        self,
        id: str,
        name: str,
        hit_policy: str,
        *,
        aggregation: str | None = None,
        decision_id: str = "",
        decision_name: str = "",
    ) -> None:
        super().__init__(id, name, " ".join((hit_policy or "UNIQUE").upper().split()))
        self.aggregation = aggregation.upper() if aggregation else None
        self.decision_id = decision_id
        self.decision_name = decision_name

    @property
    def label(self) -> str:
        ident = self.decision_id or self.id
        return f"decision '{self.decision_name or ident}' ({ident})"


def table_problems(table: KapulaDecisionTable) -> list[tuple[str, str]]:
    """What makes `table` unable to run: (element id, plain words) pairs, checked at upload."""
    problems: list[tuple[str, str]] = []
    policy = table.hit_policy
    if policy not in SINGLE_HIT + MULTIPLE_HIT:
        problems.append((table.id, f"{table.label} has the unknown hit policy '{policy}'"))
    if table.aggregation is not None:
        if policy != "COLLECT" or table.aggregation not in AGGREGATIONS:
            problems.append(
                (
                    table.id,
                    f"{table.label}: the aggregation '{table.aggregation}' needs the hit "
                    "policy COLLECT and is one of SUM, MIN, MAX, COUNT",
                )
            )
        elif len(table.outputs) != 1:
            problems.append(
                (
                    table.id,
                    f"{table.label}: an aggregation ({table.aggregation}) needs exactly one output column (DMN 1.3 §8.2.11)",
                )
            )
    if policy in ("PRIORITY", "OUTPUT ORDER") and not any(o.output_values for o in table.outputs):
        problems.append(
            (
                table.id,
                f"{table.label}: the hit policy {policy} orders by the output values, but no "
                'output column lists them (e.g. "HIGH","LOW")',
            )
        )
    for rule in table.rules:
        for entry in rule.inputEntries:
            for text in entry.lhs:
                _matcher, problem = cell_matcher(text)
                if problem:
                    problems.append(
                        (entry.id, f"{table.label}, rule {rule.row_number} ({rule.id}): the input entry {text!r} {problem}")
                    )
    return problems


class KapulaDMNEngine:
    """Evaluates one decision table for a task by its hit policy; returns the outputs to merge into the task data."""

    def __init__(self, decision_table: KapulaDecisionTable) -> None:
        self.decision_table = decision_table

    def result(self, task: Any) -> dict[str, Any]:
        """The outputs of the table for the task's data. Raises WorkflowTaskException naming the
        decision (name and id) and where in its table (input column, rule) the evaluation failed."""
        table = self.decision_table
        inputs = _Inputs(table, task)
        matched: list[Rule] = []
        for rule in table.rules:
            if self._matches(rule, inputs, task):
                matched.append(rule)
                if table.hit_policy == "FIRST":
                    break
        if table.hit_policy == "UNIQUE" and len(matched) > 1:
            raise self._violation("allows only one matching rule", matched, task)
        outputs = [self._outputs(rule, task) for rule in matched]
        return _nest(self._combine(matched, outputs, task))

    def _combine(self, matched: list[Rule], outputs: list[dict[str, Any]], task: Any) -> dict[str, Any]:
        table = self.decision_table
        names = [_output_name(o) for o in table.outputs]
        policy = table.hit_policy
        if policy == "ANY" and len({json.dumps(o, sort_keys=True, default=str) for o in outputs}) > 1:
            raise self._violation("needs every matching rule to give the same output", matched, task)
        if policy in ("PRIORITY", "OUTPUT ORDER"):
            order = sorted(range(len(outputs)), key=lambda i: self._priority(matched[i], outputs[i], task))
            matched, outputs = [matched[i] for i in order], [outputs[i] for i in order]
        if policy in SINGLE_HIT:
            return outputs[0] if outputs else {name: None for name in names}
        if table.aggregation is not None:
            values = [o[names[0]] for o in outputs]
            return {names[0]: self._aggregate(values, task)}
        return {name: [o[name] for o in outputs] for name in names}

    def _matches(self, rule: Rule, inputs: _Inputs, task: Any) -> bool:
        for index, entry in enumerate(rule.inputEntries):
            try:
                if not _entry_matches(entry, index, inputs, task):
                    return False
            except _DecisionError:
                raise
            except WorkflowTaskException as exc:
                column = _column_name(self.decision_table.inputs[index])
                raise _located(
                    exc, f"{self.decision_table.label}, rule {rule.row_number} ({rule.id}), input {column}", task
                ) from exc
        return True

    def _outputs(self, rule: Rule, task: Any) -> dict[str, Any]:
        out: dict[str, Any] = OrderedDict()
        for entry in rule.outputEntries:
            try:
                out[_output_name(entry.output)] = _output_value(entry.text, task)
            except WorkflowTaskException as exc:
                raise _located(
                    exc,
                    f"{self.decision_table.label}, rule {rule.row_number} ({rule.id}), output '{_output_name(entry.output)}'",
                    task,
                ) from exc
        return out

    def _priority(self, rule: Rule, output: dict[str, Any], task: Any) -> tuple[int, ...]:
        key = []
        for column in self.decision_table.outputs:
            listed = column.output_values if isinstance(column, KapulaOutput) else None
            if not listed:
                continue
            value = output[_output_name(column)]
            if value not in listed:
                raise WorkflowTaskException(
                    f"{self.decision_table.label}: rule {rule.row_number} ({rule.id}) gives "
                    f"{_output_name(column)} = {value!r}, which is not one of its output values {listed!r}",
                    task=task,
                )
            key.append(listed.index(value))
        return tuple(key)

    def _aggregate(self, values: list[Any], task: Any) -> Any:
        aggregation = self.decision_table.aggregation or ""
        if aggregation in ("SUM", "MIN", "MAX") and not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        ):
            raise WorkflowTaskException(
                f"{self.decision_table.label}: COLLECT {aggregation} needs numbers, but the matching rules give {values!r}",
                task=task,
            )
        return AGGREGATIONS[aggregation](values)

    def _violation(self, what: str, matched: list[Rule], task: Any) -> WorkflowTaskException:
        rules = ", ".join(f"{r.row_number} ({r.id})" for r in matched)
        return WorkflowTaskException(
            f"{self.decision_table.label}: the hit policy {self.decision_table.hit_policy} {what}, but rules {rules} match",
            task=task,
        )


class _Inputs:
    """Each input column's value, evaluated once and only if a rule tests it."""

    def __init__(self, table: DecisionTable, task: Any) -> None:
        self.table = table
        self.task = task
        self.values: dict[int, Any] = {}

    def value(self, index: int) -> Any:
        if index not in self.values:
            column = self.table.inputs[index]
            where = f"{getattr(self.table, 'label', self.table.name)}, input {_column_name(column)}"
            if not column.expression:
                raise _DecisionError(f"{where} has no expression", task=self.task)
            path = column.expression.strip()
            try:
                if is_data_path(path):
                    # a FEEL path into the case data (customer.type), which Python would read as an attribute
                    self.values[index] = Value(name=path).resolve(self.task.data)
                else:
                    self.values[index] = self.task.workflow.script_engine.evaluate(self.task, column.expression)
            except (FeelNameError, WorkflowTaskException) as exc:
                raise _located(exc, where, self.task) from exc
        return self.values[index]


class _DecisionError(WorkflowTaskException):
    """An error inside a decision table whose message already says where in the table."""


def _located(exc: Exception, where: str, task: Any) -> _DecisionError:
    # SpiffWorkflow's exceptions end their text with ". " and their notes
    detail = str(exc).strip().rstrip(".").strip()
    return _DecisionError(f"{where}: {detail}", task=task)


def _column_name(column: Input) -> str:
    return f"column '{column.label or column.expression or column.id}' ({column.id})"


def _entry_matches(entry: Any, index: int, inputs: _Inputs, task: Any) -> bool:
    for text in entry.lhs:
        matcher, problem = cell_matcher(text)
        if matcher is None:
            raise WorkflowTaskException(f"the input entry {text!r} {problem}", task=task)
        if matcher.always:
            continue
        if not _cell_matches(matcher, inputs.value(index), task):
            return False
    return True


def _cell_matches(matcher: CellMatcher, value: Any, task: Any) -> bool:
    """FEEL tests read the case data; a Python test runs in the case's script engine with the input as `INPUT_NAME`."""
    if matcher.feel is not None:
        try:
            return matcher.feel.matches(value, task.data)
        except FeelNameError as exc:
            raise WorkflowTaskException(str(exc), task=task) from exc
    result = task.workflow.script_engine.evaluate(task, matcher.python, external_context={INPUT_NAME: value})
    return bool(result)


def _output_value(text: str | None, task: Any) -> Any:
    """The value of an output entry: empty is null, a FEEL literal is itself, anything else a sandboxed expression."""
    cell = (text or "").strip()
    if not cell:
        return None
    is_literal, literal = parse_literal(cell)
    if is_literal:
        return literal
    return task.workflow.script_engine.evaluate(task, cell)


def _output_name(column: Output) -> str:
    return str(column.name or column.label or column.id)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    # Spiff lets an output named `a.b` set a nested key; keep that.
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        for part in reversed(key.split(".")[1:]):
            value = {part: value}
        head = key.split(".")[0]
        nested[head] = DeepMerge.merge(nested.get(head, {}), value) if isinstance(value, dict) and head in nested else value
    return nested


# -- parsing ------------------------------------------------------------------------------------


class _DecisionParser(DMNParser):
    """Spiff's DMN parser for one decision of a file, which may hold several (as a DRD does)."""

    decision: Any  # SpiffWorkflow's parsed decision (untyped), None until parse()

    def __init__(self, parser: Any, node: Any, nsmap: dict[str, str], decision: Any, filename: str | None) -> None:
        super().__init__(parser, node, nsmap, filename=filename)
        self.decision_node = _with_ids(decision)

    def parse(self) -> None:
        if self.decision is None:
            self.decision = self._parse_decision([self.decision_node])

    @property
    def bpmn_id(self) -> str:
        return str(self.decision_node.get("id"))

    def get_name(self) -> str:
        return str(self.decision_node.get("name") or self.bpmn_id)

    def _parse_decision_tables(self, decision: Any, element: Any) -> None:
        for table_element in element.findall("dmn:decisionTable", namespaces=self.nsmap):
            table = KapulaDecisionTable(
                table_element.get("id"),
                table_element.get("name", ""),
                table_element.get("hitPolicy", "UNIQUE"),
                aggregation=table_element.get("aggregation"),
                decision_id=decision.id,
                decision_name=decision.name,
            )
            decision.decisionTables.append(table)
            self._parse_inputs_outputs(table, table_element)

    def _parse_inputs_outputs(self, table: Any, element: Any) -> None:
        # Spiff's version refuses descriptions, annotation columns and comments, which modelers write
        rule_number = 0
        for child in element:
            kind = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if kind == "input":
                table.inputs.append(self._parse_input(child))
            elif kind == "output":
                table.outputs.append(self._parse_output(child))
            elif kind == "rule":
                rule_number += 1
                table.rules.append(self._parse_rule(table, child, rule_number))
            elif kind and kind not in _SKIPPED_TABLE_CHILDREN:
                raise ValidationException(f"a decision table cannot hold '{kind}'", node=child, file_name=self.filename)

    def _parse_output(self, element: Any) -> KapulaOutput:
        listed = element.find("dmn:outputValues/dmn:text", namespaces=self.nsmap)
        values = parse_literal_list(listed.text) if listed is not None else None
        if listed is not None and values is None:
            raise ValidationException(
                f"the output values {listed.text!r} of output '{element.get('name') or element.get('id')}' are "
                "not a comma-separated list of literals",
                node=element,
                file_name=self.filename,
            )
        return KapulaOutput(
            element.get("id"), element.get("label", ""), element.get("name", ""), element.get("typeRef", ""), values
        )


def _with_ids(decision: Any) -> Any:
    """The decision, with an id on every rule and cell: DMN makes them optional, Spiff needs them."""
    kinds = ("decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")
    missing = [e for e in decision.iter() if isinstance(e.tag, str) and etree.QName(e).localname in kinds and not e.get("id")]
    if not missing and decision.get("id"):
        return decision
    copy = deepcopy(decision)  # the upload's tree stays as uploaded
    prefix = decision.get("id") or "decision"
    counter = 0
    for element in copy.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in kinds and not element.get("id"):
            counter += 1
            element.set("id", f"{prefix}_{etree.QName(element).localname}_{counter}")
    return copy


class DecisionsMixin:
    """For a BpmnDmnParser: every decision of a DMN file by its id, evaluated by KapulaDMNEngine."""

    dmn_parsers: dict[str, Any]
    dmn_parsers_by_name: dict[str, Any]
    namespaces: dict[str, str]

    def add_dmn_xml(self, node: Any, filename: str | None = None) -> None:
        namespaces = dict(self.namespaces)
        namespaces.update({k: v for k, v in node.nsmap.items() if k is not None})
        if None in node.nsmap:
            namespaces["dmn"] = node.nsmap[None]
        decisions = node.findall("dmn:decision", namespaces=namespaces)
        if not decisions:
            raise ValidationException("the DMN file holds no decision", node=node, file_name=filename or "")
        for decision in decisions:
            parser = _DecisionParser(self, node, namespaces, decision, filename)
            if parser.bpmn_id in self.dmn_parsers:
                raise ValidationException(
                    f"two decisions have the id '{parser.bpmn_id}'", node=decision, file_name=filename or ""
                )
            self.dmn_parsers[parser.bpmn_id] = parser
            self.dmn_parsers_by_name[parser.get_name()] = parser

    def get_engine(self, decision_ref: str, node: Any) -> KapulaDMNEngine:
        if decision_ref not in self.dmn_parsers:
            known = ", ".join(sorted(self.dmn_parsers)) or "none"
            raise ValidationException(
                f"calls the decision '{decision_ref}', which is not in this upload (decisions uploaded: {known})",
                node=node,
                file_name="",
            )
        parser = self.dmn_parsers[decision_ref]
        parser.parse()
        tables = parser.decision.decisionTables
        if not tables:
            raise ValidationException(
                f"calls the decision '{parser.get_name()}' ({decision_ref}), which has no "
                "decision table; Kapula runs decision tables only",
                node=node,
                file_name="",
            )
        return KapulaDMNEngine(tables[0])


def decision_issues(parser: Any) -> list[tuple[str, str, str]]:
    """(file, element id, plain words) for every problem of the decision tables a BpmnDmnParser holds
    (their parse errors raise ValidationException)."""
    problems: list[tuple[str, str, str]] = []
    for decision_parser in parser.dmn_parsers.values():
        decision_parser.parse()
        for table in decision_parser.decision.decisionTables:
            problems += [(decision_parser.filename, ident, text) for ident, text in table_problems(table)]
    return problems


# -- storing with a version's spec ------------------------------------------------------------


class _TableConverterMixin:
    """Stores Kapula's extra table fields; restores every table (old ones too) into a KapulaDMNEngine."""

    def decision_table_to_dict(self, table: Any) -> dict[str, Any]:
        # the ignores in this mixin: the SpiffWorkflow converter it is mixed into defines these
        dct: dict[str, Any] = super().decision_table_to_dict(table)  # type: ignore[misc]
        dct["aggregation"] = getattr(table, "aggregation", None)
        dct["decision_id"] = getattr(table, "decision_id", "")
        dct["decision_name"] = getattr(table, "decision_name", "")
        return dct

    def decision_table_from_dict(self, dct: dict[str, Any]) -> KapulaDecisionTable:
        table = KapulaDecisionTable(
            dct["id"],
            dct["name"],
            dct.get("hit_policy", "UNIQUE"),
            aggregation=dct.get("aggregation"),
            decision_id=dct.get("decision_id", ""),
            decision_name=dct.get("decision_name", ""),
        )
        table.inputs = [Input(**val) for val in dct["inputs"]]
        table.outputs = [KapulaOutput(**val) for val in dct["outputs"]]
        table.rules = [self.rule_from_dict(rule, table.inputs, table.outputs) for rule in dct["rules"]]  # type: ignore[attr-defined]
        return table

    def from_dict(self, dct: dict[str, Any]) -> Any:
        dct["dmnEngine"] = KapulaDMNEngine(self.decision_table_from_dict(dct.pop("decision_table")))
        return self.task_spec_from_dict(dct)  # type: ignore[attr-defined]


class _SpiffRuleTaskConverter(_TableConverterMixin, BusinessRuleTaskConverter):
    pass


class _CamundaRuleTaskConverter(_TableConverterMixin, BaseBusinessRuleTaskConverter):
    pass


RULE_TASK_CONVERTERS: dict[str, dict[type, type]] = {
    "spiff": {SpiffRuleTask: _SpiffRuleTaskConverter},
    "camunda": {CamundaRuleTask: _CamundaRuleTaskConverter},
}


def _run_rule_task(self: Any, my_task: Any) -> bool:
    # SpiffWorkflow 3.2.0's version notes "Business Rule Task 'name'." on every error: the name
    # without the id (and 'None' for a task without a name)
    try:
        my_task.data = DeepMerge.merge(my_task.data, self.dmnEngine.result(my_task))
        super(BusinessRuleTaskMixin, self)._run_hook(my_task)
    except SpiffWorkflowException as exc:
        exc.add_note(f"business rule task {element_label(self)}")
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the table is the step's failure
        error = WorkflowTaskException(str(exc), task=my_task, exception=exc)
        error.add_note(f"business rule task {element_label(self)}")
        raise error from exc
    return True


BusinessRuleTaskMixin._run_hook = _run_rule_task
