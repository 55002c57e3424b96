"""A use case's write transaction begun on a Core connection, with an ORM Session that joins it only
when the use case needs the ORM.

Most steps never touch the ORM: their statements are prebuilt Core statements or run on the DB-API
cursor (engine.persistence.direct), reached through `session.connection()`. A `Session` still cost
a step its transaction bookkeeping (autobegin, connection checkout through the SessionTransaction,
commit and close): measured apart, 57 µs per begin + commit against 30 µs on a Connection
(bench/README.md, issue 14). Here the transaction belongs to the Connection; `StepSession` hands
that connection back directly, and joins it with its ORM transaction (SQLAlchemy's default
`join_transaction_mode`, "conditional_savepoint": it neither commits nor ends the Connection's
transaction, `begin_nested` makes a savepoint) the first time an ORM feature is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


class StepSession(Session):
    """A Session bound to a Connection whose transaction is already begun: `connection()` returns
    that Connection without starting the ORM's own transaction bookkeeping."""

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Connection:
        if bind_arguments is None and execution_options is None:
            bound = self.bind
            assert isinstance(bound, Connection)  # noqa: S101 - write_session binds it so
            return bound
        return super().connection(bind_arguments, execution_options)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: commits when the block ends, rolls back when it raises (nothing of
    it is kept then). The Session's pending ORM changes are flushed before the commit; objects it
    loaded stay readable afterwards, detached (as with `expire_on_commit=False`). Database errors
    propagate as SQLAlchemy raises them (engine.persistence.database turns a lost connection into
    UnavailableError)."""
    with engine.connect() as connection, connection.begin():
        session = StepSession(bind=connection, expire_on_commit=False)
        try:
            yield session
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                session.commit()  # flushes; the Connection's transaction commits as the `with` ends
        finally:
            session.close()
