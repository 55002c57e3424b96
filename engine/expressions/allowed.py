"""What diagram expressions and scripts may call and use: the one list the upload check and the evaluator read.

checks.py refuses, before anything runs, a call of a function not listed here and an attribute that
no value allows; sandbox.py hands the same functions to simpleeval and lets each type use only its
own attributes. Whether `x.upper()` is allowed depends on what `x` holds when the script runs, so
that stays a run-time refusal; an attribute allowed on no type (`.rjust`, `.pop`) is refused at upload.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import simpleeval
from simpleeval import BASIC_ALLOWED_ATTRS, DEFAULT_OPERATORS

from engine.expressions.limits import (
    safe_add,
    safe_modulo,
    safe_multiply,
    safe_power,
    safe_range,
    safe_round,
    safe_str,
    safe_sum,
)

OPERATORS: dict[type, Callable[..., Any]] = {
    **DEFAULT_OPERATORS,
    ast.Pow: safe_power,
    ast.Mult: safe_multiply,
    ast.Add: safe_add,
    ast.Mod: safe_modulo,
}

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": safe_sum,
    "abs": abs,
    "round": safe_round,
    "int": int,
    "float": float,
    "str": safe_str,
    "bool": bool,
    "sorted": sorted,
    "any": any,
    "all": all,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "range": safe_range,
    "rand": simpleeval.random,
    "randint": simpleeval.random_int,
}

# Methods that can grow a value far beyond its inputs in one C call are left out on purpose
# (center, ljust, zfill, expandtabs, translate, to_bytes); join/replace are guarded.
_STR_METHODS = frozenset(BASIC_ALLOWED_ATTRS[str]) - {
    "center",
    "ljust",
    "rjust",
    "zfill",
    "expandtabs",
    "translate",
    "maketrans",
    "format",
    "format_map",
}
# Only methods that leave their object unchanged: expressions must not have side effects, and a
# script changes data only by assignment, so it cannot build cycles or grow data out of sight.
_DICT_METHODS = frozenset({"copy", "get", "items", "keys", "values"})
ATTRIBUTES: dict[type | None, frozenset[str]] = {
    str: _STR_METHODS,
    int: frozenset({"bit_length", "conjugate", "denominator", "imag", "numerator", "real"}),
    bool: frozenset({"conjugate", "imag", "real"}),
    float: frozenset({"as_integer_ratio", "conjugate", "hex", "imag", "is_integer", "real"}),
    dict: _DICT_METHODS,
    OrderedDict: _DICT_METHODS,
    list: frozenset({"copy", "count", "index"}),
    set: frozenset(
        {"copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset", "symmetric_difference", "union"}
    ),
    tuple: frozenset({"count", "index"}),
}
# every attribute some value allows: any other is refused whatever the script is given
ANY_ATTRIBUTE = frozenset().union(*ATTRIBUTES.values())
