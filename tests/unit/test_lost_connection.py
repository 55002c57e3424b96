"""Which database errors are a lost connection (UnavailableError, HTTP 503 with Retry-After) and
which are a statement's own (a bug: 500): engine.persistence.database's handle_error hook."""

from __future__ import annotations

from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc

from engine.errors import UnavailableError
from engine.persistence.database import _unavailable

POSTGRES = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none").dialect  # connects to nothing
SQLITE = create_engine("sqlite://").dialect


def _context(dialect, original: Exception, *, wrapped: type[sa_exc.DBAPIError] = sa_exc.DatabaseError):
    return SimpleNamespace(
        is_pre_ping=False,
        is_disconnect=False,  # as when SQLAlchemy has no DB-API connection to ask (a pool checkout)
        dialect=dialect,
        original_exception=original,
        sqlalchemy_exception=wrapped("SELECT 1", {}, original),
    )


@pytest.mark.parametrize(
    "original",
    [
        # libpq's own message when the server closes the connection mid-statement: no SQLSTATE
        psycopg.DatabaseError("server closed the connection unexpectedly"),
        psycopg.InterfaceError("the connection is lost"),
    ],
    ids=["no-sqlstate", "interface"],
)
def test_a_link_error_from_postgresql_is_unavailable(original):
    with pytest.raises(UnavailableError) as raised:
        _unavailable(_context(POSTGRES, original))  # type: ignore[arg-type]
    assert raised.value.retry_after > 0
    assert raised.value.__cause__ is original  # the driver's text stays for the log


@pytest.mark.parametrize(
    "original",
    [
        psycopg.ProgrammingError("cannot adapt type 'object'"),
        psycopg.DataError("invalid input syntax"),
        psycopg.errors.UniqueViolation("duplicate key value violates unique constraint"),
    ],
    ids=["programming", "data", "unique"],
)
def test_a_statements_own_error_is_not_unavailable(original):
    assert _unavailable(_context(POSTGRES, original)) is None  # type: ignore[arg-type]


def test_sqlites_database_error_is_not_taken_for_a_lost_link():
    import sqlite3

    assert _unavailable(_context(SQLITE, sqlite3.DatabaseError("file is not a database"))) is None  # type: ignore[arg-type]


def test_pre_ping_is_left_to_sqlalchemy():
    ctx = _context(POSTGRES, psycopg.InterfaceError("the connection is lost"))
    ctx.is_pre_ping = True
    assert _unavailable(ctx) is None  # type: ignore[arg-type]
