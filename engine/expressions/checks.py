"""Static checks that refuse unsafe diagram expressions and scripts before anything runs."""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import simpleeval
from simpleeval import DISALLOW_METHODS

from engine.expressions.allowed import ANY_ATTRIBUTE, FUNCTIONS, OPERATORS
from engine.expressions.limits import ScriptRefusedError, safe_add, safe_multiply, safe_power, safe_range

# Sources are capped so parsing a hostile upload can never take long or recurse deeply.
MAX_EXPRESSION_LENGTH = 10_000
MAX_SCRIPT_LENGTH = 50_000
# Only short sources are cached, so a flood of huge distinct texts cannot pin much memory.
_CACHED_EXPRESSION_LENGTH = 500
_CACHED_SCRIPT_LENGTH = 2_000

SAFE_FUNCTION_NAMES = frozenset(FUNCTIONS)


_ALLOWED_OPERATORS = (*OPERATORS, ast.And, ast.Or)
_EXPRESSION_NODES = (
    ast.Expression,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Del,
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.Subscript,
    ast.Attribute,
    ast.Slice,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Dict,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.ListComp,
    ast.GeneratorExp,
    ast.DictComp,
    ast.comprehension,
    *_ALLOWED_OPERATORS,
)
_CONSTRUCT_NAMES = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.FunctionDef: "a function definition ('def')",
    ast.AsyncFunctionDef: "a function definition ('def')",
    ast.ClassDef: "a class definition",
    ast.For: "a 'for' loop",
    ast.AsyncFor: "a 'for' loop",
    ast.While: "a 'while' loop",
    ast.With: "a 'with' block",
    ast.AsyncWith: "a 'with' block",
    ast.Try: "a 'try' block",
    ast.Global: "'global'",
    ast.Nonlocal: "'nonlocal'",
    ast.Raise: "'raise'",
    ast.Assert: "'assert'",
    ast.Return: "'return'",
    ast.If: "an 'if' statement (use 'x = a if condition else b')",
    ast.Match: "a 'match' statement",
    ast.AnnAssign: "a type annotation",
    ast.Lambda: "a lambda",
    ast.NamedExpr: "the ':=' operator",
    ast.Starred: "'*' unpacking",
    ast.SetComp: "a set comprehension",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.MatMult: "the '@' operator",
    ast.Attribute: "an attribute (use x['key'] instead)",
    ast.Assign: "an assignment",
    ast.AugAssign: "an assignment",
    ast.Delete: "'del'",
    ast.Pass: "'pass'",
}
if hasattr(ast, "TryStar"):
    _CONSTRUCT_NAMES[ast.TryStar] = "a 'try' block"


# what a text parses to: an expression (mode "eval") or a script (mode "exec")
TreeT = TypeVar("TreeT", ast.Expression, ast.Module)


@dataclass(frozen=True)
class Analysis(Generic[TreeT]):
    """The outcome of checking one source text; `tree` is set only when it is acceptable."""

    tree: TreeT | None = None
    reason: str | None = None
    line_number: int | None = None
    syntax_error: tuple[Any, ...] | None = None  # SyntaxError args, so callers can raise a fresh one


def check_expression(text: str) -> str | None:
    """Return None if the expression is acceptable, else a plain-language reason."""
    return analyse_expression(text).reason


def check_script(text: str) -> str | None:
    """Return None if the script is acceptable, else a plain-language reason."""
    return analyse_script(text).reason


def analyse_expression(text: str) -> Analysis[ast.Expression]:
    """Parse and check an expression; cached because diagrams evaluate the same text often."""
    if isinstance(text, str) and len(text) <= _CACHED_EXPRESSION_LENGTH:
        return _cached_expression(text)
    return _analyse_expression(text)


def analyse_script(text: str) -> Analysis[ast.Module]:
    """Parse and check a script; every statement must be an assignment or an expression."""
    if isinstance(text, str) and len(text) <= _CACHED_SCRIPT_LENGTH:
        return _cached_script(text)
    return _analyse_script(text)


def _analyse_expression(text: str) -> Analysis[ast.Expression]:
    if not isinstance(text, str):
        return Analysis(reason="it is not text")
    if len(text) > MAX_EXPRESSION_LENGTH:
        return Analysis(reason=f"it is longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        return _syntax_failure(err, _statement_instead(text))
    except (RecursionError, MemoryError, ValueError):
        return Analysis(reason="it is nested too deeply")
    reason = _first_problem(tree)
    return Analysis(reason=reason) if reason else Analysis(tree=tree)


def _analyse_script(text: str) -> Analysis[ast.Module]:
    if not isinstance(text, str):
        return Analysis(reason="it is not text")
    if len(text) > MAX_SCRIPT_LENGTH:
        return Analysis(reason=f"it is longer than {MAX_SCRIPT_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as err:
        return _syntax_failure(err)
    except (RecursionError, MemoryError, ValueError):
        return Analysis(reason="it is nested too deeply")
    for statement in tree.body:
        reason = _statement_problem(statement)
        if reason:
            return Analysis(reason=f"line {statement.lineno}: {reason}", line_number=statement.lineno)
    return Analysis(tree=tree)


_cached_expression = functools.lru_cache(maxsize=2048)(_analyse_expression)
_cached_script = functools.lru_cache(maxsize=512)(_analyse_script)


def _syntax_failure(err: SyntaxError, reason: str | None = None) -> Analysis[TreeT]:
    line = err.lineno or 1
    reason = reason or f"syntax error at line {line}: {err.msg}"
    return Analysis(reason=reason, line_number=line, syntax_error=err.args)


def _statement_instead(text: str) -> str | None:
    """Name the statement when someone wrote one where an expression belongs (e.g. 'import os')."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    if body and not isinstance(body[0], ast.Expr):
        return f"{_construct_name(body[0])} is not allowed in an expression"
    return None


def _statement_problem(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign):
        return _first_of([_target_problem(t) for t in node.targets] + [_first_problem(node.value)])
    if isinstance(node, ast.AugAssign):
        if not isinstance(node.target, (ast.Name, ast.Subscript)):
            return "only a name or an item can be updated with an operator like '+='"
        return _first_of([_target_problem(node.target), _first_problem(node.op), _first_problem(node.value)])
    if isinstance(node, ast.Expr):
        return _first_problem(node.value)
    if isinstance(node, ast.Pass):
        return None
    if isinstance(node, ast.Delete):
        if all(isinstance(t, ast.Name) for t in node.targets):
            return _first_of([_target_problem(t) for t in node.targets])
        return "'del' of anything but a plain name is not allowed"
    return f"{_construct_name(node)} is not allowed"


def _target_problem(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return _name_problem(node.id)
    if isinstance(node, ast.Subscript):
        return _first_of([_first_problem(node.value), _first_problem(node.slice)])
    if isinstance(node, (ast.Tuple, ast.List)):
        return _first_of([_target_problem(elt) for elt in node.elts])
    return f"assigning to {_construct_name(node)} is not allowed"


def _first_problem(root: ast.AST) -> str | None:
    """Walk an expression tree and return the first thing the sandbox would refuse."""
    nodes = list(ast.walk(root))
    for node in nodes:
        if not isinstance(node, _EXPRESSION_NODES):
            return f"{_construct_name(node)} is not allowed"
        problem = _node_problem(node)
        if problem:
            return problem
    # an attribute that no value allows is refused by the evaluator whatever the data holds
    # (engine.expressions.allowed), so it is refused here, after what says more ('__import__')
    unknown = next((n.attr for n in nodes if isinstance(n, ast.Attribute) and n.attr not in ANY_ATTRIBUTE), None)
    if unknown is not None:
        return f"uses the method '.{unknown}', which no value allows"
    return _literal_problem(nodes)


_FOLDABLE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Pow: safe_power,
    ast.Mult: safe_multiply,
    ast.Add: safe_add,
    ast.Sub: operator.sub,
}
_UNKNOWN = object()


def _literal_problem(nodes: list[ast.AST]) -> str | None:
    """Fold literal-only arithmetic with the sandbox's guarded operators, so '9**9**9',
    '"a" * 10**9' or a 10000 x 10000 comprehension are refused at upload time too."""
    values: dict[int, Any] = {}
    try:
        for node in reversed(nodes):  # ast.walk is breadth-first: reversed, children come first
            values[id(node)] = _fold(node, values)
            if isinstance(node, (ast.ListComp, ast.DictComp, ast.GeneratorExp)):
                _check_comprehension(node, values)
    except ScriptRefusedError as err:
        return err.reason
    return None


def _fold(node: ast.AST, values: dict[int, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = values.get(id(node.operand), _UNKNOWN)
        return -operand if isinstance(operand, (int, float)) else _UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLDABLE:
        left, right = values.get(id(node.left), _UNKNOWN), values.get(id(node.right), _UNKNOWN)
        if left is not _UNKNOWN and right is not _UNKNOWN:
            try:
                return _FOLDABLE[type(node.op)](left, right)
            except (TypeError, ValueError, OverflowError, ZeroDivisionError):
                return _UNKNOWN  # an ordinary error, reported when it runs
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        args = [values.get(id(arg), _UNKNOWN) for arg in node.args]
        if args and not node.keywords and all(isinstance(a, int) for a in args):
            try:
                return safe_range(*args)
            except (TypeError, ValueError):
                return _UNKNOWN
    return _UNKNOWN


def _check_comprehension(node: ast.ListComp | ast.DictComp | ast.GeneratorExp, values: dict[int, Any]) -> None:
    lengths = [len(r) for g in node.generators if isinstance(r := values.get(id(g.iter)), range)]
    if math.prod(lengths) > simpleeval.MAX_COMPREHENSION_LENGTH:
        raise ScriptRefusedError(f"the comprehension would generate more than {simpleeval.MAX_COMPREHENSION_LENGTH} elements")


def _node_problem(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return _name_problem(node.id)
    if isinstance(node, ast.Attribute):
        if node.attr.startswith(("_", "func_")):
            return f"uses the attribute '{node.attr}'"
        if node.attr in DISALLOW_METHODS:
            return f"uses the method '{node.attr}', which is not allowed"
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id not in SAFE_FUNCTION_NAMES:
            return _name_problem(node.func.id) or f"calls '{node.func.id}', which is not an allowed function"
        if any(k.arg is None for k in node.keywords):
            return "'**' unpacking in a call is not allowed"
    if isinstance(node, ast.comprehension) and node.is_async:
        return "an async comprehension is not allowed"
    return None


def _name_problem(name: str) -> str | None:
    return f"uses the name '{name}'" if name.startswith("_") else None


def _construct_name(node: ast.AST) -> str:
    return _CONSTRUCT_NAMES.get(type(node), f"'{type(node).__name__}'")


def _first_of(problems: list[str | None]) -> str | None:
    return next((p for p in problems if p), None)
