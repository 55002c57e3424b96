"""A task's form from its JSON Schema: fields to render (labels, required, choices) and the posted
values turned back into typed data. Validation itself is the engine's (InvalidDataError)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

RAW_FIELD = "_json"  # the free JSON box shown when a task has no form


@dataclass
class Field:
    name: str
    label: str
    kind: str  # text | textarea | integer | number | checkbox | select | multi
    required: bool = False
    description: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    error: str | None = None


def fields(schema: dict[str, Any], values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> list[Field]:
    """The schema's top-level properties as fields, in the schema's order."""
    values, errors = values or {}, errors or {}
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        out.append(
            Field(
                name=name,
                label=str(prop.get("title") or name),
                kind=_kind(prop),
                required=name in required,
                description=prop.get("description"),
                options=_options(prop),
                value=values.get(name),
                error=errors.get(name),
            )
        )
    return out


def _kind(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    if "enum" in prop:
        return "select"
    if kind == "array" and isinstance(prop.get("items"), dict) and "enum" in prop["items"]:
        return "multi"
    if kind in ("integer", "number", "boolean"):
        return "checkbox" if kind == "boolean" else kind
    if (
        kind == "string"
        and (prop.get("maxLength") or 0) <= 200
        and prop.get("format") != "textarea"
        and "x-multiline" not in prop
    ):
        return "text"
    return "textarea"


def _options(prop: dict[str, Any]) -> list[tuple[str, str]]:
    choices = prop.get("enum") or (prop.get("items") or {}).get("enum") or []
    labels = prop.get("x-labels") or {}
    return [(str(c), str(labels.get(str(c), c))) for c in choices]


def parse(schema: dict[str, Any] | None, form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """Posted form values as typed data, and the fields that could not even be read as their type."""
    if not schema:
        return _parse_raw(str(form.get(RAW_FIELD) or ""))
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields(schema):
        prop = schema["properties"][f.name]
        if f.kind == "checkbox":
            data[f.name] = form.get(f.name) == "on"
        elif f.kind == "multi":
            data[f.name] = [str(v) for v in form.getlist(f.name)]
        else:
            raw = str(form.get(f.name) or "").strip()
            if raw == "":
                continue
            data[f.name], problem = _typed(raw, prop)
            if problem:
                problems[f.name] = problem
    if problems:  # the engine is not asked then, so the page names the empty required fields too
        missing = [str(n) for n in schema.get("required") or [] if n not in data and n not in problems]
        problems.update({name: "is required" for name in missing if name in schema["properties"]})
    return data, problems


# Finnish and Swedish group thousands with a space (a no-break or narrow no-break one when typeset)
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")


def _typed(raw: str, prop: dict[str, Any]) -> tuple[Any, str | None]:
    kind = prop.get("type")
    text = _GROUP_SPACE.sub("", raw.strip())
    try:
        if kind == "integer":
            return int(text), None
        if kind == "number":
            value = float(text.replace(",", "."))
            if not math.isfinite(value):  # 'nan', 'inf', 1e309: Python reads them, JSON has no such number
                raise ValueError(raw)
            return value, None
    except ValueError:  # in the engine's words (engine/forms.py): the page translates them (messages.py)
        return raw, "must be a whole number" if kind == "integer" else "must be a number"
    return raw, None


def _parse_raw(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    if not text.strip():
        return {}, {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, {RAW_FIELD: f"is not JSON: {exc.msg} (column {exc.colno})"}
    except RecursionError:  # deeper than the parser goes (a 500 before); the data limits refuse far less
        return {}, {RAW_FIELD: "is nested too deep"}
    if not isinstance(data, dict):
        return {}, {RAW_FIELD: "must be a JSON object"}
    return data, {}
