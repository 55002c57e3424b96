"""Limits on case data before anything is stored: nesting depth, total size, text and list lengths,
and JSON values only as RFC 8259 allows them.

Case data comes from forms, the API and `kapula start/complete --data`. Without limits, data
nested 300 levels deep was stored and then broke listing the case for everyone who saw it, and
loading or cancelling it after a restart; `NaN` and `Infinity` were stored as non-JSON. Every
start and completion checks the submitted data here first, iteratively (deep data cannot exhaust
the stack) and in time bounded by MAX_BYTES, so a form's validation (engine/forms.py) only ever
sees bounded data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import InvalidDataError, excerpt, quoted

# RFC 8259 section 6: integers in [-(2**53)+1, 2**53-1] are the ones every implementation agrees on
MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True)
class DataLimits:
    """How large case data may be. Depth counts containers: `{"a": [1]}` is 2 deep."""

    max_depth: int = 32
    max_bytes: int = 1024 * 1024  # of the data as compact UTF-8 JSON
    max_text: int = 100_000  # characters of one text value
    max_name: int = 200  # characters of one field name, at any depth
    max_items: int = 10_000  # items of one list, or fields of one object


LIMITS = DataLimits()


def check_case_data(data: Mapping[str, Any], limits: DataLimits = LIMITS) -> None:
    """Raise InvalidDataError, naming the top-level field (`field_errors`) and the path inside it,
    when `data` breaks a limit or holds what is not JSON (NaN, ±Infinity, integers outside
    ±(2**53 - 1), texts with unpaired surrogates, non-text field names, other Python objects)."""
    _check_container(data, 1, limits, "", "")
    size = 2 + len(data)
    # (value, depth of its container, top-level field, path) — a stack, not recursion
    stack: list[tuple[Any, int, str, str]] = []
    for name, value in data.items():
        size += _name_size(name, limits, str(name), str(name))
        stack.append((value, 1, str(name), str(name)))
    while stack:
        value, depth, field, path = stack.pop()
        size += _value_size(value, depth, limits, field, path)
        if size > limits.max_bytes:
            _refuse(field, path, f"makes the data larger than {limits.max_bytes} bytes")
        if isinstance(value, Mapping):
            for name, item in value.items():
                size += _name_size(name, limits, field, f"{path}.{name}")
                stack.append((item, depth + 1, field, f"{path}.{name}"))
        elif isinstance(value, list | tuple):
            stack.extend((item, depth + 1, field, f"{path}[{i}]") for i, item in enumerate(value))


def parse_json(text: str | bytes, *, where: str = "the data") -> Any:
    """`text` parsed as JSON per RFC 8259: NaN and Infinity refused, and input nested too deep for
    the parser an InvalidDataError rather than a RecursionError."""

    def no_constant(word: str) -> Any:
        raise InvalidDataError(f"{where}: {word} is not a JSON number (RFC 8259, section 6)")

    try:
        return json.loads(text, parse_constant=no_constant)
    except RecursionError as exc:
        raise InvalidDataError(f"{where} is nested too deep") from exc
    except ValueError as exc:  # JSONDecodeError, and bytes that are not UTF-8
        raise InvalidDataError(f"{where} is not valid JSON: {exc}") from exc


def _value_size(value: Any, depth: int, limits: DataLimits, field: str, path: str) -> int:
    """The value's own share of the compact JSON size (containers: their brackets and commas)."""
    if value is None or isinstance(value, bool):
        return 5
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            _refuse(field, path, f"is a whole number beyond ±{MAX_SAFE_INTEGER} (RFC 8259, section 6); send it as text")
        return 20
    if isinstance(value, float):
        if not math.isfinite(value):
            _refuse(field, path, f"is {quoted(value)}, which is not a JSON number (RFC 8259, section 6)")
        return 24
    if isinstance(value, str):
        return _text_size(value, limits.max_text, field, path, "text")
    if isinstance(value, Mapping | list | tuple):
        _check_container(value, depth, limits, field, path)
        return 2 + len(value)
    _refuse(field, path, f"is a {type(value).__name__}, not a JSON value")
    return 0  # not reached


def _check_container(
    value: Mapping[Any, Any] | list[Any] | tuple[Any, ...], depth: int, limits: DataLimits, field: str, path: str
) -> None:
    if depth > limits.max_depth:
        _refuse(field, path, f"is nested more than {limits.max_depth} levels deep")
    if len(value) > limits.max_items:
        kind = "fields" if isinstance(value, Mapping) else "items"
        _refuse(field, path, f"has {len(value)} {kind}; the limit is {limits.max_items}")


def _name_size(name: Any, limits: DataLimits, field: str, path: str) -> int:
    if not isinstance(name, str):
        _refuse(field, path, f"has a field name {quoted(name)} that is not text")
    return _text_size(name, limits.max_name, field[: limits.max_name], path, "field name") + 1


def _text_size(text: str, limit: int, field: str, path: str, what: str) -> int:
    if len(text) > limit:
        _refuse(field, path, f"has a {what} of {len(text)} characters; the limit is {limit}")
    try:
        return len(text.encode("utf-8")) + 2
    except UnicodeEncodeError:
        # RFC 8259 section 8.2: an unpaired surrogate has no UTF-8 form; stores disagree on it
        _refuse(field, path, f"has a {what} with an unpaired surrogate (not Unicode text)")
    return 0  # not reached


def _text(name: str) -> str:
    """`name` with each unpaired surrogate replaced by U+FFFD."""
    return name.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _refuse(field: str, path: str, problem: str) -> None:
    """Raise the InvalidDataError: `field` is the top-level field (empty: the data as a whole).
    Names are quoted as Unicode text: an unpaired surrogate in a field name shows as U+FFFD, so the
    message itself can be written as UTF-8 (in a JSON error or a page) — it made them a 500."""
    path, field = _text(path), _text(field)
    shown = path if len(path) <= 120 else f"{path[:60]}…{path[-40:]}"
    field = excerpt(field)
    where = f"field {field!r}" + (f" (at {shown})" if path != field else "") if field else "the data"
    raise InvalidDataError(f"case data: {where} {problem}", field_errors={field or "data": problem})
