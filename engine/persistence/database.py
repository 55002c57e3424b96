"""Connecting to the database chosen by KAPULA_DATABASE_URL (SQLite by default): pool and backend settings."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import InvalidDataError, UnavailableError

DEFAULT_DATABASE_URL = "sqlite:///kapula.db"
# Connections each process keeps open (PostgreSQL), and how many more it may open at a peak
POOL_SETTINGS = {
    "KAPULA_DB_POOL_SIZE": ("pool_size", 5),
    "KAPULA_DB_MAX_OVERFLOW": ("max_overflow", 10),
    "KAPULA_DB_POOL_TIMEOUT": ("pool_timeout", 30),
}
RETRY_AFTER_SECONDS = 5


def database_url(explicit: str | None = None) -> str:
    """The URL to use: an explicit one, else KAPULA_DATABASE_URL, else a SQLite file here."""
    return explicit or os.environ.get("KAPULA_DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str, *, pool: dict[str, int] | None = None) -> Engine:
    """An engine with the settings Kapula relies on for each backend; `pool` (engine.settings)
    sizes PostgreSQL's connection pool, else the KAPULA_DB_POOL_* environment does."""
    kwargs: dict[str, Any] = {}
    _check_url(url)
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we install; plain "postgresql://" would ask for psycopg2
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite"):
        # no server to drop a connection, so no ping before each transaction (a statement per step)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # a pooled connection that the server closed (restart, failover, idle kill) is replaced on
        # checkout instead of failing the request that draws it
        kwargs["pool_pre_ping"] = True
        kwargs.update(pool if pool is not None else pool_settings())
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _unavailable)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _check_url(url: str) -> None:
    """Raise InvalidDataError for a URL that names no database Kapula runs on: SQLAlchemy's
    ArgumentError, or the ModuleNotFoundError of another backend's driver, was a traceback."""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise InvalidDataError(
            f"the database URL {_shown(url)!r} is not a URL; {_URL_FORMS}",
            field_errors={"KAPULA_DATABASE_URL": "not a database URL"},
        ) from exc
    if parsed.drivername not in _DRIVERS:  # psycopg 3 and the standard library's sqlite3 are installed
        raise InvalidDataError(
            f"the database URL {_shown(url)!r} names {parsed.drivername}, which Kapula does not run on; {_URL_FORMS}",
            field_errors={"KAPULA_DATABASE_URL": f"{parsed.drivername} is not supported"},
        )
    folder = _sqlite_folder(parsed.database) if parsed.get_backend_name() == "sqlite" else None
    if folder is not None and not os.path.isdir(folder):  # else "not reachable just now; try again", which never helps
        raise InvalidDataError(
            f"the SQLite file {parsed.database!r} is in a folder that does not exist: {folder}",
            field_errors={"KAPULA_DATABASE_URL": "no such folder"},
        )


def _sqlite_folder(database: str | None) -> str | None:
    """The folder of a SQLite file; None for an in-memory database or a file: URI."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.dirname(os.path.abspath(database))


_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


_URL_FORMS = "use sqlite:///FILE or postgresql://USER@HOST:PORT/DATABASE (KAPULA_DATABASE_URL or --database)"


def _shown(url: str) -> str:
    """The URL without its password, for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return url if len(url) <= 80 else url[:80] + "…"


def pool_settings(environ: dict[str, str] | None = None) -> dict[str, int]:
    """The connection pool's size, overflow and checkout timeout from KAPULA_DB_POOL_* settings."""
    env = os.environ if environ is None else environ
    out = {}
    for name, (option, default) in POOL_SETTINGS.items():
        text = env.get(name, "").strip()
        if text and not text.isdigit():
            raise ValueError(f"{name} must be a whole number, not {text!r}")
        out[option] = int(text) if text else default
    return out


def _unavailable(ctx: ExceptionContext) -> None:
    """A lost or refused connection becomes UnavailableError (HTTP 503): the request may be retried.
    Not during pre-ping, where SQLAlchemy itself reconnects."""
    if ctx.is_pre_ping:
        return
    if ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, sa_exc.OperationalError) or _lost_link(ctx):
        # the driver's message names hosts and ports: it stays in the chained cause, for the log
        raise UnavailableError(
            f"the database is not reachable just now; try again in {RETRY_AFTER_SECONDS} seconds", retry_after=RETRY_AFTER_SECONDS
        ) from ctx.original_exception


def _lost_link(ctx: ExceptionContext) -> bool:
    """A PostgreSQL error that is the link's, not the statement's, when SQLAlchemy cannot tell it
    was a disconnect (no DB-API connection at hand, as when a connection is drawn from the pool).

    - an InterfaceError: PEP 249 "related to the database interface rather than the database
      itself"; psycopg raises it for a connection that is closed or lost;
    - a bare DatabaseError without a SQLSTATE: the error libpq makes up itself when the server
      closes the connection mid-statement ("server closed the connection unexpectedly"); psycopg
      gives a result without a SQLSTATE that class (psycopg.errors.error_from_result).
    A statement's own errors (ProgrammingError, DataError, IntegrityError, ...) are not these."""
    if ctx.dialect is None or ctx.dialect.name != "postgresql":
        return False
    dbapi = ctx.dialect.loaded_dbapi
    original = ctx.original_exception
    if isinstance(original, dbapi.InterfaceError):
        return True
    return type(original) is dbapi.DatabaseError and getattr(original, "sqlstate", None) is None


def _use_wal(cursor: Any, attempts: int = 50) -> None:
    """Puts the SQLite file in WAL mode (persistent: once set, every later connection finds it so).

    Switching needs the file to itself for a moment, and SQLite answers "database is locked" at once,
    without waiting out the busy timeout, when another connection opens it at the same instant
    (several processes starting on a fresh file): that is retried, 10 ms apart, for up to 0.5 s."""
    for attempt in range(attempts):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself, so a transaction starts at our first statement
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue instead of one failing with
        # SQLITE_BUSY when it upgrades its read lock; read-only sessions say so and take none
        sql = "BEGIN" if conn.get_execution_options().get("kapula_readonly") else "BEGIN IMMEDIATE"
        # on the DB-API cursor: every transaction begins here, and SQLAlchemy's execution path cost
        # more than the statement; a failure still takes SQLAlchemy's handling (UnavailableError)
        cursor = None
        try:
            cursor = conn.connection.cursor()  # in the try: a closed connection refuses a cursor
            cursor.execute(sql)
        except conn.dialect.loaded_dbapi.Error as exc:
            conn._handle_dbapi_exception(exc, sql, (), cursor, None)  # noqa: SLF001 - raises
        finally:
            if cursor is not None:
                cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
