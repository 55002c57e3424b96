"""User-task forms: JSON Schemas (draft 2020-12) uploaded with a model, and the check of submitted data.

A user task (or the process's start event) names its form with `kapula:form="file.json"` (or
camunda:formKey / spiffworkflow formJsonSchemaFilename). When a file of that name is part of the
upload, the version keeps it and every submission is validated against it before the step runs;
a reference to a file that was not uploaded is left to the adapters (no validation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from engine.errors import InvalidDataError

MAX_FORM_BYTES = 256 * 1024
_TYPE_WORDS = {"string": "a text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "an object", "null": "empty"}


def is_form_file(filename: str) -> bool:
    return filename.endswith(".json") and not filename.endswith(".card.json")


def form_file_problems(filename: str, content: bytes) -> list[str]:
    """Why an uploaded form file cannot be used (empty when it can)."""
    if len(content) > MAX_FORM_BYTES:
        return [f"the form is {len(content)} bytes; the limit is {MAX_FORM_BYTES}"]
    try:
        schema = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"the form is not valid JSON: {exc}"]
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return ["a form must be a JSON Schema of an object (\"type\": \"object\")"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"the form is not a valid JSON Schema (draft 2020-12): {exc.message}"]
    return []


def forms_in(source: Mapping[str, str], names: set[str]) -> dict[str, dict[str, Any]]:
    """The schemas of the named forms that are among a version's source files."""
    return {name: json.loads(source[name]) for name in sorted(names) if name in source and is_form_file(name)}


def check_submission(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Raise InvalidDataError with a message per field when `data` does not fill in the form."""
    if schema is None:
        return
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: (list(e.path), e.validator))
    if not errors:
        return
    field_errors: dict[str, str] = {}
    for error in errors:
        field, message = _field_message(error)
        field_errors.setdefault(field, message)
    listed = "; ".join(f"{field}: {message}" for field, message in field_errors.items())
    title = schema.get("title") or "the form"
    raise InvalidDataError(f"'{title}' is not filled in correctly: {listed}", field_errors=field_errors)


def coerce(schema: dict[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values from text ones (a Gherkin table, an HTML form) by the form's property types.

    Texts that do not convert stay as they are, so validation reports them. Lists are comma-separated.
    """
    properties = (schema or {}).get("properties", {})
    return {name: _coerce(properties.get(name, {}), value) for name, value in values.items()}


def _coerce(prop: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    kind = prop.get("type")
    text = value.strip()
    if kind == "boolean":
        return {"true": True, "kyllä": True, "yes": True, "false": False, "ei": False, "no": False}.get(text.lower(), value)
    if kind in ("integer", "number"):
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return value
        return int(number) if kind == "integer" and number.is_integer() else number
    if kind == "array":
        items = prop.get("items", {})
        return [_coerce(items, part.strip()) for part in text.split(",") if part.strip()]
    return value


def _field_message(error: ValidationError) -> tuple[str, str]:
    path = str(error.path[0]) if error.path else ""  # forms are flat: report on the top-level field
    kind, rule = error.validator, error.validator_value
    if kind == "required":
        missing = next((name for name in rule if name not in (error.instance or {})), "?")
        return path or missing, "is required"
    if kind == "type":
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in (rule if isinstance(rule, list) else [rule]))
        return path, f"must be {words}"
    if kind == "enum":
        return path, "must be one of: " + ", ".join(map(str, rule))
    if kind == "const":
        return path, f"must be {json.dumps(rule, ensure_ascii=False)}"
    messages = {
        "minimum": f"must be at least {rule}", "maximum": f"must be at most {rule}",
        "minItems": f"choose at least {rule}", "maxItems": f"choose at most {rule}",
        "minLength": "must not be empty" if rule == 1 else f"must be at least {rule} characters",
        "maxLength": f"must be at most {rule} characters", "uniqueItems": "must not repeat a choice",
        "additionalProperties": "is not a field of this form",
    }
    return path, messages.get(str(kind), error.message)
