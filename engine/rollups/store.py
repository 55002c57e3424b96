"""Installing the rollup triggers and rebuilding the rollups from task_span and case (the
migration's backfill, and after engine.spans.store.rebuild_spans)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Connection, text

from engine.rollups.ddl import REVISIONS, RollupSql

ROLLUP_TABLES = ("rollup_stage", "rollup_handoff", "rollup_case_month", "rollup_bucket", "case_fact")


@cache
def rollup_sql(dialect: str, revision: int = REVISIONS[-1]) -> RollupSql:
    return RollupSql(dialect, revision)


def install_triggers(connection: Connection, *, revision: int = REVISIONS[-1]) -> None:
    """(Re)create the triggers that keep the rollups in every transaction that writes spans or cases;
    `revision`: as that migration made them (engine.rollups.ddl.REVISIONS), the latest by default."""
    sql = rollup_sql(connection.dialect.name, revision)
    for statement in [*sql.drop(), *sql.install()]:
        connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection) -> None:
    for statement in rollup_sql(connection.dialect.name).drop():
        connection.exec_driver_sql(statement)


@contextmanager
def bulk_writes(connection: Connection, *, process_key: str | None = None) -> Iterator[None]:
    """Around a bulk rewrite of spans or cases in one transaction: the triggers are off, and the
    rollups are rebuilt at the end. Row by row they would update the same rollup rows thousands of
    times in one transaction, which PostgreSQL makes quadratic (every update a new row version).
    The DDL is part of the transaction: other writers wait for its end, nobody sees a gap."""
    drop_triggers(connection)
    yield
    install_triggers(connection)
    rebuild_rollups(connection, process_key=process_key)


def rebuild_rollups(connection: Connection, *, process_key: str | None = None) -> None:
    """Recompute the rollups of every process (or of one) from task_span and case, replacing them."""
    sql = rollup_sql(connection.dialect.name)
    one = process_key is not None
    params = {"key": process_key} if one else {}
    for table in ROLLUP_TABLES:
        connection.execute(text(f"DELETE FROM {table}" + (" WHERE process_key = :key" if one else "")), params)
    for rollups, source in (
        ((sql.stage,), "task_span"),
        ((sql.handoff,), "task_span"),
        ((sql.case_started, sql.case_ended), '"case"'),
        (sql.buckets, "task_span"),
        ((sql.lead_bucket,), '"case"'),
    ):
        connection.execute(text(sql.rebuild(rollups, source, one_key=one)), params)
    connection.execute(text(sql.rebuild_facts(one_key=one)), params)
