"""Which tasks, gateway flows and end events of a model the scenarios' cases reached, from their event logs."""

from __future__ import annotations

from collections.abc import Iterable

from engine.model import Event, Lifecycle
from engine.scenarios.graph import ModelGraph
from engine.scenarios.report import CoverageItem, ModelCoverage


def taken_flows(graph: ModelGraph, events: list[Event]) -> set[str]:
    """Gateway flows a case took. The log records elements, not flows: a flow from gateway G to
    element T was taken when T became ready and, of the elements with a flow into T, G was the
    one that completed last before that."""
    splitting = {(f.source, f.target): f.id for f in graph.gateway_flows()}
    last_completed: dict[str, int] = {}
    taken: set[str] = set()
    for index, event in enumerate(events):
        element = event.element_id
        if element is None:
            continue
        if event.lifecycle is Lifecycle.TASK_COMPLETED:
            last_completed[element] = index
        elif event.lifecycle is Lifecycle.TASK_READY:
            sources = [s for s in graph.sources_into(element) if s in last_completed]
            if sources:
                latest = max(sources, key=lambda s: last_completed[s])
                flow = splitting.get((latest, element))
                if flow is not None:
                    taken.add(flow)
    return taken


def model_coverage(graph: ModelGraph, logs: Iterable[list[Event]]) -> ModelCoverage:
    """Coverage of one model over the event logs of all its cases."""
    ready: set[str] = set()
    completed: set[str] = set()
    flows: set[str] = set()
    for events in logs:
        ready |= {e.element_id for e in events if e.element_id and e.lifecycle is Lifecycle.TASK_READY}
        completed |= {e.element_id for e in events if e.element_id and e.lifecycle is Lifecycle.TASK_COMPLETED}
        flows |= taken_flows(graph, events)
    items = [CoverageItem("task", n.id, f'"{n.label}" [{n.lane or "-"}]', n.id in ready) for n in graph.tasks()]
    for f in graph.gateway_flows():
        source, target = graph.nodes[f.source], graph.nodes.get(f.target)
        label = f'"{source.label}" → "{target.label if target else f.target}"' + (f" ({f.name})" if f.name else "")
        items.append(CoverageItem("flow", f.id, label, f.id in flows))
    items += [CoverageItem("end", n.id, f'"{n.label}"', n.id in completed) for n in graph.end_events()]
    return ModelCoverage(graph.key, graph.name, tuple(items))
