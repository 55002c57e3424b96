"""Limits and guarded operations for the script sandbox: what counts as too big, and the refusal errors."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

import simpleeval

MAX_STRING_LENGTH = simpleeval.MAX_STRING_LENGTH
MAX_POWER = simpleeval.MAX_POWER
MAX_INT_BITS = 100_000  # simpleeval alone allows 4000000 ** 4000000, which takes ~30 s in one C call
MAX_RANGE_LENGTH = 100_000
MAX_CREATED_ITEMS = 1_000_000  # total items built by one evaluation, against comprehension bombs
MAX_FORMAT_WIDTH = 1_000
MAX_RESULT_UNITS = 1_000_000  # a value's full size, shared parts counted each time; 10 characters = 1 unit
MAX_TASK_DATA_UNITS = 5_000_000

_WIDTH_RE = re.compile(r"\d+")
# a printf-style conversion specifier: %[(key)][flags][width][.precision][length]type
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsab%])")
_TOO_LONG = f"the result would be too long (over {MAX_STRING_LENGTH} characters or items)"
_PRIMITIVES = (str, bytes, int, float, bool, type(None))
_SCALARS = frozenset({int, float, bool, type(None)})


class ScriptRefusedError(Exception):
    """The sandbox refused an expression or script; `reason` is plain language."""

    def __init__(self, reason: str, line_number: int | None = None, *, message: str | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.line_number = line_number


class ScriptTimeoutError(ScriptRefusedError):
    """An expression or script ran past its time budget and was stopped."""


def _is_big_int_operand(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def safe_power(base: Any, exponent: Any) -> Any:
    """Power that refuses results too large to compute quickly."""
    if _is_big_int_operand(base) and _is_big_int_operand(exponent) and abs(base) > 1:
        if abs(exponent) > MAX_POWER or exponent * base.bit_length() > MAX_INT_BITS:
            raise ScriptRefusedError("power too large")
    elif isinstance(exponent, (int, float)) and abs(exponent) > MAX_POWER:
        raise ScriptRefusedError("power too large")
    return base**exponent


def safe_multiply(left: Any, right: Any) -> Any:
    """Multiplication that refuses huge integers and huge repeated strings or lists."""
    if _is_big_int_operand(left) and _is_big_int_operand(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise ScriptRefusedError("number too large")
        return left * right
    try:
        return simpleeval.safe_mult(left, right)
    except simpleeval.IterableTooLong:
        raise ScriptRefusedError(_TOO_LONG) from None


def safe_add(left: Any, right: Any) -> Any:
    """Addition that refuses results longer than the string limit."""
    try:
        return simpleeval.safe_add(left, right)
    except simpleeval.IterableTooLong:
        raise ScriptRefusedError(_TOO_LONG) from None


def safe_modulo(left: Any, right: Any) -> Any:
    """Modulo that also guards '%' string formatting against huge widths and values, before formatting."""
    if isinstance(left, (str, bytes)):
        check_percent_format(left.decode("latin-1") if isinstance(left, bytes) else left, right)
        check_text_size(right)
    return left % right


def check_percent_format(template: str, args: Any) -> None:
    """Refuse a '%' format whose widths or precisions exceed MAX_FORMAT_WIDTH, including those a `*`
    takes from the arguments (`"%0*d" % (width, n)`), before anything is built.
    Only conversion specifiers are read (printf-style, Python's library reference), not the text
    around them, so "Order 123456: %s" is fine."""
    values = list(args) if isinstance(args, tuple) else [args]
    position = 0
    for match in _PERCENT_SPEC.finditer(template):
        width, precision, kind = match.groups()
        for part in (width, precision):
            if part == "*":
                value = values[position] if position < len(values) else None
                position += 1
                if isinstance(value, int) and abs(value) > MAX_FORMAT_WIDTH:
                    raise ScriptRefusedError(f"format width larger than {MAX_FORMAT_WIDTH}")
            elif part and (len(part) > 6 or int(part) > MAX_FORMAT_WIDTH):
                raise ScriptRefusedError(f"format width larger than {MAX_FORMAT_WIDTH}")
        if kind != "%":
            position += 1


def check_format_spec(spec: str) -> None:
    """Refuse format widths or precisions that would build huge strings."""
    if any(len(digits) > 6 or int(digits) > MAX_FORMAT_WIDTH for digits in _WIDTH_RE.findall(spec)):
        raise ScriptRefusedError(f"format width larger than {MAX_FORMAT_WIDTH}")


def check_text_size(value: Any) -> None:
    """Refuse turning a value into text when the text would be too long, before building it."""
    budget = [MAX_STRING_LENGTH]
    seen: set[int] = set()

    def visit(item: Any) -> None:
        if isinstance(item, _PRIMITIVES):
            budget[0] -= len(item) if isinstance(item, (str, bytes)) else 24
        elif id(item) not in seen and isinstance(item, (list, tuple, set, frozenset, dict)):
            seen.add(id(item))
            budget[0] -= 2 + 2 * len(item)
            for element in item.items() if isinstance(item, dict) else item:
                if budget[0] < 0:
                    return
                visit(element)
        if budget[0] < 0:
            raise ScriptRefusedError(f"the text would be longer than {MAX_STRING_LENGTH} characters")

    visit(value)


def check_plain_data(value: Any, what: str = "the result", *, limit: int = MAX_RESULT_UNITS) -> None:
    """Refuse values that hold functions or cycles, or would be huge to compare, save or serialise.

    Shared references make `[[1] * 10000] * 10000` cheap to build yet 10^8 items to walk, so
    the size counts every occurrence; shared parts are measured once and remembered.
    """
    try:
        _DataSizer(what, limit).size(value)
    except RecursionError:
        raise ScriptRefusedError(f"{what} is nested too deeply") from None


class _DataSizer:
    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        self.known: dict[int, int] = {}
        self.open: set[int] = set()

    def size(self, item: Any) -> int:
        if isinstance(item, (str, bytes)):
            return 1 + len(item) // 10
        if not isinstance(item, (list, tuple, set, frozenset, dict)):
            if callable(item):
                raise ScriptRefusedError(f"{self.what} contains a function")
            return 1
        key = id(item)
        if key in self.known:
            return self.known[key]
        if key in self.open:
            raise ScriptRefusedError(f"{self.what} contains itself")
        if not isinstance(item, dict) and set(map(type, item)) <= _SCALARS:
            # a flat list of numbers: counted in C, since bombs build many of them
            if len(item) + 1 > self.limit:
                raise ScriptRefusedError(f"{self.what} is too large")
            self.known[key] = len(item) + 1
            return len(item) + 1
        self.open.add(key)
        total = 1
        for child in itertools.chain(item.keys(), item.values()) if isinstance(item, dict) else item:
            total += 1 if type(child) in _SCALARS else self.size(child)
            if total > self.limit:
                raise ScriptRefusedError(f"{self.what} is too large")
        self.open.discard(key)
        self.known[key] = total
        return total


def safe_str(value: Any = "") -> str:
    """str() that refuses to render containers into overly long text."""
    check_text_size(value)
    return str(value)


def safe_round(number: Any, ndigits: Any = None) -> Any:
    """round() that refuses a digit count from the data that would make it compute 10**ndigits
    (round(12345, -10**9) runs for minutes in one C call, past any time budget)."""
    if isinstance(ndigits, int) and abs(ndigits) > MAX_FORMAT_WIDTH:
        raise ScriptRefusedError(f"round() to more than {MAX_FORMAT_WIDTH} digits")
    return round(number) if ndigits is None else round(number, ndigits)


def safe_sum(values: Iterable[Any], start: Any = 0) -> Any:
    """sum() of numbers only, since summing lists or strings grows quadratically."""
    if not isinstance(start, (int, float)):
        raise ScriptRefusedError("sum() only adds numbers")
    return sum(values, start)


def safe_range(*args: int) -> range:
    """range() bounded in length so list(range(...)) cannot exhaust memory."""
    result = range(*args)
    if len(result) > MAX_RANGE_LENGTH:
        raise ScriptRefusedError(f"range longer than {MAX_RANGE_LENGTH}")
    return result


def _guarded_join(separator: str, items: Iterable[Any]) -> str:
    parts = list(items)
    size = sum(len(p) for p in parts if isinstance(p, str)) + len(separator) * max(len(parts) - 1, 0)
    if size > MAX_STRING_LENGTH:
        raise ScriptRefusedError(f"the text would be longer than {MAX_STRING_LENGTH} characters")
    return separator.join(parts)


def _guarded_replace(text: str, old: str, new: str, count: int = -1) -> str:
    hits = len(text) + 1 if old == "" else text.count(old)
    if count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > MAX_STRING_LENGTH:
        raise ScriptRefusedError(f"the text would be longer than {MAX_STRING_LENGTH} characters")
    return text.replace(old, new, count)


GUARDED_STR_METHODS: dict[str, Callable[..., str]] = {"join": _guarded_join, "replace": _guarded_replace}
