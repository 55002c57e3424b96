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
