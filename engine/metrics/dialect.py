"""SQL expressions that differ between SQLite and PostgreSQL: epoch seconds, months, JSON fields."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

# SQLite keeps UTC datetimes as ISO text; julianday() of the Unix epoch is this
_UNIX_JULIAN_DAY = 2440587.5


class Dialect:
    """Builds the per-backend expressions for one connection's dialect name."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"metrics support SQLite and PostgreSQL, not {name}")
        self.name = name

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def epoch(self, column: Any) -> ColumnElement[float]:
        """Seconds since 1970-01-01 UTC, as a float."""
        if self.sqlite:
            return (func.julianday(column) - _UNIX_JULIAN_DAY) * 86400.0
        return cast(func.extract("epoch", column), Float)

    def seconds_between(self, start: Any, end: Any) -> ColumnElement[float]:
        if self.sqlite:
            return (func.julianday(end) - func.julianday(start)) * 86400.0
        return cast(func.extract("epoch", end - start), Float)

    def month(self, column: Any) -> ColumnElement[str]:
        """'YYYY-MM' of a UTC timestamp."""
        if self.sqlite:
            return func.strftime("%Y-%m", column)
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")

    def json_text(self, column: Any, name: str) -> ColumnElement[str]:
        """A top-level field of a JSON text column as text ('true'/'false' for booleans), or NULL."""
        if self.sqlite:
            path = _json_path(name)
            kind = func.json_type(column, path)
            return case(
                (kind == "true", literal("true")),
                (kind == "false", literal("false")),
                (kind.in_(("object", "array", "null")), None),
                else_=cast(func.json_extract(column, path), String),
            )
        field = cast(column, JSONB)[name]
        return case((func.jsonb_typeof(field).in_(("object", "array", "null")), None), else_=field.astext)

    def json_number(self, column: Any, name: str) -> ColumnElement[float]:
        """A numeric top-level field as a float; NULL when missing or not a number."""
        if self.sqlite:
            path = _json_path(name)
            return case((func.json_type(column, path).in_(("integer", "real")), cast(func.json_extract(column, path), Float)))
        field = cast(column, JSONB)[name]
        return case((func.jsonb_typeof(field) == "number", cast(field.astext, Float)))

    def json_true(self, column: Any, name: str) -> ColumnElement[bool]:
        return self.json_text(column, name) == "true"

    def json_is_set(self, column: Any, name: str) -> ColumnElement[bool]:
        return self.json_text(column, name).is_not(None)

    def json_equals(self, column: Any, name: str, value: Any) -> ColumnElement[bool]:
        """The field equals `value`, or is a list that contains it."""
        if self.sqlite:
            path = _json_path(name)
            members = func.json_each(column, path).table_valued("value")
            member = exists(select(literal(1)).select_from(members).where(members.c.value == value))
            return or_(self.json_text(column, name) == _as_text(value), and_(func.json_type(column, path) == "array", member))
        field = cast(column, JSONB)[name]
        wanted = cast(literal(json.dumps(value)), JSONB)
        wrapped = cast(literal(json.dumps([value])), JSONB)
        return or_(field == wanted, and_(func.jsonb_typeof(field) == "array", field.op("@>")(wrapped)))


def _json_path(name: str) -> str:
    return '$."' + name.replace('"', '\\"') + '"'


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
