"""Gateway conditions that know their sequence flow, so a condition that fails at run time names
the flow (its name and id) and not only the gateway.

SpiffWorkflow 3.2.0 keeps of a flow's condition only the expression and the target task spec
(bpmn/specs/bpmn_task_spec.py `_BpmnCondition`, serialized as {"condition", "task_spec"}): the
flow's id and name are gone after parsing. `name_condition_flows` puts them back on the parsed
specs from the diagram's XML, and the converters below keep them in the stored spec ("flow").
A spec stored before has no "flow" and restores to SpiffWorkflow's own condition, which names only
the gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter, ExclusiveGatewayConverter
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import _BpmnCondition
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway

from engine.bpmn_xml.inspect import NS

# SpiffWorkflow's spec for a flow into an activity with boundary events
_BOUNDARY_SPLIT = ".BoundaryEventSplit"


class FlowCondition(_BpmnCondition):
    """A sequence flow's condition with the flow's id and name."""

    def __init__(self, expression: str, flow_id: str, flow_name: str | None) -> None:
        super().__init__(expression)
        self.flow_id = flow_id
        self.flow_name = flow_name

    @property
    def flow_label(self) -> str:
        """ "'Name' (id)", or "'id'" when the flow has no name."""
        return f"'{self.flow_name}' ({self.flow_id})" if self.flow_name else f"'{self.flow_id}'"

    def _matches(self, task: Any) -> Any:
        try:
            return super()._matches(task)
        except WorkflowTaskException as exc:
            # the script engine's message names the expression; the gateway is named from the task
            raise WorkflowTaskException(
                f"the condition of the sequence flow {self.flow_label}: {exc.args[0] if exc.args else exc}",
                task=task,
                exception=exc.__cause__ if isinstance(exc.__cause__, Exception) else None,
                line_number=exc.line_number,
                offset=exc.offset,
                error_line=exc.error_line,
            ) from exc


def _flows(trees: Iterable[etree._ElementTree]) -> dict[tuple[str, str], list[tuple[str, str | None, str]]]:
    """(source id, target id) -> each sequence flow between them: (id, name, condition text)."""
    flows: dict[tuple[str, str], list[tuple[str, str | None, str]]] = {}
    for tree in trees:
        for flow in tree.getroot().iterfind(".//bpmn:sequenceFlow", NS):
            condition = flow.find("bpmn:conditionExpression", NS)
            text = (condition.text or "") if condition is not None else ""
            name = " ".join((flow.get("name") or "").split()) or None
            flows.setdefault((flow.get("sourceRef", ""), flow.get("targetRef", "")), []).append(
                (flow.get("id", ""), name, text.strip())
            )
    return flows


def name_condition_flows(specs: Iterable[Any], trees: Iterable[etree._ElementTree]) -> None:
    """Give every condition of the gateways of `specs` (process specs, as parsed from `trees`) its
    sequence flow's id and name. A condition whose flow cannot be told apart (two flows between the
    same elements with the same text) is left as it is."""
    flows = _flows(trees)
    for process in specs:
        for spec in process.task_specs.values():
            if not isinstance(spec, (ExclusiveGateway, InclusiveGateway)) or not spec.bpmn_id:
                continue
            named = []
            for condition, target_name in spec.cond_task_specs:
                if condition is not None and not isinstance(condition, FlowCondition):
                    target = process.task_specs.get(target_name)
                    target_id = getattr(target, "bpmn_id", None) or target_name.removesuffix(_BOUNDARY_SPLIT)
                    expression = str(condition.args[0])
                    found = [f for f in flows.get((spec.bpmn_id, target_id), []) if f[2] == expression.strip()]
                    if len(found) == 1:
                        condition = FlowCondition(expression, found[0][0], found[0][1])
                named.append((condition, target_name))
            spec.cond_task_specs = named


class _FlowConditions:
    """A gateway converter that stores each condition's flow ("flow": [id, name])."""

    def bpmn_condition_to_dict(self, condition: tuple[Any, str]) -> dict[str, Any]:
        dct: dict[str, Any] = super().bpmn_condition_to_dict(condition)  # type: ignore[misc]
        if isinstance(condition[0], FlowCondition):
            dct["flow"] = [condition[0].flow_id, condition[0].flow_name]
        return dct

    def bpmn_condition_from_dict(self, dct: dict[str, Any]) -> tuple[Any, str]:
        condition, target = super().bpmn_condition_from_dict(dct)  # type: ignore[misc]
        flow = dct.get("flow")
        if condition is not None and isinstance(flow, list) and len(flow) == 2:
            condition = FlowCondition(condition.args[0], flow[0], flow[1])
        return condition, target


class _ExclusiveGatewayConverter(_FlowConditions, ExclusiveGatewayConverter):
    pass


class _InclusiveGatewayConverter(_FlowConditions, ConditionalGatewayConverter):
    pass


GATEWAY_CONVERTERS: dict[type, type] = {
    ExclusiveGateway: _ExclusiveGatewayConverter,
    InclusiveGateway: _InclusiveGatewayConverter,
}
