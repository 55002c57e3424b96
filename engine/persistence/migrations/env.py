"""Alembic environment: runs against the connection Kapula hands over in config.attributes."""

from __future__ import annotations

from alembic import context

from engine.persistence.tables import Base, built_on

connection = context.config.attributes["connection"]
dialect = connection.dialect.name
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=dialect == "sqlite",
    # autogenerate: an index declared for the other database only is not missing here
    include_object=lambda item, _name, _kind, _reflected, _compare_to: built_on(item, dialect),
)
with context.begin_transaction():
    context.run_migrations()
