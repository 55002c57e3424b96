"""An in-memory unit of work, shipped beside the real one (like httpx's MockTransport): the use
cases that run on the port are tested on it without a database (tests/unit)."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from engine.access import policy
from engine.access.access_log import AccessEntry
from engine.access.credentials import TokenInfo
from engine.access.policy import Principal, Role
from engine.errors import ConflictError, NotFoundError
from engine.model import CaseNote, CaseQuery, CaseStatus, Event, Incident, Lifecycle, ProcessVersion, TaskQuery

if TYPE_CHECKING:
    from engine.incidents import Failure
    from engine.persistence.fake_cases import FakeCaseRepository
from engine.persistence.ports import (
    BufferedMessage,
    CaseTexts,
    ListedCase,
    ListedTask,
    NewUser,
    NewVersion,
    StoredCase,
    StoredEventRow,
    StoredTask,
    StoredVersion,
    TaskInCase,
    UserTaskRow,
    VersionSpec,
)
from engine.runtime.states import READY


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

    def entries(
        self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None, limit: int = 1000
    ) -> list[AccessEntry]:
        found = [
            e
            for e in self.rows
            if (case_id is None or e.case_id == case_id)
            and (user is None or e.user == user)
            and (refused is None or (e.refused is not None) == refused)
        ]
        return found[-limit:]

    def notes(self, case_id: int) -> tuple[CaseNote, ...]:
        return tuple(
            CaseNote(e.at, e.user, e.action, e.reason)
            for e in self.rows
            if e.case_id == case_id and e.action in ("cancel", "erase") and e.refused is None and e.reason
        )

    def erase_reasons(self, case_id: int, marker: str) -> int:
        changed = 0
        for i, e in enumerate(self.rows):
            if e.case_id == case_id and e.reason and e.reason != marker:
                self.rows[i] = dataclasses.replace(e, reason=marker)
                changed += 1
        return changed


@dataclass
class FakeEventRepository:
    """Every case's events in one list, in the order they were appended."""

    rows: list[Event] = field(default_factory=list)

    def of_case(self, case_id: int) -> list[Event]:
        return sorted((e for e in self.rows if e.case_id == case_id), key=lambda e: e.seq)

    def for_access(self, case_id: int) -> list[Event]:
        lanes: set[str] = set()
        found = []
        for e in self.of_case(case_id):
            first_of_lane = e.lane is not None and e.lane not in lanes
            if first_of_lane or e.lifecycle is Lifecycle.CASE_STARTED:
                found.append(e)
            if e.lane is not None:
                lanes.add(e.lane)
        return found


@dataclass
class FakeClaimRepository:
    """User tasks by id; their claim events go into `events` (the unit's event log). With `cases`
    (the unit's case repository), a claim on one of its cases bumps that case's row, which keeps
    `tasks` of its cases."""

    events: FakeEventRepository = field(default_factory=FakeEventRepository)
    tasks: dict[str, UserTaskRow] = field(default_factory=dict)
    cases: FakeCaseRepository | None = None

    def user_task(self, task_id: str) -> UserTaskRow | None:
        return self.tasks.get(task_id)

    def holders(self, task_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(task_ids)
        holders: dict[str, str] = {}
        for e in sorted(self.events.rows, key=lambda e: (e.case_id, e.seq)):
            if e.task_id not in wanted:
                continue
            if e.lifecycle is Lifecycle.TASK_CLAIMED and e.user is not None:
                holders[e.task_id] = e.user
            elif e.lifecycle is Lifecycle.TASK_UNCLAIMED:
                holders.pop(e.task_id, None)
        return holders

    def record(self, task: UserTaskRow, *, user: str, claim: bool, at: datetime) -> None:
        seq = task.last_event_seq + 1
        stepped = self.cases is not None and task.case_id in self.cases.rows
        if self.cases is not None and stepped:
            self.cases.bump(task.case_id, task.row_version, seq)  # the case row's version check and write
        else:
            current = self.tasks.get(task.task_id)
            if current is None or current.row_version != task.row_version:  # the case row's version check
                raise ConflictError(
                    f"case {task.case_id} was changed by someone else; nothing was saved, reload and try again",
                    case_id=task.case_id,
                )
        # the element's name and type as the task's ready event gave them (SQL reads that event too)
        readied = next((e for e in self.events.rows if e.task_id == task.task_id and e.lifecycle is Lifecycle.TASK_READY), None)
        self.events.rows.append(
            Event(
                task.case_id,
                seq,
                at,
                Lifecycle.TASK_CLAIMED if claim else Lifecycle.TASK_UNCLAIMED,
                element_id=task.element_id,
                element_name=readied.element_name if readied else None,
                element_type=readied.element_type if readied else None,
                lane=task.lane,
                user=user,
                task_id=task.task_id,
            )
        )
        if stepped:
            return
        # every task of the case sees the case row's new version and sequence number
        for task_id, row in self.tasks.items():
            if row.case_id == task.case_id:
                self.tasks[task_id] = dataclasses.replace(row, row_version=row.row_version + 1, last_event_seq=seq)


@dataclass
class FakeDirectoryRepository:
    """Users by name (with their organisation), organisations with their lane mappings, and the
    owners of process keys (the unit's FakeOwnerRepository)."""

    users: dict[str, NewUser] = field(default_factory=dict)
    languages: dict[str, str | None] = field(default_factory=dict)
    disabled_at: dict[str, datetime] = field(default_factory=dict)
    lanes: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    owners: FakeOwnerRepository = field(default_factory=FakeOwnerRepository)
    roles: dict[str, Role] = field(default_factory=dict)  # users known only by their role

    def role(self, username: str) -> Role | None:
        user = self.users.get(username)
        return user.role if user is not None else self.roles.get(username)

    def principal(self, username: str) -> Principal | None:
        user = self.users.get(username)
        if user is None:
            return None
        org = user.organisation
        return Principal(
            user.username,
            user.display_name,
            user.role,
            org,
            tuple(self.lanes.get(org, [])) if org else (),
            frozenset(k for k, o in self.owners.owned.items() if o == org) if org else frozenset(),
            self.languages.get(username),
        )

    def usernames(self) -> list[str]:
        return sorted(self.users)

    def disabled(self) -> dict[str, datetime]:
        return dict(self.disabled_at)

    def organisations(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        return [(name, list(self.lanes.get(name, []))) for name in sorted(self.owners.organisation_names)]

    def add_organisation(self, name: str, lanes: Sequence[tuple[str | None, str]], *, at: datetime) -> None:
        if name in self.owners.organisation_names:
            raise ConflictError(f"organisation {name!r} exists already")
        self.owners.organisation_names.add(name)
        self.lanes[name] = list(lanes)

    def map_lane(self, organisation: str, lane: str, *, process_key: str | None) -> None:
        if organisation not in self.owners.organisation_names:
            raise NotFoundError("organisation", organisation)
        self.lanes.setdefault(organisation, []).append((process_key, lane))

    def add_user(self, user: NewUser) -> None:
        if user.organisation and user.organisation not in self.owners.organisation_names:
            raise NotFoundError("organisation", user.organisation)
        if user.username in self.users:
            raise ConflictError(f"user {user.username!r} exists already")
        self.users[user.username] = user

    def set_language(self, username: str, language: str | None) -> None:
        if username not in self.users:
            raise NotFoundError("user", username)
        self.languages[username] = language

    def owner_of(self, process_key: str) -> str | None:
        return self.owners.owned.get(process_key)

    def sign_in(self, username: str) -> tuple[str | None, bool] | None:
        user = self.users.get(username)
        return (user.password_hash, username in self.disabled_at) if user is not None else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.user(username)
        self.users[username] = dataclasses.replace(self.users[username], password_hash=password_hash)

    def set_disabled(self, username: str, at: datetime | None) -> None:
        self.user(username)
        if at is None:
            self.disabled_at.pop(username, None)
        else:
            self.disabled_at[username] = at

    def user(self, username: str) -> NewUser:
        """The user as added. Raises NotFoundError."""
        user = self.users.get(username)
        if user is None:
            raise NotFoundError("user", username)
        return user


@dataclass
class FakeCredentialRepository:
    """Sessions (hash → user, expiry) and tokens in the order they were issued (ids count from 1),
    over the unit's directory (who is a user, who is disabled)."""

    directory: FakeDirectoryRepository = field(default_factory=FakeDirectoryRepository)
    sessions: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    issued: list[tuple[str, TokenInfo]] = field(default_factory=list)  # (token hash, entry)

    def open_session(self, username: str, id_hash: str, *, now: datetime, expires_at: datetime) -> None:
        self.directory.user(username)
        self.sessions = {h: s for h, s in self.sessions.items() if s[0] != username or s[1] > now}
        self.sessions[id_hash] = (username, expires_at)

    def session_holder(self, id_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        username, expires_at = self.sessions.get(id_hash, ("", now))
        return self._holder(username, expires_at, now)

    def end_session(self, id_hash: str) -> None:
        self.sessions.pop(id_hash, None)

    def end_sessions_of(self, username: str) -> None:
        self.sessions = {h: s for h, s in self.sessions.items() if s[0] != username}

    def add_token(self, username: str, token_hash: str, *, name: str, now: datetime, expires_at: datetime) -> TokenInfo:
        self.directory.user(username)
        info = TokenInfo(len(self.issued) + 1, username, name, now, expires_at, None)
        self.issued.append((token_hash, info))
        return info

    def token_holder(self, token_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        info = next((i for h, i in self.issued if h == token_hash and i.revoked_at is None), None)
        return self._holder(info.username, info.expires_at, now) if info is not None else None

    def tokens(self, username: str | None) -> list[TokenInfo]:
        if username is not None:
            self.directory.user(username)
        return [i for _, i in self.issued if username is None or i.username == username]

    def token(self, token_id: int) -> TokenInfo | None:
        return next((i for _, i in self.issued if i.id == token_id), None)

    def set_revoked(self, token_id: int, at: datetime) -> None:
        self.issued = [(h, dataclasses.replace(i, revoked_at=at) if i.id == token_id else i) for h, i in self.issued]

    def _holder(self, username: str, expires_at: datetime, now: datetime) -> tuple[Principal, datetime] | None:
        principal = self.directory.principal(username)
        if principal is None or expires_at <= now or username in self.directory.disabled_at:
            return None
        return principal, expires_at


@dataclass
class FakeSettingRepository:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def add(self, name: str, value: str) -> None:
        if name in self.values:  # the primary key of setting
            raise ConflictError(f"setting {name!r} was stored by another process at the same moment")
        self.values[name] = value


@dataclass
class FakeVersionRepository:
    """Stored versions in the order they were added (their ids count from 1); `keys` is the set of
    deployed keys the owners' repository reads (FakeOwnerRepository.versions)."""

    stored: list[tuple[StoredVersion, NewVersion]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    def _of(self, key: str) -> list[tuple[StoredVersion, NewVersion]]:
        return sorted((v for v in self.stored if v[0].process.key == key), key=lambda v: v[0].process.version)

    def find(self, key: str, version: int | None = None) -> StoredVersion | None:
        found = [s for s, _ in self._of(key) if version is None or s.process.version == version]
        return found[-1] if found else None

    def of_key(self, key: str) -> list[ProcessVersion]:
        return [s.process for s, _ in self._of(key)]

    def spec(self, version_id: int) -> VersionSpec | None:
        found = next(((s, new) for s, new in self.stored if s.id == version_id), None)
        if found is None:
            return None
        stored, new = found
        return VersionSpec(
            stored.id,
            new.key,
            new.version,
            new.name,
            new.dialect,
            new.spec_json,
            tuple(new.actors),
            json.loads(json.dumps(new.elements)),
            dict(new.source),
            tuple(new.issues),
        )

    def latest_of_each(self) -> list[ProcessVersion]:
        return [self._of(key)[-1][0].process for key in sorted({s.process.key for s, _ in self.stored})]

    def source(self, key: str, version: int) -> dict[str, str] | None:
        return next((dict(new.source) for s, new in self._of(key) if s.process.version == version), None)

    def latest_source(self, key: str) -> tuple[int, str] | None:
        found = self._of(key)
        return (found[-1][0].process.version, json.dumps(found[-1][1].source)) if found else None

    def add(self, new: NewVersion) -> ProcessVersion:
        if self.find(new.key, new.version) is not None:  # the unique key (key, version)
            raise ConflictError(f"another upload of {new.key} was stored at the same moment; nothing of this upload was stored")
        process = ProcessVersion(
            new.key,
            new.version,
            new.name,
            new.content_hash,
            new.actors,
            new.created_at,
            new.filename,
            new.issues,
            new.customer_can_start,
        )
        self.stored.append((StoredVersion(len(self.stored) + 1, process), new))
        self.keys.add(new.key)
        return process


@dataclass
class FakeErasureRepository:
    """Cases' own texts and their version's files by case id; `row_versions` counts each case's
    writes. The texts of the messages a case sent that are still kept are the unit's `buffer`'s
    rows (from_case_id), read and rewritten there as SqlErasureRepository does message_buffer's."""

    cases: dict[int, tuple[dict[str, str], CaseTexts]] = field(default_factory=dict)
    row_versions: dict[int, int] = field(default_factory=dict)
    buffer: FakeMessageBuffer = field(default_factory=lambda: FakeMessageBuffer())

    def read(self, case_id: int) -> tuple[dict[str, str], CaseTexts] | None:
        found = self.cases.get(case_id)
        if found is None:
            return None
        source, texts = found
        kept = sorted((m for m in self.buffer.rows if m.from_case_id == case_id), key=lambda m: m.id)
        return dict(source), dataclasses.replace(
            texts,
            tasks=dict(texts.tasks),
            events=dict(texts.events),
            correlations=dict(texts.correlations),
            # as message_buffer holds them (FakeMessageBuffer.add's JSON, SqlMessageBuffer.add's)
            kept_payloads={m.id: json.dumps(m.payload, default=str) for m in kept},
            kept_correlations={m.id: json.dumps(m.correlations, sort_keys=True, default=str) for m in kept},
        )

    def write(self, case_id: int, changed: CaseTexts) -> None:
        if case_id not in self.cases:  # as an UPDATE of no row
            return
        source, texts = self.cases[case_id]
        self.cases[case_id] = (
            source,
            CaseTexts(
                changed.data if changed.data is not None else texts.data,
                changed.header if changed.header is not None else texts.header,
                tasks={k: changed.tasks.get(k, v) for k, v in texts.tasks.items()},
                events={k: changed.events.get(k, v) for k, v in texts.events.items()},
                correlations={k: changed.correlations.get(k, v) for k, v in texts.correlations.items()},
            ),
        )
        self.row_versions[case_id] = self.row_versions.get(case_id, 1) + 1
        # only the case's own kept messages, as the SQL UPDATE's from_case_id condition
        self.buffer.rows = [
            dataclasses.replace(
                m,
                payload=json.loads(changed.kept_payloads[m.id]) if m.id in changed.kept_payloads else m.payload,
                correlations=json.loads(changed.kept_correlations[m.id]) if m.id in changed.kept_correlations else m.correlations,
            )
            if m.from_case_id == case_id
            else m
            for m in self.buffer.rows
        ]


@dataclass
class FakeConsistencyReads:
    """Case rows (status, event count) and user-task states by case id; the events are the unit's
    event log (FakeEventRepository)."""

    events: FakeEventRepository = field(default_factory=FakeEventRepository)
    cases: dict[int, tuple[str, int]] = field(default_factory=dict)
    task_states: dict[int, dict[str, int]] = field(default_factory=dict)

    def case_ids(self) -> list[int]:
        return sorted(self.cases)

    def case_rows(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        return {i: self.cases[i] for i in ids if i in self.cases}

    def event_rows(self, ids: Sequence[int]) -> list[StoredEventRow]:
        wanted = set(ids)
        return [
            StoredEventRow(e.case_id, e.seq, e.lifecycle.value, e.task_id, e.element_type)
            for e in sorted(self.events.rows, key=lambda e: (e.case_id, e.seq))
            if e.case_id in wanted
        ]

    def user_task_states(self, ids: Sequence[int]) -> dict[int, dict[str, int]]:
        return {i: dict(self.task_states[i]) for i in ids if self.task_states.get(i)}


@dataclass
class FakeCaseReads:
    """Case rows by id; task rows by task id in the order they were added, each with whether it is
    a user task."""

    cases: dict[int, StoredCase] = field(default_factory=dict)
    tasks: dict[str, tuple[StoredTask, bool]] = field(default_factory=dict)

    def row(self, case_id: int) -> StoredCase | None:
        return self.cases.get(case_id)

    def ids_of(self, process_key: str) -> list[int]:
        return sorted(c.id for c in self.cases.values() if c.process_key == process_key)

    def on_version(self, process_version_id: int, *, statuses: Sequence[str], among: Iterable[int] | None = None) -> list[int]:
        wanted = set(among) if among is not None else None
        return sorted(
            c.id
            for c in self.cases.values()
            if c.process_version_id == process_version_id and c.status in statuses and (wanted is None or c.id in wanted)
        )

    def timers_due(self, now: datetime, *, limit: int) -> list[int]:
        due = [
            c
            for c in self.cases.values()
            if c.status == CaseStatus.RUNNING.value and c.next_timer_due is not None and c.next_timer_due <= now
        ]
        return [c.id for c in sorted(due, key=lambda c: (c.next_timer_due or now, c.id))][:limit]

    def user_tasks(self, case_id: int, state: int) -> list[StoredTask]:
        return [t for t, user in self.tasks.values() if user and t.case_id == case_id and t.state == state]

    def task(self, task_id: str) -> StoredTask | None:
        found = self.tasks.get(task_id)
        return found[0] if found is not None else None

    def case_of_task(self, task_id: str) -> int | None:
        found = self.tasks.get(task_id)
        return found[0].case_id if found is not None else None

    def user_task_in(self, task_id: str) -> TaskInCase | None:
        found = self.tasks.get(task_id)
        if found is None or not found[1] or found[0].case_id not in self.cases:
            return None
        task, case = found[0], self.cases[found[0].case_id]
        return TaskInCase(task, case.process_version_id, case.header_json if task.workflow_id else None)


@dataclass
class FakeIncidentRepository:
    """Incidents in the order they were opened (ids count from 1), over the unit's case rows (the
    row-version check and the failed status are theirs): the fake case repository's when the unit
    wires it (`cases`), so a step on the failed case sees it failed; else the read model's."""

    case_reads: FakeCaseReads = field(default_factory=FakeCaseReads)
    rows: list[Incident] = field(default_factory=list)
    cases: FakeCaseRepository | None = None

    def open_of(self, case_id: int) -> Incident | None:
        return next((i for i in reversed(self.rows) if i.case_id == case_id and i.resolved_at is None), None)

    def of_case(self, case_id: int) -> list[Incident]:
        return [i for i in self.rows if i.case_id == case_id]

    def record_failure(self, case_id: int, process_key: str, read_version: int, failure: Failure, *, now: datetime) -> bool:
        if self.cases is not None and case_id in self.cases.rows:
            if not self.cases.mark_failed(case_id, read_version):
                return False
        else:
            case = self.case_reads.cases.get(case_id)
            if case is None or case.row_version != read_version:
                return False
            self.case_reads.cases[case_id] = dataclasses.replace(
                case, status=CaseStatus.FAILED.value, row_version=read_version + 1
            )
        current = self.open_of(case_id)
        opened = Incident(
            len(self.rows) + 1,
            case_id,
            process_key,
            now,
            failure.trigger,
            failure.element_id,
            failure.element_name,
            failure.message,
        )
        if current is None:
            self.rows.append(opened)
        else:  # a retry that failed again keeps its one incident, with the new failure's words
            self.rows = [
                dataclasses.replace(opened, id=i.id, process_key=i.process_key, opened_at=i.opened_at) if i is current else i
                for i in self.rows
            ]
        return True

    def resolve(self, case_id: int, *, now: datetime, by: str) -> None:
        self.rows = [
            dataclasses.replace(i, resolved_at=now, resolved_by=by[:255]) if i.case_id == case_id and i.resolved_at is None else i
            for i in self.rows
        ]


@dataclass
class FakeMessageReads:
    """Cases as messages find them: id → (process key, status, stored waits, conversation), and
    their correlation values by (case id, key) as canonical JSON."""

    cases: dict[int, tuple[str, str, str | None, str | None]] = field(default_factory=dict)
    correlations: dict[tuple[int, str], str] = field(default_factory=dict)

    def _waits(self, case_id: int, name: str) -> bool:
        _key, status, waits, _conversation = self.cases[case_id]
        return status == CaseStatus.RUNNING.value and f'"message": {json.dumps(name)}' in (waits or "")

    def correlated(self, name: str, keys: Sequence[str]) -> list[tuple[int, str, str, str | None]]:
        return [
            (case_id, key, value, self.cases[case_id][2])
            for (case_id, key), value in sorted(self.correlations.items())
            if key in keys and case_id in self.cases and self._waits(case_id, name)
        ]

    def waiting(self, key: str, name: str, *, values: dict[str, str], conversation: str | None) -> dict[int, str | None]:
        found: dict[int, str | None] = {}
        for case_id in sorted(self.cases):
            if self.cases[case_id][0] != key or not self._waits(case_id, name):
                continue
            held = {k: v for (i, k), v in self.correlations.items() if i == case_id and k in values}
            matches = any(values[k] == v for k, v in held.items())
            in_conversation = conversation is not None and self.cases[case_id][3] == conversation and (not values or not held)
            if matches or in_conversation:
                found[case_id] = self.cases[case_id][2]
        return found


@dataclass
class FakeMessageBuffer:
    """The kept messages in memory, their payloads and correlation values round-tripped through
    JSON as the table stores them."""

    rows: list[BufferedMessage] = field(default_factory=list)
    last_id: int = 0

    def add(self, message: BufferedMessage) -> int:
        self.last_id += 1
        stored = dataclasses.replace(
            message,
            id=self.last_id,
            correlations=json.loads(json.dumps(message.correlations, sort_keys=True, default=str)),
            payload=json.loads(json.dumps(message.payload, default=str)),
        )
        self.rows.append(stored)
        return self.last_id

    def pending(self, key: str, name: str, *, now: datetime, not_from: int | None = None) -> list[BufferedMessage]:
        found = (m for m in self.rows if m.process_key == key and m.name == name and m.expires_at > now)
        return sorted((m for m in found if m.from_case_id != not_from), key=lambda m: m.id)

    def unexpired(self, *, now: datetime, after: int, limit: int) -> list[BufferedMessage]:
        return [m for m in self.rows if m.id > after and m.expires_at > now][:limit]

    def take(self, message_id: int) -> bool:
        before = len(self.rows)
        self.rows = [m for m in self.rows if m.id != message_id]
        return len(self.rows) < before

    def purge_expired(self, *, now: datetime, limit: int) -> int:
        expired = sorted((m.expires_at, m.id) for m in self.rows if m.expires_at <= now)  # the SQL one's order
        gone = {ident for _at, ident in expired[:limit]}
        self.rows = [m for m in self.rows if m.id not in gone]
        return len(gone)


@dataclass
class FakeListingReads:
    """The lists over the unit's case and task rows, events, claims, directory and versions, with
    the pure rules of engine.access.policy where the SQL has their conditions. `waiting_since` (by
    case id) and `ready_at` (by task id) stand for the task spans the SQL reads; a task's place
    among its case's tasks is its place in FakeCaseReads.tasks. The text search looks for the text
    in the case's data as JSON, its process's name and its number, ignoring case."""

    case_reads: FakeCaseReads
    events: FakeEventRepository
    claims: FakeClaimRepository
    directory: FakeDirectoryRepository
    versions: FakeVersionRepository
    waiting_since: dict[int, datetime] = field(default_factory=dict)
    ready_at: dict[str, datetime] = field(default_factory=dict)

    def case_page(self, query: CaseQuery, principal: Principal) -> tuple[int, int, list[ListedCase]]:
        found = [
            c
            for c in self.case_reads.cases.values()
            if self._takes_part(principal, c)
            and (query.process_key is None or c.process_key == query.process_key)
            and (query.status is None or c.status == query.status.value)
            and (not query.lane or any(t.lane == query.lane for t in self._ready([c.id])))
            and (not (query.text and query.text.strip()) or self._text_matches(c, query.text))
        ]
        listed = [ListedCase(c, self._name(c), self.waiting_since.get(c.id)) for c in found]
        order: dict[str, Callable[[ListedCase], Any]] = {
            "waiting": lambda i: (*_last(i.waiting_since), i.case.id),
            "due": lambda i: (*_last(i.case.next_timer_due), i.case.id),
            "newest": lambda i: (-i.case.started_at.timestamp(), -i.case.id),
            "oldest": lambda i: (i.case.started_at, i.case.id),
            "process": lambda i: (i.process_name, i.case.id),
        }
        return _page(sorted(listed, key=order[query.sort]), query.page, query.page_size)

    def task_page(self, query: TaskQuery, principal: Principal) -> tuple[int, int, list[ListedTask]]:
        running = [c.id for c in self.case_reads.cases.values() if c.status == CaseStatus.RUNNING.value]
        holders = self.claims.holders([t.task_id for t in self._ready(running)])
        listed = []
        for task in self._ready(running):
            case = self.case_reads.cases[task.case_id]
            holder = holders.get(task.task_id)
            claimed = {
                "free": holder is None,
                "mine": holder == principal.username,
                "others": holder is not None and holder != principal.username,
            }
            if (
                self._sees(principal, task, case)
                and (query.process_key is None or case.process_key == query.process_key)
                and (not query.lane or task.lane == query.lane)
                and (query.claimed is None or claimed[query.claimed])
                and (not (query.text and query.text.strip()) or self._text_matches(case, query.text))
            ):
                listed.append(ListedTask(task, case, self._name(case), self.ready_at.get(task.task_id)))
        place = {task_id: n for n, task_id in enumerate(self.case_reads.tasks)}
        order: dict[str, Callable[[ListedTask], Any]] = {
            "waiting": lambda i: (*_last(i.ready_at), i.task.case_id, place[i.task.task_id]),
            "due": lambda i: (*_last(i.case.next_timer_due), *_last(i.ready_at), i.task.case_id, place[i.task.task_id]),
            "newest": lambda i: (-(i.ready_at.timestamp() if i.ready_at else 0), -i.task.case_id, place[i.task.task_id]),
            "process": lambda i: (i.process_name, i.task.case_id, place[i.task.task_id]),
        }
        return _page(sorted(listed, key=order[query.sort]), query.page, query.page_size)

    def case_ids(self, *, process_key: str | None, status: CaseStatus | None, principal: Principal | None) -> list[int]:
        return sorted(
            (
                c.id
                for c in self.case_reads.cases.values()
                if (process_key is None or c.process_key == process_key)
                and (status is None or c.status == status.value)
                and (principal is None or self._takes_part(principal, c))
            ),
            reverse=True,
        )

    def ready_tasks(
        self, *, lane: str | None, case_id: int | None, process_key: str | None, principal: Principal | None
    ) -> list[TaskInCase]:
        running = [c.id for c in self.case_reads.cases.values() if c.status == CaseStatus.RUNNING.value]
        found = []
        for task in self._ready(running):
            case = self.case_reads.cases[task.case_id]
            if (
                (lane is None or task.lane == lane)
                and (case_id is None or task.case_id == case_id)
                and (process_key is None or case.process_key == process_key)
                and (principal is None or self._sees(principal, task, case))
            ):
                found.append(TaskInCase(task, case.process_version_id, case.header_json if task.workflow_id else None))
        return found

    def ready_of_cases(self, case_ids: Sequence[int]) -> list[StoredTask]:
        return self._ready(case_ids)

    def customer_starters(self, case_ids: Sequence[int]) -> dict[int, str]:
        found = {}
        for case_id in case_ids:
            starter = _starter(self.events.of_case(case_id))
            user = self.directory.users.get(starter or "")
            if user is not None and user.role is Role.CUSTOMER:
                found[case_id] = user.display_name
        return found

    def _ready(self, case_ids: Iterable[int]) -> list[StoredTask]:
        """The ready user tasks of these cases, by case, then in their place among the case's tasks."""
        wanted = set(case_ids)
        tasks = [t for t, user in self.case_reads.tasks.values() if user and t.state == READY and t.case_id in wanted]
        return sorted(tasks, key=lambda t: t.case_id)  # stable: each case's tasks keep their place

    def _name(self, case: StoredCase) -> str:
        return next((s.process.name for s, _ in self.versions.stored if s.id == case.process_version_id), "")

    def _takes_part(self, principal: Principal, case: StoredCase) -> bool:
        return policy.takes_part(principal, case.process_key, self.events.for_access(case.id))

    def _sees(self, principal: Principal, task: StoredTask, case: StoredCase) -> bool:
        events = self.events.for_access(case.id)
        by_customer = self.directory.role(_starter(events) or "") is Role.CUSTOMER
        return policy.sees_task(
            principal, policy.TaskFacts(task.task_id, case.id, case.process_key, task.lane, events, by_customer)
        )

    def _text_matches(self, case: StoredCase, text: str) -> bool:
        typed = text.strip().lower()
        number = typed.removeprefix("#")
        data = json.dumps(json.loads(case.data_json or "{}"), ensure_ascii=False).lower()
        return (
            typed in data
            or typed in self._name(case).lower()
            or (number.isdigit() and len(number) <= 10 and str(case.id) == number)
        )


def _starter(events: Sequence[Event]) -> str | None:
    return next((e.user for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)


def _last(value: Any) -> tuple[bool, Any]:
    """A sort key putting None last (what the SQL's portable NULLS LAST does)."""
    return (value is None, value if value is not None else 0)


_Row = TypeVar("_Row")


def _page(rows: list[_Row], page: int, size: int) -> tuple[int, int, list[_Row]]:
    total = len(rows)
    page = min(page, max(1, -(-total // size)))
    return total, page, rows[(page - 1) * size : page * size]


@dataclass
class FakeUnitOfWork:
    """All the repositories in memory, one shared state; also its own unit-of-work factory
    (ports.UnitOfWorkFactory): `with fake() as uow` gives the fake itself, and when the block
    raises, every repository is put back as it was when the block began (a deep copy taken then:
    the rollback of a refused or failed use case). The restored versions' cache and the script
    engine are shared, not copied."""

    owners: FakeOwnerRepository = field(default_factory=FakeOwnerRepository)
    access_log: FakeAccessLog = field(default_factory=FakeAccessLog)
    events: FakeEventRepository = field(default_factory=FakeEventRepository)
    claims: FakeClaimRepository = field(init=False)
    directory: FakeDirectoryRepository = field(init=False)
    versions: FakeVersionRepository = field(init=False)
    credentials: FakeCredentialRepository = field(init=False)
    settings: FakeSettingRepository = field(default_factory=FakeSettingRepository)
    erasure: FakeErasureRepository = field(init=False)
    consistency: FakeConsistencyReads = field(init=False)
    case_reads: FakeCaseReads = field(default_factory=FakeCaseReads)
    incidents: FakeIncidentRepository = field(init=False)
    messages: FakeMessageReads = field(default_factory=FakeMessageReads)
    buffer: FakeMessageBuffer = field(default_factory=FakeMessageBuffer)
    listing: FakeListingReads = field(init=False)
    cases: FakeCaseRepository = field(init=False)
    script_engine: Any = None  # the cases' (engine.runtime's SafeScriptEngine when None)

    def __post_init__(self) -> None:
        from engine.persistence.fake_cases import FakeCaseRepository  # the case store's machinery, SpiffWorkflow

        self.claims = FakeClaimRepository(events=self.events)
        self.directory = FakeDirectoryRepository(owners=self.owners)
        self.credentials = FakeCredentialRepository(directory=self.directory)
        self.consistency = FakeConsistencyReads(events=self.events)
        self.erasure = FakeErasureRepository(buffer=self.buffer)
        self.incidents = FakeIncidentRepository(case_reads=self.case_reads)
        self.versions = FakeVersionRepository(keys=self.owners.versions)
        self.listing = FakeListingReads(self.case_reads, self.events, self.claims, self.directory, self.versions)
        self.cases = FakeCaseRepository(
            self.versions,
            self.case_reads,
            self.claims,
            self.events,
            self.consistency,
            self.messages,
            script_engine=self.script_engine,
        )
        self.claims.cases = self.cases
        self.incidents.cases = self.cases

    @contextmanager
    def __call__(self, *, read: bool = False) -> Iterator[FakeUnitOfWork]:
        """One use case's unit: this fake, restored to its state at the start when the block
        raises (the exception propagates). `read` changes nothing here."""
        shared = (self.cases.version_cache, self.cases.script_engine, self.script_engine)
        before = copy.deepcopy(self.__dict__, {id(x): x for x in shared if x is not None})
        try:
            yield self
        except BaseException:
            self.__dict__.update(before)
            raise
