"""The unit-of-work port: repositories a use case works through inside its one transaction.

`SqlUnitOfWork` (engine.persistence.sql) wraps the use case's SQLAlchemy session;
`FakeUnitOfWork` (engine.persistence.fake) keeps everything in memory, for fast unit tests of the
rules that run on them (tests/unit/test_ownership_rules.py). So far the port covers process
ownership and the access log; versions, cases, events and claims still go through the session
(docs/adr/0003-one-service-layer.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from engine.access.access_log import AccessEntry


class OwnerRepository(Protocol):
    """Which organisation owns which process key."""

    def owners(self, keys: Iterable[str]) -> dict[str, str | None]:
        """Each key's owning organisation, None for a key nobody owns."""
        ...

    def deployed(self, keys: Iterable[str]) -> set[str]:
        """The keys that have a version already."""
        ...

    def organisations(self) -> list[str]:
        """Every organisation's name, sorted."""
        ...

    def claim(self, keys: Sequence[str], organisation: str) -> None:
        """Make `organisation` the owner of `keys`. Raises NotFoundError (no such organisation) or
        ConflictError when another transaction claimed one of them first (the unique key decides)."""
        ...


class AccessLogRepository(Protocol):
    """The append-only access log."""

    def add(self, entries: Sequence[AccessEntry]) -> None: ...

    def entries(self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None,
                limit: int = 1000) -> list[AccessEntry]: ...


class UnitOfWork(Protocol):
    """The repositories of one transaction."""

    @property
    def owners(self) -> OwnerRepository: ...

    @property
    def access_log(self) -> AccessLogRepository: ...
