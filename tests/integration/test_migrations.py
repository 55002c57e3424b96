"""The Alembic migrations build exactly the tables the code declares, and upgrading twice is a no-op."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from engine.persistence.database import make_engine
from engine.persistence.migrate import upgrade
from engine.persistence.tables import Base, built_on


def _differences(connection):
    """What Alembic's autogenerate would change (an index declared for the other database only is not missing)."""
    dialect = connection.dialect.name
    only_here = {"include_object": lambda item, _name, _kind, _reflected, _compare_to: built_on(item, dialect)}
    return compare_metadata(MigrationContext.configure(connection, opts=only_here), Base.metadata)


def test_migrations_match_the_declared_tables(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # already at head: nothing to do, nothing fails
    with engine.connect() as connection:
        diff = _differences(connection)
    engine.dispose()
    assert diff == []


def test_processes_starting_at_once_upgrade_a_fresh_database_without_failing(database_url):
    import threading

    engines = [make_engine(database_url) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(engine):
        barrier.wait()
        try:
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an upgrade is still waiting on another"
    with engines[0].connect() as connection:
        diff = _differences(connection)
    for engine in engines:
        engine.dispose()
    assert errors == [] and diff == []


def test_the_event_log_has_its_time_index_on_postgresql_only(database_url):
    """Migration 0016: SQLite's planner never reads along ix_event_at (no statistics), so SQLite
    writes none of its pages; PostgreSQL's reads the target windows along it. Down and up again."""
    from alembic import command

    from engine.persistence.migrate import alembic_config

    engine = make_engine(database_url)
    upgrade(engine)

    def indexes() -> set[str]:
        with engine.connect() as connection:
            return {i["name"] for i in inspect(connection).get_indexes("event")}

    on_postgresql = engine.dialect.name == "postgresql"
    assert ("ix_event_at" in indexes()) is on_postgresql
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    assert "ix_event_at" in indexes()
    upgrade(engine)
    assert ("ix_event_at" in indexes()) is on_postgresql
    engine.dispose()
