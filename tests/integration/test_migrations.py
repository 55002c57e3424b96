"""The Alembic migrations build exactly the tables the code declares, and upgrading twice is a no-op."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.persistence.database import make_engine
from engine.persistence.migrate import upgrade
from engine.persistence.tables import Base


def test_migrations_match_the_declared_tables(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # already at head: nothing to do, nothing fails
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
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
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    for engine in engines:
        engine.dispose()
    assert errors == [] and diff == []
