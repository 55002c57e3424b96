"""User-task forms: JSON Schemas (draft 2020-12) uploaded with a model, and the check of submitted data.

A user task (or the process's start event) names its form with `kapula:form="file.json"` (or
camunda:formKey / spiffworkflow formJsonSchemaFilename). When a file of that name is part of the
upload, the version keeps it and every submission is validated against it before the step runs;
a reference to a file that is neither uploaded nor in the key's latest version makes the new
version documentation only (engine.definitions), so no case gets stuck at a form nobody has.

Validation takes time bounded by the data's size, so it can never hold up the server: the data
limits (engine/data_limits.py) come first, `pattern`, `patternProperties` and the
`additionalProperties` that depends on them run on RE2 (linear time, no backtracking: a pattern
like `^([0-9]+-?)+[0-9]$` on 27 digits and an `x` froze Python's `re` for 25 s), a form whose
pattern RE2 cannot compile (look-arounds, back-references) is refused at upload, and
`uniqueItems` compares items by hashing (linear) instead of jsonschema's pairwise comparison.
All of it is FormValidator, the one validator class forms use.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from engine.data_limits import check_case_data, parse_json
from engine.errors import InvalidDataError, excerpt, quoted
from engine.form_patterns import pattern_place, pattern_problem

MAX_FORM_BYTES = 256 * 1024
NOT_IN_FORM = "is not a field of this form"
# where a form's fields may be declared besides its `properties`: its subschemas that apply to the
# same object (composition and conditionals)
_APPLYING = ("allOf", "anyOf", "oneOf", "if", "then", "else")
_TYPE_WORDS = {
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "empty",
}


def is_form_file(filename: str) -> bool:
    return filename.endswith(".json") and not filename.endswith(".card.json")


def form_file_problems(filename: str, content: bytes) -> list[str]:
    """Why an uploaded form file cannot be used (empty when it can)."""
    if len(content) > MAX_FORM_BYTES:
        return [f"the form is {len(content)} bytes; the limit is {MAX_FORM_BYTES}"]
    try:
        schema = parse_json(content, where="the form")
    except InvalidDataError as exc:
        return [exc.message]
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return ['a form must be a JSON Schema of an object ("type": "object")']
    try:
        # the meta-schema marks every `pattern` and `patternProperties` name as format "regex":
        # checked by RE2 here, so a pattern that validation could not run is refused now
        FormValidator.check_schema(schema, format_checker=_SCHEMA_FORMATS)
    except SchemaError as exc:
        if exc.validator == "format" and exc.validator_value == "regex" and isinstance(exc.cause, re2.error):
            return [f"{pattern_place(exc.path)}: {pattern_problem(str(exc.instance), _re2_message(exc.cause))}"]
        where = excerpt("/".join(map(str, exc.path)))
        return [f"the form is not a valid JSON Schema (draft 2020-12){f' at {where}' if where else ''}: {_short_message(exc)}"]
    except RecursionError:
        return ["the form is nested too deep"]
    if _uses(schema, "unevaluatedProperties") and _uses(schema, "patternProperties"):
        # jsonschema evaluates that pair with Python's re, outside FormValidator's keywords
        return ["a form may not combine unevaluatedProperties with patternProperties"]
    return []


def forms_in(source: Mapping[str, str], names: set[str]) -> dict[str, dict[str, Any]]:
    """The schemas of the named forms that are among a version's source files."""
    return {name: json.loads(source[name]) for name in sorted(names) if name in source and is_form_file(name)}


def check_submission(schema: dict[str, Any] | None, data: dict[str, Any], *, formless: bool = True) -> None:
    """Raise InvalidDataError with a message per field when `data` does not fill in the form, or
    breaks the data limits (engine/data_limits.py, checked first). Time: linear in the data's size.

    A form is closed: a field it does not define is refused ("is not a field of this form"), unless
    the form itself says what other fields may be (`additionalProperties` or
    `unevaluatedProperties`). Without a form (`schema` None) any data is taken when `formless`
    (staff and in-process callers); else none at all (a customer's data goes only into forms)."""
    check_case_data(data)
    if schema is None:
        if not formless and data:
            refused = {name: NOT_IN_FORM for name in sorted(data)}
            listed = ", ".join(quoted(name) for name in refused)
            raise InvalidDataError(f"this step has no form, so it takes no data: {listed}", field_errors=refused)
        return
    errors = sorted(FormValidator(schema).iter_errors(data), key=lambda e: (list(e.path), e.validator))
    field_errors: dict[str, str] = {}
    for error in errors:
        for field, message in _field_messages(error):
            field_errors.setdefault(field, message)
    for name in unknown_fields(schema, data):
        field_errors.setdefault(name, NOT_IN_FORM)
    if not field_errors:
        return
    listed = "; ".join(f"{field}: {message}" for field, message in field_errors.items())
    title = schema.get("title") or "the form"
    raise InvalidDataError(f"'{title}' is not filled in correctly: {listed}", field_errors=field_errors)


def unknown_fields(schema: dict[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The fields of `data` that the form does not define, in order: neither a property (of the
    form or of a subschema it composes, `$ref` to its own `$defs` followed) nor matched by a
    `patternProperties` pattern (RE2). None when the form decides on other fields itself with
    `additionalProperties` or `unevaluatedProperties` anywhere at the top object's level."""
    names: set[str] = set()
    patterns: list[str] = []
    stack: list[Any] = [schema]
    seen = 0
    while stack and seen < 1000:  # forms are at most 256 kB; a cycle of $refs stops here
        node, seen = stack.pop(), seen + 1
        if not isinstance(node, dict):
            continue
        if "additionalProperties" in node or "unevaluatedProperties" in node:
            return []
        properties = node.get("properties")
        if isinstance(properties, dict):
            names.update(properties)
        pattern_properties = node.get("patternProperties")
        if isinstance(pattern_properties, dict):
            patterns += [p for p in pattern_properties if isinstance(p, str)]
        for keyword in _APPLYING:
            part = node.get(keyword)
            stack.extend(part if isinstance(part, list) else [part])
        dependent = node.get("dependentSchemas")
        if isinstance(dependent, dict):
            stack.extend(dependent.values())
        ref = node.get("$ref")
        if isinstance(ref, str):
            stack.append(_local_ref(schema, ref))
    regexes = [_regex(p) for p in patterns]
    return [n for n in data if n not in names and not any(r.search(n) for r in regexes)]


def _local_ref(schema: dict[str, Any], ref: str) -> Any:
    """The subschema `ref` points to inside `schema` (`#/$defs/x`), else None."""
    if not ref.startswith("#/"):
        return None
    node: Any = schema
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


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


def _field_messages(error: ValidationError) -> list[tuple[str, str]]:
    """The fields an error is about, each with its message. jsonschema gives one `required` error per
    missing field, with no path and the same `required` list in each, so every missing field is
    named from the list (the first one only, for each error, was one field per submit)."""
    if error.validator == "required" and not error.path:
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [(str(name), "is required") for name in error.validator_value if name not in instance] or [("?", "is required")]
    return [_field_message(error)]


def _field_message(error: ValidationError) -> tuple[str, str]:
    path = str(error.path[0]) if error.path else ""  # forms are flat: report on the top-level field
    kind, rule = error.validator, error.validator_value
    if kind == "required":
        return path, "is required"
    if kind == "type":
        words = " or ".join(str(_TYPE_WORDS.get(t, t)) for t in (rule if isinstance(rule, list) else [rule]))
        return path, f"must be {words}"
    if kind == "enum":
        return path, "must be one of: " + ", ".join(map(str, rule))
    if kind == "const":
        return path, f"must be {json.dumps(rule, ensure_ascii=False)}"
    messages = {
        "minimum": f"must be at least {rule}",
        "maximum": f"must be at most {rule}",
        "minItems": f"choose at least {rule}",
        "maxItems": f"choose at most {rule}",
        "minLength": "must not be empty" if rule == 1 else f"must be at least {rule} characters",
        "maxLength": f"must be at most {rule} characters",
        "uniqueItems": "must not repeat a choice",
        "additionalProperties": NOT_IN_FORM,
    }
    return path, messages.get(str(kind), _short_message(error))


def _short_message(error: ValidationError | SchemaError) -> str:
    """jsonschema's message with the value it quotes in full (repr of the instance) cut to a prefix."""
    message, shown = str(error.message), repr(error.instance)
    return message.replace(shown, quoted(error.instance))


# -- the validator: RE2 for patterns, hashing for uniqueItems -----------------------------------

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to its uploader, not to stderr


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> Any:
    """The pattern compiled by RE2 (raises re2.error for what RE2 cannot run)."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


_SCHEMA_FORMATS = FormatChecker()


def _re2_message(error: re2.error) -> str:
    reason = error.args[0] if error.args else error
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _is_re2(instance: object) -> bool:
    if isinstance(instance, str):
        _regex(instance)
    return True


_SCHEMA_FORMATS.checks("regex", raises=re2.error)(_is_re2)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"{quoted(instance)} does not match {quoted(pattern)}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _regex(pattern).search(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    declared, patterns = schema.get("properties", {}), [_regex(p) for p in schema.get("patternProperties", {})]
    extras = sorted(n for n in instance if n not in declared and not any(r.search(n) for r in patterns))
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional:  # one error per field, on that field, so the form names it
        for extra in extras:
            yield ValidationError(f"Additional properties are not allowed ({quoted(extra)} was unexpected)", path=(extra,))


def _unique_items(validator: Any, unique: bool, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = _canonical(item)
            if key in seen:
                yield ValidationError(f"{quoted(instance)} has non-unique elements")
                return
            seen.add(key)


def _canonical(value: Any) -> Any:
    """A hashable key equal for exactly the JSON values JSON Schema calls equal: 1 and 1.0 alike,
    true and 1 not, objects regardless of member order."""
    if value is None or isinstance(value, bool):
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, list | tuple):
        return ("list", tuple(_canonical(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    return ("other", repr(value))


def _uses(schema: Any, keyword: str) -> bool:
    """Whether `keyword` is a member name anywhere in the schema (over-approximates: a property
    of that name counts too)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if keyword in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


FormValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "uniqueItems": _unique_items,
    },
)
