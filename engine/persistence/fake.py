"""An in-memory unit of work, shipped beside the real one (like httpx's MockTransport): the rules
that run on the port are tested on it without a database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from engine.access.access_log import AccessEntry
from engine.errors import ConflictError, NotFoundError


@dataclass
class FakeOwnerRepository:
    """Owners by key, organisations, and the keys with versions."""

    organisation_names: set[str] = field(default_factory=set)
    owned: dict[str, str] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)

    def owners(self, keys: Iterable[str]) -> dict[str, str | None]:
        return {key: self.owned.get(key) for key in dict.fromkeys(keys)}

    def deployed(self, keys: Iterable[str]) -> set[str]:
        return {key for key in keys if key in self.versions}

    def organisations(self) -> list[str]:
        return sorted(self.organisation_names)

    def claim(self, keys: Sequence[str], organisation: str) -> None:
        if organisation not in self.organisation_names:
            raise NotFoundError("organisation", organisation)
        taken = [key for key in keys if key in self.owned]
        if taken:  # what the primary key of process_owner does to the second of two claims
            raise ConflictError(f"another upload of {', '.join(taken)} was stored at the same moment")
        self.owned.update(dict.fromkeys(keys, organisation))


@dataclass
class FakeAccessLog:
    rows: list[AccessEntry] = field(default_factory=list)

    def add(self, entries: Sequence[AccessEntry]) -> None:
        self.rows.extend(entries)

    def entries(self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None,
                limit: int = 1000) -> list[AccessEntry]:
        found = [e for e in self.rows if (case_id is None or e.case_id == case_id) and (user is None or e.user == user)
                 and (refused is None or (e.refused is not None) == refused)]
        return found[-limit:]


@dataclass
class FakeUnitOfWork:
    owners: FakeOwnerRepository = field(default_factory=FakeOwnerRepository)
    access_log: FakeAccessLog = field(default_factory=FakeAccessLog)
