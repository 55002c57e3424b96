"""Field/value tables of feature files as case data: `| satisfaction | 4 |` → {"satisfaction": 4}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.scenarios.errors import StepFailed

_HEADERS = {("field", "value"), ("kenttä", "arvo")}
_BOOLEANS = {"true": True, "false": False, "kyllä": True, "ei": False}


def parse_value(text: str) -> Any:
    """A cell as a JSON value: true/false (kyllä/ei), numbers, null, "quoted", [lists] and {objects};
    anything else is the text itself. `00100` stays text (JSON has no leading zeros)."""
    cell = text.strip()
    if cell.casefold() in _BOOLEANS:
        return _BOOLEANS[cell.casefold()]
    try:
        return json.loads(cell)
    except ValueError:
        return cell


def table_data(rows: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """A two-column table of field names and values (an optional `field | value` header is skipped)."""
    if not rows:
        return {}
    body = list(rows)
    if tuple(c.strip().casefold() for c in body[0]) in _HEADERS:
        body = body[1:]
    data: dict[str, Any] = {}
    for row in body:
        if len(row) != 2:
            raise StepFailed(f"each table row needs two cells, a field and its value; this one has {len(row)}: {list(row)}")
        data[row[0].strip()] = parse_value(row[1])
    return data
