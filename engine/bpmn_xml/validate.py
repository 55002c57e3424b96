"""Structural checks on a BPMN (or DMN) tree that would leave a case stuck or misbehaving, in plain words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from engine.bpmn_xml.implementations import camunda_listeners, dangling_refs, foreign_implementations, unnamed_messages
from engine.bpmn_xml.inspect import (
    BPMN_NS,
    NS,
    SCOPE_TYPES,
    executable_processes,
    flow_nodes,
    form_reference,
    local_name,
)
from engine.bpmn_xml.labels import called, label
from engine.bpmn_xml.tolerance import normalise_label
from engine.errors import quoted
from engine.expressions import timer_values
from engine.expressions.checks import check_expression as sandbox_expression
from engine.expressions.checks import check_script as sandbox_script
from engine.expressions.dmn_cells import cell_matcher
from engine.expressions.feel import is_data_path
from engine.expressions.languages import ExpressionRefused, language_of, to_python
from engine.model import ValidationIssue

Check = Callable[[str], "str | None"]
_GATEWAYS_WITH_CONDITIONS = frozenset({"exclusiveGateway", "inclusiveGateway"})
_TIMER_PARTS = ("timeDuration", "timeDate", "timeCycle")
_TIMER_WORDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "repeating interval"}
# Code-bearing elements sometimes carry ids of their own; an issue should name the task or flow instead.
_CODE_TAGS = frozenset(
    {
        *_TIMER_PARTS,
        "timerEventDefinition",
        "conditionExpression",
        "script",
        "loopCondition",
        "loopCardinality",
        "completionCondition",
        "condition",
        "conditionalEventDefinition",
        "standardLoopCharacteristics",
        "multiInstanceLoopCharacteristics",
        "preScript",
        "postScript",
        "extensionElements",
    }
)
_EXPRESSION_PATHS = (
    ("bpmn:standardLoopCharacteristics/bpmn:loopCondition", "loop condition"),
    ("bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", "loop cardinality"),
    ("bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition", "completion condition"),
    ("bpmn:conditionalEventDefinition/bpmn:condition", "condition"),
)
_SCRIPT_PATHS = (
    ("bpmn:extensionElements/spiffworkflow:preScript", "pre-script"),
    ("bpmn:extensionElements/spiffworkflow:postScript", "post-script"),
)


# Bounds on what one diagram may hold (issue 12, item 7), within the columns that store them
# (engine/persistence/tables.py: ids and lanes 255 characters, element names 500; a called
# element's id is `process:element`) and far beyond any real swimlane diagram: the largest MIWG
# model has a few hundred flow elements and the reference models eight lanes.
MAX_ID_LENGTH = 120
MAX_NAME_LENGTH = 500
MAX_LANE_NAME_LENGTH = 200
MAX_LANES = 200
MAX_FLOW_NODES = 2_000


@dataclass(frozen=True)
class _Checks:
    expression: Check
    script: Check


def refusals(tree: etree._ElementTree, filename: str) -> list[ValidationIssue]:
    """Why the file cannot even be kept as documentation: not BPMN, ids used twice, no process."""
    root = tree.getroot()
    if root.tag != f"{{{BPMN_NS}}}definitions":
        message = f"the file is not a BPMN 2.0 diagram (its root element is '{local_name(root)}')"
        return [_issue(message, root, filename)]
    issues = [_issue(m, e, filename) for m, e in _duplicate_ids(root)]
    issues += [_issue(m, e, filename) for m, e in _over_bounds(root)]
    if not executable_processes(root):
        issues.append(_issue("the diagram has no executable process", root, filename))
    return issues


def validate(
    tree: etree._ElementTree,
    filename: str,
    *,
    check_expression: Check | None = None,
    check_script: Check | None = None,
) -> list[ValidationIssue]:
    """What keeps one BPMN file (that `refusals` accepts) from running; an empty list means nothing.

    `check_expression`/`check_script` default to the sandbox's own checks (engine.expressions.checks,
    the same the script engine runs), so nothing is accepted here that would be refused at run time.
    Conditions written in JUEL or FEEL are rewritten in place into the sandbox's Python
    (engine.expressions.languages); ones that cannot be are reported with their language.
    """
    root = tree.getroot()
    if root.tag != f"{{{BPMN_NS}}}definitions":
        return []
    checks = _Checks(check_expression or sandbox_expression, check_script or sandbox_script)
    all_ids = {e.get("id") for e in root.iter() if isinstance(e.tag, str)}
    issues: list[ValidationIssue] = []
    for process in executable_processes(root):
        issues += [_issue(m, e, filename) for m, e in _reserved_ids(process)]
        for scope in [process, *_subscopes(process)]:
            issues += [_issue(m, e, filename) for m, e in _scope_problems(scope, all_ids)]
        issues += [_issue(m, e, filename) for m, e in _code_problems(process, checks)]
        issues += [_issue(m, e, filename) for m, e in foreign_implementations(process)]
        issues += [_issue(m, e, filename) for m, e in camunda_listeners(process)]
        issues += [_issue(m, e, filename) for m, e in dangling_refs(process, all_ids)]
        issues += [_issue(m, e, filename) for m, e in unnamed_messages(process)]
        issues += [_issue(m, e, filename) for m, e in _form_problems(process)]
    if executable_processes(root):
        issues += [_issue(m, e, filename) for m, e in _data_stores(root)]
    return issues


def _data_stores(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """A data store keeps every process of the file from running: SpiffWorkflow reads one only through
    a registered implementation and Kapula registers none (its words were "Data Store with name
    Employee Details has no implementation", with no line or id)."""
    for store in root.iter(f"{{{BPMN_NS}}}dataStore"):
        yield (
            f"Data store {called(store)} cannot be used: Kapula has no data stores (a case keeps its data "
            "in the case); remove the data store and its references to run the diagram",
            store,
        )


def validate_dmn(tree: etree._ElementTree, filename: str, *, check_expression: Check | None = None) -> list[ValidationIssue]:
    """Problems in one DMN decision table file: its input and output expressions must pass the sandbox."""
    root = tree.getroot()
    if local_name(root) != "definitions" or "DMN" not in (etree.QName(root).namespace or "").upper():
        return [_issue("the file is not a DMN decision table", root, filename)]
    check = check_expression or sandbox_expression
    issues = []
    for text_node in root.iter("{*}text"):
        code, parent = (text_node.text or "").strip(), text_node.getparent()
        kind = local_name(parent) if parent is not None else ""
        if kind == "inputEntry" and code not in ("", "-"):
            # read as FEEL unary tests, else as SpiffWorkflow's Python test (engine.expressions.dmn_cells)
            problem = cell_matcher(code)[1]
            if problem:
                issues.append(_issue(f"the input entry {quoted(code)} {problem}", text_node, filename))
            continue
        elif kind == "inputExpression" and is_data_path(code):
            continue  # read from the case data by name when it runs, as engine.runtime.dmn does
        elif kind in ("inputExpression", "outputEntry") and code:
            reason = check(code)
        else:
            continue
        if reason:
            issues.append(_issue(f"the expression {quoted(code)} is refused: {reason}", text_node, filename))
    return issues


def _issue(message: str, element: etree._Element, filename: str) -> ValidationIssue:
    """An issue at `element`'s line, named by the nearest enclosing element with a meaningful id."""
    owner: etree._Element | None = element
    while owner is not None and (not owner.get("id") or local_name(owner) in _CODE_TAGS):
        owner = owner.getparent()
    named = owner is not None and local_name(owner) != "definitions"
    element_id = _cut(owner.get("id")) if named and owner is not None else None
    name = _cut(normalise_label(owner.get("name"))) if named and owner is not None else None
    return ValidationIssue(message, element_id=element_id, line=element.sourceline, file=filename, element_name=name or None)


def _cut(text: str | None, limit: int = 80) -> str | None:
    """A name or id as an issue quotes it: past `limit` characters, its start and an ellipsis."""
    return text if text is None or len(text) <= limit else text[:limit] + "…"


def _over_bounds(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Ids, names, lanes and flow elements past Kapula's bounds, each named once (a file of
    thousands of long names gives the first few, then a count)."""
    found = 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        ident, name = element.get("id") or "", element.get("name") or ""
        kind = local_name(element)
        limit = MAX_LANE_NAME_LENGTH if kind in ("lane", "participant") else MAX_NAME_LENGTH
        problem = None
        if len(ident) > MAX_ID_LENGTH:
            problem = f"the id of this {kind} is {len(ident)} characters long; the limit is {MAX_ID_LENGTH}"
        elif len(name) > limit:
            problem = f"the name of this {kind} is {len(name)} characters long; the limit is {limit}"
        if problem is not None:
            found += 1
            if found <= 5:
                yield problem, element
    if found > 5:
        yield f"{found - 5} more ids or names are over their length limits", root
    lanes = root.findall(".//bpmn:lane", NS)
    if len(lanes) > MAX_LANES:
        yield f"the diagram has {len(lanes)} lanes; the limit is {MAX_LANES}", root
    for process in root.findall("bpmn:process", NS):
        count = sum(1 for _ in flow_nodes(process, deep=True))
        if count > MAX_FLOW_NODES:
            yield f"the process has {count} flow elements; the limit is {MAX_FLOW_NODES}", process


def _duplicate_ids(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    seen: set[str] = set()
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = element.get("id")
        if element_id in seen:
            yield f"the id '{element_id}' is used by more than one element", element
        elif element_id:
            seen.add(element_id)


def _form_problems(process: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """A form reference that can never name a form: a path, or (for kapula:form and SpiffWorkflow's
    formJsonSchemaFilename) a name that is not a `.json` form file, so the step would take any data.
    Only the value is looked at, never the file system. A Camunda form key that is not a `.json` file
    (`embedded:app:forms/x.html`) is Camunda's own form, kept and not validated (docs/bpmn-support.md)."""
    for node in flow_nodes(process):
        found = form_reference(node)
        if found is None:
            continue
        value, where = found
        json_name = value.endswith(".json") and not value.endswith(".card.json")
        if where == "camunda:formKey" and not json_name:
            continue
        if "/" in value or "\\" in value or value in (".", ".."):
            yield (
                f"{label(node)} names the form {quoted(value)} ({where}), which is a path: a form is named by its "
                "file name (such as 'tarve.json') and uploaded with the diagram",
                node,
            )
        elif not json_name:
            yield (
                f"{label(node)} names the form {quoted(value)} ({where}), which is not a form file: a form is a "
                "JSON Schema whose file name ends in .json (not .card.json), uploaded with the diagram",
                node,
            )


def _reserved_ids(process: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Ids that SpiffWorkflow uses for its own helper tasks: a flow node with one of them is silently
    merged with the helper and the process loses its content (seen with a start event id 'Start')."""
    reserved = {"Start", "End", "Root", f"{process.get('id')}.EndJoin"}
    for node in flow_nodes(process):
        if node.get("id") in reserved:
            yield (
                f"the id '{node.get('id')}' is reserved by the engine; rename the element (e.g. '{node.get('id')}Event_1')",
                node,
            )


def _subscopes(process: etree._Element) -> list[etree._Element]:
    return [n for n in flow_nodes(process) if local_name(n) in SCOPE_TYPES]


def _scope_problems(scope: etree._Element, all_ids: set[str | None]) -> Iterator[tuple[str, etree._Element]]:
    kind = local_name(scope)
    nodes = {n.get("id", ""): n for n in flow_nodes(scope, deep=False)}
    if kind == "adHocSubProcess":
        return  # ad hoc subprocesses have no start and need no sequence flows
    if scope.find("bpmn:startEvent", NS) is None:
        yield f"{'Process' if kind == 'process' else 'Subprocess'} {called(scope)} has no start event", scope
    incoming: dict[str, int] = {}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in scope.findall("bpmn:sequenceFlow", NS):
        problem = _broken_flow(flow, nodes, all_ids)
        if problem:
            yield problem, flow
            continue
        incoming[flow.get("targetRef", "")] = incoming.get(flow.get("targetRef", ""), 0) + 1
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
    for node_id, node in nodes.items():
        yield from _node_problems(node, incoming.get(node_id, 0), outgoing.get(node_id, []), nodes)


def _broken_flow(flow: etree._Element, nodes: dict[str, etree._Element], all_ids: set[str | None]) -> str | None:
    for attribute, verb in (("sourceRef", "starts from"), ("targetRef", "points to")):
        ref = flow.get(attribute)
        if not ref:
            return f"Sequence flow {called(flow)} has no {attribute}"
        if ref not in nodes:
            where = "an element that does not exist"
            if ref in all_ids:
                where = "an element outside its process or subprocess"
            return f"Sequence flow {called(flow)} {verb} '{ref}', {where}"
    return None


def _node_problems(
    node: etree._Element, n_in: int, out: list[etree._Element], siblings: dict[str, etree._Element]
) -> Iterator[tuple[str, etree._Element]]:
    kind, named = local_name(node), label(node)
    if n_in == 0 and not _may_lack_incoming(node):
        yield f"{named} has no incoming sequence flow, so a case can never reach it", node
    # BPMN 2.0 section 10.5.3: without an end event, a flow node with no outgoing flow ends its path
    # (the implicit end). Only a gateway, which exists to route, needs somewhere to go.
    if not out and kind.endswith("Gateway"):
        yield f"{named} has no outgoing sequence flow, so a case would stop there", node
    if kind == "boundaryEvent" and node.get("attachedToRef", "") not in siblings:
        yield f"{named} is attached to '{node.get('attachedToRef')}', which is not in the same process", node
    if kind in _GATEWAYS_WITH_CONDITIONS:
        yield from _gateway_problems(node, out)


def _may_lack_incoming(node: etree._Element) -> bool:
    kind = local_name(node)
    return (
        kind in ("startEvent", "boundaryEvent")
        or node.get("triggeredByEvent") == "true"
        or node.get("isForCompensation") == "true"
        or (kind == "intermediateCatchEvent" and node.find("bpmn:linkEventDefinition", NS) is not None)
    )


def _gateway_problems(gateway: etree._Element, out: list[etree._Element]) -> Iterator[tuple[str, etree._Element]]:
    default = gateway.get("default")
    named = label(gateway)
    if default and default not in {f.get("id") for f in out}:
        yield f"{named} names '{default}' as its default, but that is not one of its outgoing flows", gateway
    if len(out) < 2:
        return
    for flow in out:
        if flow.get("id") != default and flow.find("bpmn:conditionExpression", NS) is None:
            yield f"{named} has an outgoing flow with no condition and no default (flow {called(flow)})", gateway


def _code_problems(process: etree._Element, checks: _Checks) -> Iterator[tuple[str, etree._Element]]:
    by_id = {node.get("id"): node for node in process.iter(etree.Element) if node.get("id")}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        condition = flow.find("bpmn:conditionExpression", NS)
        if condition is not None:
            source = by_id.get(flow.get("sourceRef"))
            what = f"The condition on flow {called(flow)}"
            if source is not None:
                what += f" from {label(source, capital=False)}"
            text = (condition.text or "").strip()
            for message, element in _expression(condition, what, checks.expression):
                yield _not_an_expression(message, what, text), element
    for node in flow_nodes(process):
        named, lower = label(node), label(node, capital=False)
        if local_name(node) == "scriptTask":
            script = node.find("bpmn:script", NS)
            language = node.get("scriptFormat", "").strip()
            if script is None or not (script.text or "").strip():
                yield f"{named} has no script", node
            elif not _is_python(language):
                # a script in another language would only be refused as a Python syntax error
                yield (
                    (
                        f"{named} is written in {language!r} (its scriptFormat), a script language Kapula does "
                        "not support: Kapula runs Python scripts only (scriptFormat 'python', or none)"
                    ),
                    node,
                )
            else:
                yield from _code(script, f"The script of {lower}", checks.script)
        for path, what in _EXPRESSION_PATHS:
            for element in node.findall(path, NS):
                yield from _expression(element, f"The {what} of {lower}", checks.expression)
        for path, what in _SCRIPT_PATHS:
            for element in node.findall(path, NS):
                yield from _code(element, f"The {what} of {lower}", checks.script)
        yield from _timer_problems(node, lower, checks)


def _is_python(script_format: str) -> bool:
    """True for no scriptFormat and for the names Python goes by (python, python3, text/x-python, py)."""
    lowered = script_format.lower()
    return not lowered or "python" in lowered or lowered in ("py", "text/x-py")


def _timer_problems(node: etree._Element, lower: str, checks: _Checks) -> Iterator[tuple[str, etree._Element]]:
    for timer in node.findall("bpmn:timerEventDefinition", NS):
        parts = [p for p in timer if local_name(p) in _TIMER_PARTS]
        if not parts:
            yield f"The timer of {lower} has no duration, date or cycle", node
        for part in parts:
            text = (part.text or "").strip()
            literal = timer_values.literal_of(text) if text else None
            if literal is None:  # empty, or an expression whose value is checked when the timer starts
                yield from _code(part, f"The timer of {lower}", checks.expression)
                continue
            problem = timer_values.timer_problem(local_name(part), literal)
            if problem:
                yield f"The timer of {lower} is not a valid ISO 8601 {_TIMER_WORDS[local_name(part)]}: {problem}", part


def _expression(element: etree._Element, what: str, check: Check) -> Iterator[tuple[str, etree._Element]]:
    """Check an expression, first translating JUEL or FEEL into Python in place."""
    text = (element.text or "").strip()
    try:
        python = to_python(text, declared=element.get("language"))
    except ExpressionRefused as refused:
        said = f"{what} is written in {refused.language}, which Kapula does not evaluate: {refused.reason}"
        yield f"{said}; the text is {text}", element
        return
    if python != text:
        reason = check(python)
        if reason:  # a translation the sandbox refuses: say so in the author's language
            language = language_of(text, element.get("language"))
            yield f"{what} is written in {language}, and Kapula cannot evaluate it: {reason}; the text is {text}", element
            return
        element.text = python
    diagram_language = language_of("", element.getroottree().getroot().get("expressionLanguage"))
    if python == text and text and diagram_language not in ("Python", "") and check(text):
        # Signavio and others declare XPath for the whole diagram; Kapula-authored Python still runs.
        written = f"{what} is written in {diagram_language} (the diagram's expressionLanguage)"
        yield f"{written}, which Kapula does not evaluate: the text is {text}", element
        return
    yield from _code(element, what, check)


def _not_an_expression(message: str, what: str, text: str) -> str:
    """A syntax error said as such: the text is not a valid expression (C.8.0's `Vacation Approval =
    "Approved"` gave only "syntax error at line 1: invalid syntax")."""
    refused = f"{what} is refused: syntax error"
    if not message.startswith(refused):
        return message
    reason = message[len(what) + len(" is refused: ") :]
    return f"{what} is not a valid expression: {quoted(text)} ({reason})"


def _code(element: etree._Element, what: str, check: Check) -> Iterator[tuple[str, etree._Element]]:
    text = (element.text or "").strip()
    if not text:
        yield f"{what} is empty", element
        return
    reason = check(text)
    if reason:
        yield f"{what} is refused: {reason}", element
