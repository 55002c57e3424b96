"""The unit-of-work port: repositories a use case works through inside its one transaction.

`SqlUnitOfWork` (engine.persistence.sql) wraps the use case's SQLAlchemy session and holds the SQL;
`FakeUnitOfWork` (engine.persistence.fake) keeps everything in memory, for fast unit tests of the
use cases that run on them (tests/unit/test_ownership_rules.py, tests/unit/test_claim_rules.py).
The port covers process ownership, the access log (entries, and the reasons a case's timeline
shows), claims (a user task's row, who holds it, claiming and giving back), the access rules'
reads of a case's events, and the roles of the directory. Versions, the case timeline's events
and the cases themselves (CaseStore's load and save) still go through the session
(docs/adr/0003-one-service-layer.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from engine.access.access_log import AccessEntry
from engine.access.policy import Role
from engine.model import CaseNote, Event


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

    def add(self, entries: Sequence[AccessEntry]) -> None:
        """Append `entries` in this unit's transaction (texts cut to the columns' sizes)."""
        ...

    def entries(self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None,
                limit: int = 1000) -> list[AccessEntry]:
        """The latest `limit` entries, of one case and/or one user if given (only refusals with
        `refused=True`, none with False), oldest first."""
        ...

    def notes(self, case_id: int) -> tuple[CaseNote, ...]:
        """The reasons given for cancelling the case or erasing its personal data, oldest first:
        the done (not refused) `cancel` and `erase` entries that carry one."""
        ...


@dataclass(frozen=True)
class UserTaskRow:
    """A user task's stored row and its case's, as the task rules and claims read them.

    `ready`: the task is ready and its case running (a claim or a completion may act on it);
    `row_version` and `last_event_seq` are the case row's as read, for the version-checked write."""

    task_id: str
    case_id: int
    process_key: str
    process_version_id: int
    element_id: str | None
    lane: str | None
    ready: bool
    row_version: int
    last_event_seq: int


class ClaimRepository(Protocol):
    """User tasks as claims see them, who holds them, and the claim events."""

    def user_task(self, task_id: str) -> UserTaskRow | None:
        """The user task's row (ready or not), None when no user task has that id."""
        ...

    def holders(self, task_ids: Sequence[str]) -> dict[str, str]:
        """Who holds each of these tasks now (the last claim event not followed by a release);
        tasks nobody holds are left out."""
        ...

    def record(self, task: UserTaskRow, *, user: str, claim: bool, at: datetime) -> None:
        """Append the claim (or, without `claim`, the release) event of `task` by `user`, taking its
        sequence number under the case row's version check, as a step does. Raises ConflictError
        when the case row changed since `task` was read (nothing written)."""
        ...


class EventRepository(Protocol):
    """A case's event log, oldest first."""

    def of_case(self, case_id: int) -> list[Event]:
        """Every event of the case."""
        ...

    def for_access(self, case_id: int) -> list[Event]:
        """What the access rules read (policy.takes_part): the start event and the first event of
        each lane the case reached, oldest first; not the whole log, which grows with every round
        of a loop."""
        ...


class DirectoryRepository(Protocol):
    """The users of the directory as the rules read them."""

    def role(self, username: str) -> Role | None:
        """The user's role, None for a name that is no user here (e.g. "demo")."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction."""

    @property
    def owners(self) -> OwnerRepository: ...

    @property
    def access_log(self) -> AccessLogRepository: ...

    @property
    def claims(self) -> ClaimRepository: ...

    @property
    def events(self) -> EventRepository: ...

    @property
    def directory(self) -> DirectoryRepository: ...
