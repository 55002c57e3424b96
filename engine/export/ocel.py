"""OCEL 2.0 JSON: cases, tasks and organisations (lanes) as objects, each task event related to
its case, its task and its lane. Written as a stream: the objects first, then the events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from engine.export.rows import LogRow, iso

OBJECT_TYPES = [
    {"name": "case", "attributes": [{"name": "status", "type": "string"}]},
    {"name": "task", "attributes": [{"name": "element", "type": "string"}]},
    {"name": "organisation", "attributes": []},
]
EVENT_ATTRIBUTES = [
    {"name": "lifecycle", "type": "string"},
    {"name": "resource", "type": "string"},
    {"name": "version", "type": "integer"},
]


def write_ocel(
    out: IO[str],
    rows: Iterable[LogRow],
    cases: Iterable[Any],
    lanes: Iterable[str],
    tasks: Iterable[Any],
    activities: Iterable[str],
) -> int:
    """`tasks` yields (task_id, element_id, case_id); returns the number of events."""
    dump = json.dumps
    out.write('{"objectTypes": ' + dump(OBJECT_TYPES) + ",\n")
    out.write(' "eventTypes": ' + dump([{"name": a, "attributes": EVENT_ATTRIBUTES} for a in activities]) + ",\n")
    out.write(' "objects": [\n')
    first = True

    def obj(item: dict[str, Any]) -> None:
        nonlocal first
        out.write(("  " if first else ", ") + dump(item, ensure_ascii=False) + "\n")
        first = False

    for lane in lanes:
        obj({"id": f"org:{lane}", "type": "organisation", "attributes": [], "relationships": []})
    for c in cases:
        obj(
            {
                "id": f"case:{c.case_id}",
                "type": "case",
                "attributes": [{"name": "status", "time": iso(c.started_at), "value": c.status}],
                "relationships": [],
            }
        )
    for t in tasks:
        obj(
            {
                "id": f"task:{t.task_id}",
                "type": "task",
                "attributes": [{"name": "element", "time": "1970-01-01T00:00:00.000+00:00", "value": t.element_id}],
                "relationships": [{"objectId": f"case:{t.case_id}", "qualifier": "part of"}],
            }
        )
    out.write(' ],\n "events": [\n')
    count = 0
    for r in rows:
        related = [{"objectId": f"case:{r.case_id}", "qualifier": "case"}, {"objectId": f"task:{r.task_id}", "qualifier": "task"}]
        if r.lane is not None:
            related.append({"objectId": f"org:{r.lane}", "qualifier": "lane"})
        event = {
            "id": f"e{r.case_id}-{r.seq}",
            "type": r.activity,
            "time": iso(r.at),
            "attributes": [
                {"name": "lifecycle", "value": r.transition},
                {"name": "version", "value": r.version},
                *([{"name": "resource", "value": r.resource}] if r.resource else []),
            ],
            "relationships": related,
        }
        out.write(("  " if count == 0 else ", ") + dump(event, ensure_ascii=False) + "\n")
        count += 1
    out.write(" ]}\n")
    return count
