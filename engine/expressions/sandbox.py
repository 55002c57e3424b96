"""The simpleeval evaluator behind the safe script engine: allowed functions and methods, time budget."""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import re
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import simpleeval
from simpleeval import EvalWithCompoundTypes

from engine.expressions.allowed import ATTRIBUTES, FUNCTIONS, OPERATORS
from engine.expressions.limits import (
    GUARDED_STR_METHODS,
    MAX_CREATED_ITEMS,
    ScriptRefusedError,
    ScriptTimeoutError,
    check_format_spec,
    check_plain_data,
    check_text_size,
)

_CLASS_RE = re.compile(r"<class '([\w.]+)'>")
_BUILDING_NODES = (
    ast.BinOp,
    ast.Call,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.ListComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.JoinedStr,
)
_idle = threading.local()
WALL_CLOCK_FACTOR = 20  # a run waiting for the CPU stops after this many budgets of wall-clock time
_collector = threading.local()  # per thread: CPU and wall-clock seconds spent in the garbage collector


def _count_collections(phase: str, info: dict[str, int]) -> None:
    """gc.callbacks hook: add each collection's CPU and wall-clock time to the thread that ran it.
    A collection runs in whichever thread allocated last, and on a large heap takes far longer than
    any expression; charged to the script's budget it failed a plain `customer` under a full test run."""
    cpu, wall = time.thread_time(), time.monotonic()
    if phase == "start":
        _collector.started = (cpu, wall)
    else:
        began_cpu, began_wall = getattr(_collector, "started", (cpu, wall))
        _collector.cpu = getattr(_collector, "cpu", 0.0) + cpu - began_cpu
        _collector.wall = getattr(_collector, "wall", 0.0) + wall - began_wall


def _script_cpu() -> float:
    """This thread's CPU seconds, less those the garbage collector took."""
    return time.thread_time() - getattr(_collector, "cpu", 0.0)


def _script_wall() -> float:
    """The monotonic clock, less the seconds this thread spent in the garbage collector."""
    return time.monotonic() - getattr(_collector, "wall", 0.0)


gc.callbacks.append(_count_collections)
_construction_lock = threading.Lock()


@contextlib.contextmanager
def sandbox(names: Mapping[str, Any], time_budget: float, source: str) -> Iterator[SandboxEvaluator]:
    """Lend this thread's evaluator, primed for one expression or script.

    Evaluators hold per-run state, so each thread keeps its own; simpleeval's constructor
    also toggles the process-wide warnings filters, which is why construction is locked.
    """
    evaluator = getattr(_idle, "evaluator", None)
    _idle.evaluator = None  # a nested use, should one ever happen, builds its own
    if evaluator is None:
        with _construction_lock:
            evaluator = SandboxEvaluator()
    evaluator.start(names, time_budget, source)
    try:
        yield evaluator
    finally:
        evaluator.start({}, 0.0, "")  # drop references to task data between runs
        _idle.evaluator = evaluator


class SandboxEvaluator(EvalWithCompoundTypes):
    """simpleeval evaluator with Kapula's functions, limits and a time budget; use through `sandbox()`."""

    def __init__(self) -> None:
        attributes = {kind: set(names) for kind, names in ATTRIBUTES.items()}
        super().__init__(operators=OPERATORS, functions=dict(FUNCTIONS), names={}, allowed_attrs=attributes)
        self.start({}, 0.0, "")

    def start(self, names: Mapping[str, Any], time_budget: float, source: str) -> None:
        """Reset every per-run counter and start the clock."""
        self.names = names
        self.expr = source
        self.time_budget = time_budget
        self._deadline = _script_wall() + time_budget
        self._cpu_deadline = _script_cpu() + time_budget
        self._hard_deadline = self._deadline + WALL_CLOCK_FACTOR * time_budget
        self._created = 0
        self._max_count = 0
        self.nodes[ast.Name] = self._eval_name

    def run(self, node: ast.AST) -> Any:
        """Evaluate an already checked node."""
        with translated_errors():
            return self._eval(node)

    def apply(self, function: Callable[..., Any], *args: Any) -> Any:
        """Call an operator outside a node visit (for '+=' and friends) with the same error handling."""
        with translated_errors():
            return function(*args)

    def _eval(self, node: ast.AST) -> Any:
        # Checked on every node so no loop of node visits can outlive the budget. The budget is this
        # thread's CPU time less the garbage collector's: a busy machine that leaves the thread
        # waiting, or a collection of the whole heap, must not fail a plain `accepted == True` (both
        # seen under load); the cheap wall clock is looked at first, and a hard wall-clock limit
        # still stops a run that is starved for too long.
        if _script_wall() > self._deadline and (_script_cpu() > self._cpu_deadline or _script_wall() > self._hard_deadline):
            raise ScriptTimeoutError(f"it ran longer than the {self.time_budget:g} s time budget")
        result = super()._eval(node)
        if isinstance(node, _BUILDING_NODES) and hasattr(result, "__len__") and not isinstance(result, range):
            self._created += len(result)
            if self._created > MAX_CREATED_ITEMS:
                raise ScriptRefusedError(f"it builds more than {MAX_CREATED_ITEMS} items")
            if isinstance(result, (list, tuple, set, frozenset, dict)):
                check_plain_data(result, "a value it builds")
        return result

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval walks every container after every node, which `[[1] * 10000] * 10000` turns
        # into seconds of uninterruptible work. A shallow check is enough here: names hold only
        # task data and our functions, and attributes are whitelisted per type, so no module or
        # forbidden function can be reached inside a container.
        if isinstance(item, types.ModuleType):
            raise ScriptRefusedError("modules are not allowed")
        if callable(item) and not isinstance(item, type) and _is_forbidden(item):
            raise ScriptRefusedError("this function is forbidden")

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        item = super()._eval_attribute(node)
        owner = getattr(item, "__self__", None)
        if isinstance(owner, str) and node.attr in GUARDED_STR_METHODS:
            return functools.partial(GUARDED_STR_METHODS[node.attr], owner)
        return item

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        value = self._eval(node.value)
        check_text_size(value)
        if node.format_spec:
            spec = self._eval(node.format_spec)
            check_format_spec(spec)
            return format(value, spec)
        return value


def _is_forbidden(function: Any) -> bool:
    try:
        return function in simpleeval.DISALLOW_FUNCTIONS
    except TypeError:  # unhashable callables cannot be in the set
        return False


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn simpleeval's errors into refusals, or into the ordinary Python errors they stand for."""
    try:
        yield
    except RecursionError:
        raise ScriptRefusedError("it is nested too deeply") from None
    except simpleeval.NameNotDefined as err:
        raise NameError(f"name '{err.name}' is not defined") from None
    except simpleeval.AttributeDoesNotExist as err:
        raise AttributeError(f"attribute '{err.attr}' does not exist") from None
    except simpleeval.InvalidExpression as err:
        raise ScriptRefusedError(_plain(str(err))) from None


def _plain(message: str) -> str:
    """simpleeval's messages start with 'Sorry, '; keep the substance only."""
    for prefix in ("Sorry! ", "Sorry, "):
        message = message.removeprefix(prefix)
    return _CLASS_RE.sub(r"\1", message).rstrip(".")
