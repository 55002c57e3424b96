"""A step's fixed statements run straight on the DB-API cursor of the step's own connection.

A step is a handful of statements whose SQL never changes (the case row's version-checked UPDATE,
the task rows, the events, the spans). Executing a prebuilt Core statement still costs SQLAlchemy's
Python per call (cache key, execution context, parameter processing, result) — more than SQLite
needs for the statement itself (bench/README.md, issue 14). `DirectStatement` compiles a Core
statement once per dialect and set of parameter names, applies the same bind processors SQLAlchemy
would (e.g. `UTCDateTime`'s), and runs it on the cursor inside the transaction SQLAlchemy began, so
it commits or rolls back with the rest of the use case.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class _Plan:
    sql: str
    positional: bool
    # positional paramstyles: (bind name, bind processor or None) in placeholder order
    slots: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    defaults: dict[str, Any]  # binds with a value in the statement itself (literal values)
    processors: dict[str, Callable[[Any], Any]]  # named paramstyles
    pick: Callable[[Mapping[str, Any]], Any] = tuple  # positional: the values in placeholder order
    processed: tuple[tuple[int, Callable[[Any], Any]], ...] = ()  # positional: the places to process
    row_type: Callable[..., tuple[Any, ...]] | None = None  # SELECT: a named tuple of the selected columns
    results: tuple[Callable[[Any], Any] | None, ...] = ()  # SELECT: each column's result processor

    def args(self, row: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **row} if self.defaults else row
        if self.positional:
            if len(self.slots) == 1:
                name, process = self.slots[0]
                return (values[name] if process is None else process(values[name]),)
            picked = self.pick(values)  # itemgetter: one C call for all the values
            if not self.processed:
                return picked
            out = list(picked)
            for i, process in self.processed:
                out[i] = process(out[i])
            return tuple(out)
        if self.processors:
            return {k: (self.processors[k](v) if k in self.processors else v) for k, v in values.items()}
        return values

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        assert self.row_type is not None  # only a SELECT's plan reads rows
        return self.row_type(*(v if process is None else process(v) for v, process in zip(raw, self.results, strict=True)))


def _run(connection: Connection, cursor: Any, sql: str, args: Any, *, many: bool = False) -> None:
    """Execute on the cursor, telling SQLAlchemy's `before_cursor_execute` and `after_cursor_execute`
    listeners as SQLAlchemy's own execution does (without an execution context; a listener's
    return value changes nothing here), so what watches the statements (tests, tracing) sees these
    too. With no such listener it costs a look at two empty lists."""
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(connection, cursor, sql, args, None, many)
    if many:
        cursor.executemany(sql, args)
    else:
        cursor.execute(sql, args)
    if dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(connection, cursor, sql, args, None, many)


def _is_datetime(type_: Any) -> bool:
    """A DateTime column type, or a TypeDecorator over one (UTCDateTime): its values are immutable."""
    return isinstance(type_, DateTime) or isinstance(getattr(type_, "impl", None), DateTime)


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process` that gives the value it last gave when it is handed the very same object again: a
    step's rows share one `now` (every event's and span's time), and a datetime's bind processor
    (UTCDateTime, then SQLite's text format) cost more Python than the rest of a row's parameters.
    Bind processors are pure, and the remembered input is kept alive with its output, so the
    identity test cannot be fooled by a reused address; one tuple per call keeps it thread-safe."""
    last: list[tuple[Any, Any]] = [(object(), None)]

    def run(value: Any) -> Any:
        seen, out = last[0]
        if value is seen:
            return out
        out = process(value)
        last[0] = (value, out)
        return out

    return run


class DirectStatement:
    """A Core INSERT, UPDATE or DELETE (`execute`), a SELECT (`first`, `all`) or an INSERT with
    RETURNING (`first`), run on the connection's DB-API cursor.

    `execute(connection, rows)` takes one parameter dict or a list of them (an executemany; an
    empty list runs nothing) and returns the driver's rowcount. Every dict of one call must have the
    same keys. A driver error goes through SQLAlchemy's own handling (its exception classes and
    Kapula's `handle_error` hook in engine.persistence.database, so a lost connection is still an
    UnavailableError)."""

    def __init__(self, statement: UpdateBase | Select[*tuple[Any, ...]], *, set_from_parameters: bool = False) -> None:
        """`set_from_parameters`: an UPDATE without values of its own sets the columns named by the
        parameters of each call (one compiled form per set of names), like an INSERT does."""
        self.statement = statement
        self._set_from_parameters = set_from_parameters
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}

    def execute(self, connection: Connection, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        batch = [rows] if isinstance(rows, Mapping) else rows
        if not batch:
            return 0
        dialect = connection.dialect
        key = (dialect.name, frozenset(batch[0]))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect, batch[0])
        args = [plan.args(row) for row in batch]
        dbapi_connection = connection.connection  # the pooled DB-API connection, inside SQLAlchemy's transaction
        cursor = None
        try:
            # in the try: a connection the server closed refuses a cursor with a driver error too
            cursor = dbapi_connection.cursor()
            if len(args) == 1:
                _run(connection, cursor, plan.sql, args[0])
            else:
                _run(connection, cursor, plan.sql, args, many=True)
            return int(cursor.rowcount)
        except dialect.loaded_dbapi.Error as exc:
            connection._handle_dbapi_exception(exc, plan.sql, args, cursor, None)  # noqa: SLF001 - raises
        finally:
            if cursor is not None:
                cursor.close()

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """A SELECT's first row (or an INSERT's RETURNING row) as a named tuple of its columns
        (values as SQLAlchemy would give them: the columns' result processors applied), or None."""
        plan, raw = self._fetch(connection, params, one=True)
        return None if raw is None else plan.row(raw)

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row of a SELECT, as `first` gives one."""
        plan, raw = self._fetch(connection, params, one=False)
        return [plan.row(r) for r in raw]

    def _fetch(self, connection: Connection, params: Mapping[str, Any], *, one: bool) -> tuple[_Plan, Any]:
        dialect = connection.dialect
        key = (dialect.name, frozenset(params))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect, params)
        cursor = None
        try:
            cursor = connection.connection.cursor()  # see `execute`
            _run(connection, cursor, plan.sql, plan.args(params))
            raw = cursor.fetchone() if one else cursor.fetchall()
        except dialect.loaded_dbapi.Error as exc:
            connection._handle_dbapi_exception(exc, plan.sql, params, cursor, None)  # noqa: SLF001 - raises
        finally:
            if cursor is not None:
                cursor.close()
        return plan, raw

    def _compile(self, dialect: Dialect, sample: Mapping[str, Any]) -> _Plan:
        statement = self.statement
        if isinstance(statement, Insert):
            # no RETURNING of the new key but the statement's own (`first` reads it); the columns
            # are those of the parameters
            compiled = statement.inline().compile(dialect=dialect, column_keys=list(sample))
        elif self._set_from_parameters:
            compiled = statement.compile(dialect=dialect, column_keys=list(sample))
        else:
            compiled = statement.compile(dialect=dialect)
        # the values the statement carries itself (literals), under the names in the SQL
        defaults = {k: v for k, v in compiled.construct_params(dict(sample)).items() if k not in sample}
        processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = _remembering(process) if _is_datetime(bind.type) else process
        positional = bool(compiled.positional)
        slots = tuple((name, processors.get(name)) for name in compiled.positiontup or ()) if positional else ()
        row_type: Callable[..., tuple[Any, ...]] | None = None
        results: tuple[Callable[[Any], Any] | None, ...] = ()
        # a SELECT's columns, or those an INSERT's RETURNING names
        columns = list(statement.selected_columns if isinstance(statement, Select) else statement.exported_columns)
        if columns:
            row_type = _row_class(columns)
            results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        pick = itemgetter(*(name for name, _p in slots)) if len(slots) > 1 else tuple
        processed = tuple((i, process) for i, (_name, process) in enumerate(slots) if process is not None)
        return _Plan(compiled.string, positional, slots, defaults, processors, pick, processed, row_type, results)


def _row_class(columns: Sequence[ColumnElement[Any]]) -> Callable[..., tuple[Any, ...]]:
    # misc: mypy types only namedtuple()s with literal field lists (and a column's key is typed
    # str | None; a selected column has one)
    return namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]  # noqa: PYI024
