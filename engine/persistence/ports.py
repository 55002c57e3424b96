"""The unit-of-work port: repositories a use case works through inside its one transaction.

`SqlUnitOfWork` (engine.persistence.sql) wraps the use case's SQLAlchemy session and holds the SQL
(sql.py and sql_*.py); `FakeUnitOfWork` (engine.persistence.fake) keeps everything in memory, for
fast unit tests of the rules that run on it (tests/unit/test_ownership_rules.py, test_claim_rules.py,
test_deploy_rules.py, test_case_steps_on_fake.py, test_credential_rules.py, test_erasure_rules.py, test_migration_rules.py);
tests/integration/test_unit_of_work_contract.py holds the two to the same answers on SQLite and
PostgreSQL, on real cases made through the engine.

The port covers: process ownership; the access log (entries, the reasons a timeline shows, an
erasure's blanking of those reasons); claims
(a user task's row, who holds it, claiming and giving back); a case's events; the directory (users,
organisations, lane mappings, roles, principals, sign-in's hash, passwords, disabling); sign-in
sessions and API tokens by their secret's hash (CredentialRepository) and generated settings;
the deployed versions (by key and number, the latest of each key, their files, storing one, what
restoring one reads); erasure's read and rewrite of a case's texts; incidents; and read models
(cosmicpython's "views"): CaseReads (a case's and a task's rows, a user task's with what its view
needs, the cases of a key or version, the due timers), ListingReads (the case lists and inboxes: the access rules as SQL conditions in
sql_listing.py, as the pure rules in the fake; tests/integration/test_listing_contract.py),
MessageReads (the cases a message may be for), ConsistencyReads; MessageBuffer (messages kept
for a case that does not wait for them yet). The cases' steps
(CaseRepository: create, load, save, save_migrated) are on it too, their SQL implementation being
engine.case_store.CaseStore over the unit's session; their fake (engine.persistence.fake_cases)
writes what the same pure computation gives (case_store.step_write: a step's case row, task rows
and events) into memory and into the unit's other fakes, so a case started, claimed and stepped on
FakeUnitOfWork is read back by its claims, events and read models. The services open each use
case's unit through a UnitOfWorkFactory (below): the SQL one opens a session per use case;
FakeUnitOfWork is its own factory and, when the use case raises, puts every repository back as it
was when the use case began (a deep copy), so start_case, claim_task, complete_task (with message
routing between pools, which reads through MessageReads and CaseReads) and cancel_case run whole on
it (tests/unit/test_case_steps_on_fake.py). engine.services, engine.access and engine/*.py build
no SQL statement but engine/case_store.py's (docs/adr/0003-one-service-layer.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from engine.access.access_log import AccessEntry
from engine.access.credentials import TokenInfo
from engine.access.policy import Principal, Role
from engine.model import (
    CaseNote,
    CaseQuery,
    CaseStatus,
    Event,
    Incident,
    Lifecycle,
    ProcessVersion,
    TaskQuery,
    ValidationIssue,
)

if TYPE_CHECKING:  # the case store's types carry the live workflow (engine.runtime); no import at run time
    from engine.case_store import SavedStep, StepContext
    from engine.definitions import DeployedVersion
    from engine.incidents import Failure


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
    """The append-only access log; only an erasure rewrites it, and only the reasons (erase_reasons)."""

    def add(self, entries: Sequence[AccessEntry]) -> None:
        """Append `entries` in this unit's transaction (texts cut to the columns' sizes)."""
        ...

    def entries(
        self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None, limit: int = 1000
    ) -> list[AccessEntry]:
        """The latest `limit` entries, of one case and/or one user if given (only refusals with
        `refused=True`, none with False), oldest first."""
        ...

    def notes(self, case_id: int) -> tuple[CaseNote, ...]:
        """The reasons given for cancelling the case or erasing its personal data, oldest first:
        the done (not refused) `cancel` and `erase` entries that carry one."""
        ...

    def erase_reasons(self, case_id: int, marker: str) -> int:
        """Replace the reason of every entry of the case that carries one other than `marker` with
        `marker`, in this unit's transaction (engine.erasure: a reason is free text that may name
        the customer); who, when, what and `refused` stay. The number of entries changed."""
        ...


@dataclass(frozen=True)
class UserTaskRow:
    """A user task's stored row and its case's, as the task rules and claims read them.

    `ready`: the task is ready and its case running (a claim or a completion may act on it);
    `row_version` and `last_event_seq` are the case row's as read, for the version-checked write;
    `case_status` the case's (engine.model.CaseStatus), which says why a task of an ended case is not ready."""

    task_id: str
    case_id: int
    process_key: str
    process_version_id: int
    element_id: str | None
    lane: str | None
    ready: bool
    row_version: int
    last_event_seq: int
    case_status: str


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


@dataclass(frozen=True)
class NewUser:
    """A user to add: `password_hash` from engine.access.passwords; `organisation` by name."""

    username: str
    display_name: str
    role: Role
    organisation: str | None
    password_hash: str
    created_at: datetime


class DirectoryRepository(Protocol):
    """Users, organisations and their lane mappings (sign-in sessions and API tokens: engine.access.credentials)."""

    def role(self, username: str) -> Role | None:
        """The user's role, None for a name that is no user here (e.g. "demo")."""
        ...

    def principal(self, username: str) -> Principal | None:
        """The user as the access rules see them (organisation, its lane mappings and owned
        processes, language), None for no such user."""
        ...

    def usernames(self) -> list[str]:
        """Every user's name, sorted."""
        ...

    def disabled(self) -> dict[str, datetime]:
        """User name → when an administrator disabled them."""
        ...

    def organisations(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        """Every organisation by name, sorted, with its lane mappings (process key or None, lane)."""
        ...

    def add_organisation(self, name: str, lanes: Sequence[tuple[str | None, str]], *, at: datetime) -> None:
        """A new organisation mapping `lanes`. Raises ConflictError when the name is taken."""
        ...

    def map_lane(self, organisation: str, lane: str, *, process_key: str | None) -> None:
        """The organisation works `lane` (of `process_key`, or of every process). Raises NotFoundError."""
        ...

    def add_user(self, user: NewUser) -> None:
        """Raises NotFoundError (no such organisation) or ConflictError (the name is taken)."""
        ...

    def set_language(self, username: str, language: str | None) -> None:
        """Raises NotFoundError."""
        ...

    def owner_of(self, process_key: str) -> str | None:
        """The name of the organisation that owns the key, None when nobody does."""
        ...

    def sign_in(self, username: str) -> tuple[str | None, bool] | None:
        """The user's password hash (None: no password, never signs in) and whether an
        administrator disabled them; None for no such user."""
        ...

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Raises NotFoundError."""
        ...

    def set_disabled(self, username: str, at: datetime | None) -> None:
        """Disabled since `at`, or enabled again with None. Raises NotFoundError."""
        ...


class CredentialRepository(Protocol):
    """Browser sessions and API tokens, by the SHA-256 of their secret (engine.access.credentials
    makes the secrets and holds the rules)."""

    def open_session(self, username: str, id_hash: str, *, now: datetime, expires_at: datetime) -> None:
        """Store a session of the user, removing the user's sessions expired at `now`. Raises NotFoundError."""
        ...

    def session_holder(self, id_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        """The enabled user of a session live at `now`, and when it expires; else None."""
        ...

    def end_session(self, id_hash: str) -> None:
        """Remove the session (nothing for an unknown one)."""
        ...

    def end_sessions_of(self, username: str) -> None:
        """Remove every session of the user."""
        ...

    def add_token(self, username: str, token_hash: str, *, name: str, now: datetime, expires_at: datetime) -> TokenInfo:
        """Store a token of the user; its listing entry (with its new id). Raises NotFoundError."""
        ...

    def token_holder(self, token_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        """The enabled user of a token unexpired at `now` and not revoked, and when it expires; else None."""
        ...

    def tokens(self, username: str | None) -> list[TokenInfo]:
        """The tokens of one user (everyone's with None), oldest first. Raises NotFoundError (no such user)."""
        ...

    def token(self, token_id: int) -> TokenInfo | None:
        """The token with this id, locked until the transaction ends; None when there is none."""
        ...

    def set_revoked(self, token_id: int, at: datetime) -> None:
        """Mark the token revoked at `at` (engine.access.credentials.revoke keeps the first time)."""
        ...


@dataclass(frozen=True)
class CaseTexts:
    """A case's stored JSON texts that can hold its data: the case row's data and header, its task
    rows' bodies by task id, its events' `changed` by sequence number, its correlation keys' values
    by key, and of the messages it sent that are still kept (message_buffer) the payloads and the
    thrown correlation values by message id. As a change (ErasureRepository.write): the texts to
    write, None and absent ones kept."""

    data: str | None = None
    header: str | None = None
    tasks: dict[str, str] = field(default_factory=dict)
    events: dict[int, str] = field(default_factory=dict)
    correlations: dict[str, str] = field(default_factory=dict)
    kept_payloads: dict[int, str] = field(default_factory=dict)
    kept_correlations: dict[int, str] = field(default_factory=dict)


class ErasureRepository(Protocol):
    """A case's texts, read and rewritten to erase personal data (engine.erasure); the only rewrite
    of the append-only event log."""

    def read(self, case_id: int) -> tuple[dict[str, str], CaseTexts] | None:
        """The files of the case's version by file name (its forms declare the personal fields) and
        the case's texts, the case row locked until the transaction ends; None for no such case."""
        ...

    def write(self, case_id: int, changed: CaseTexts) -> None:
        """Write the changed texts and a new row version of the case, so every process's cache of
        live cases reloads the rewritten rows."""
        ...


class StoredEventRow(NamedTuple):
    """An event row as the consistency checks read it."""

    case_id: int
    seq: int
    lifecycle: str
    task_id: str | None
    element_type: str | None


class ConsistencyReads(Protocol):
    """What engine.consistency reads of the stored cases, as stored (a read model: no rules here)."""

    def case_ids(self) -> list[int]:
        """Every case's id, ascending."""
        ...

    def case_rows(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        """Each of these cases' status and the event count its row keeps (last_event_seq); unknown ids left out."""
        ...

    def event_rows(self, ids: Sequence[int]) -> list[StoredEventRow]:
        """These cases' events, by case and sequence number."""
        ...

    def user_task_states(self, ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Case id → its user tasks' rows: task id → the stored SpiffWorkflow state; cases without one left out."""
        ...


class SettingRepository(Protocol):
    """Values the server generates once and keeps (the key that signs session cookies)."""

    def get(self, name: str) -> str | None:
        """The stored value, None when there is none yet."""
        ...

    def add(self, name: str, value: str) -> None:
        """Store a first value. Raises ConflictError when one was stored meanwhile (the transaction
        is then to be rolled back)."""
        ...


@dataclass(frozen=True)
class StoredVersion:
    """A stored version: its row id (what cases and the cache of restored specs name it by) and
    the version as the rest of Kapula sees it."""

    id: int
    process: ProcessVersion


@dataclass(frozen=True)
class NewVersion:
    """A version to store (engine.definitions.store_version builds it): `elements` by element id
    (a called process's as 'process:element') with name, type, actor and form; `source` the
    uploaded files' texts by file name; `spec_json` empty for a version that cannot run (`issues`)."""

    key: str
    version: int
    name: str
    content_hash: str
    dialect: str
    spec_json: str
    created_at: datetime
    filename: str | None
    actors: tuple[str, ...] = ()
    elements: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    issues: tuple[ValidationIssue, ...] = ()
    customer_can_start: bool = False


@dataclass(frozen=True)
class VersionSpec:
    """What restoring a stored version reads (engine.definitions.VersionCache): its row id, key,
    number and name, the serialized spec (`spec_json`, empty for documentation only) in its
    `dialect`, and, parsed, its lanes, its elements by id (as NewVersion.elements), the uploaded
    files by name and why it cannot run."""

    id: int
    key: str
    version: int
    name: str
    dialect: str
    spec_json: str
    actors: tuple[str, ...]
    elements: dict[str, dict[str, Any]]
    source: dict[str, str]
    issues: tuple[ValidationIssue, ...]


class VersionRepository(Protocol):
    """The deployed versions of process keys. A version never changes once stored."""

    def find(self, key: str, version: int | None = None) -> StoredVersion | None:
        """Version `version` of `key` (its latest without one), None when there is none."""
        ...

    def of_key(self, key: str) -> list[ProcessVersion]:
        """Every version of `key`, oldest first; empty for an unknown key."""
        ...

    def spec(self, version_id: int) -> VersionSpec | None:
        """The version with that row id as restoring it reads it, None when there is none."""
        ...

    def latest_of_each(self) -> list[ProcessVersion]:
        """The latest version of every key, by key."""
        ...

    def source(self, key: str, version: int) -> dict[str, str] | None:
        """The files version `version` of `key` was deployed from, by file name; None when there is no such version."""
        ...

    def latest_source(self, key: str) -> tuple[int, str] | None:
        """The latest version's number and its files as the stored JSON object text (file name to
        text), left unparsed for whoever needs them only on a cache miss; None for an unknown key."""
        ...

    def add(self, new: NewVersion) -> ProcessVersion:
        """Store `new`. Raises ConflictError when that number of the key was stored meanwhile
        (another upload of the key at the same moment; the unique key decides)."""
        ...


class CaseRepository(Protocol):
    """Cases for steps: a case as read with its live workflow and version (a StepContext), and the
        write of what a step changed. The SQL one is engine.case_store.CaseStore over the unit's
        session (the case row's version check, the task rows, the events and spans, in the unit's
        transaction); the live workflows it keeps between steps are the store's, not the unit's. The
    fake (engine.persistence.fake_cases.FakeCaseRepository) keeps each case's row and task rows and
    restores its workflow from them on every load."""

    def create(self, deployed: DeployedVersion, *, now: datetime, conversation_id: str | None = None) -> StepContext:
        """A new running case of `deployed` (its row written, its workflow not yet started)."""
        ...

    def load(self, case_id: int, *, failed_too: bool = False) -> StepContext:
        """The case for a step: running, or also failed with `failed_too`. Raises NotFoundError,
        ConflictError (it takes no more steps, or changed while it was read)."""
        ...

    def save(
        self,
        ctx: StepContext,
        *,
        now: datetime,
        user: str | None,
        first_event: Lifecycle | None = None,
        last_event: Lifecycle | None = None,
        start_data: dict[str, Any] | None = None,
    ) -> SavedStep:
        """Write the step: the case row under its version check, the task rows, the events
        (`first_event` before the step's, `last_event` after), the spans. Raises ConflictError when
        another step changed the case since it was read (nothing written)."""
        ...

    def save_migrated(
        self, ctx: StepContext, target: DeployedVersion, *, now: datetime, user: str | None, details: dict[str, Any]
    ) -> None:
        """Write a case moved onto version `target`, with its case_migrated event. Raises ConflictError."""
        ...


@dataclass(frozen=True)
class StoredCase:
    """A case's stored row as the rules and the views read it (the JSON texts unparsed; `status`
    a CaseStatus value; `row_version` the version a step checks)."""

    id: int
    process_key: str
    process_version_id: int
    status: str
    row_version: int
    started_at: datetime
    ended_at: datetime | None
    next_timer_due: datetime | None
    data_json: str
    header_json: str
    waiting_json: str | None


@dataclass(frozen=True)
class StoredTask:
    """A stored task row: `workflow_id` "" for the case's own process, else the task running the
    subprocess; `state` SpiffWorkflow's; `body` the serialized task (JSON text)."""

    task_id: str
    case_id: int
    workflow_id: str
    element_id: str | None
    lane: str | None
    state: int
    body: str


@dataclass(frozen=True)
class TaskInCase:
    """A stored task with what its view needs of its case: the version's row id, and the case's
    header only for a task of a subworkflow (which process's drawing holds it). `id` is the case's."""

    task: StoredTask
    process_version_id: int
    header_json: str | None

    @property
    def id(self) -> int:
        return self.task.case_id


@dataclass(frozen=True)
class ListedCase:
    """A case on a page of a case list: its row, its process's name, and since when it has waited
    where it is (the start of its oldest open step; None for a finished case)."""

    case: StoredCase
    process_name: str
    waiting_since: datetime | None


@dataclass(frozen=True)
class ListedTask:
    """A ready user task on a page of an inbox: its row, its case's, its process's name, and when it became ready."""

    task: StoredTask
    case: StoredCase
    process_name: str
    ready_at: datetime | None


class ListingReads(Protocol):
    """The case lists and the inboxes (a read model): narrowed by the access rules (policy.takes_part
    for cases, policy.sees_task for tasks) and a query, counted, sorted and paged."""

    def case_page(self, query: CaseQuery, principal: Principal) -> tuple[int, int, list[ListedCase]]:
        """(cases matching in all, the page shown — the last one when `query.page` is past it —,
        the page's cases in `query.sort`'s order)."""
        ...

    def task_page(self, query: TaskQuery, principal: Principal) -> tuple[int, int, list[ListedTask]]:
        """The same for the ready user tasks of running cases; `query.claimed` is read for
        `principal` ("mine": the principal holds the task)."""
        ...

    def case_ids(self, *, process_key: str | None, status: CaseStatus | None, principal: Principal | None) -> list[int]:
        """The ids of the cases of `process_key` in `status` (every one with None) that `principal`
        takes part in (all with None), newest first."""
        ...

    def ready_tasks(
        self, *, lane: str | None, case_id: int | None, process_key: str | None, principal: Principal | None
    ) -> list[TaskInCase]:
        """The ready user tasks of running cases, of that lane, case and process when given, that
        `principal` sees (all with None); by case, oldest first, then in the order the case made them."""
        ...

    def ready_of_cases(self, case_ids: Sequence[int]) -> list[StoredTask]:
        """The ready user tasks of these cases, by case, then in the order each case made them."""
        ...

    def customer_starters(self, case_ids: Sequence[int]) -> dict[int, str]:
        """Case id → the display name of its starter, for the cases a customer user here started."""
        ...


class CaseReads(Protocol):
    """The stored case and task rows as the rules and the case and task views read them (a read
    model: the steps' reads and writes are CaseRepository's; user_task_in is read by every checked
    step)."""

    def row(self, case_id: int) -> StoredCase | None:
        """The case's row, None for no such case."""
        ...

    def ids_of(self, process_key: str) -> list[int]:
        """The ids of every case of `process_key`, oldest first."""
        ...

    def on_version(self, process_version_id: int, *, statuses: Sequence[str], among: Iterable[int] | None = None) -> list[int]:
        """The ids of the cases on that version (by its row id) in one of `statuses` (CaseStatus
        values), ascending; only those `among` these ids when given."""
        ...

    def timers_due(self, now: datetime, *, limit: int) -> list[int]:
        """The running cases whose next timer is due at `now`, earliest due first (then by id), at most `limit`."""
        ...

    def user_tasks(self, case_id: int, state: int) -> list[StoredTask]:
        """The case's user tasks in SpiffWorkflow state `state`, in the order the case made them."""
        ...

    def task(self, task_id: str) -> StoredTask | None:
        """The task's row (a user task or not), None for no such task."""
        ...

    def case_of_task(self, task_id: str) -> int | None:
        """The id of the task's case, None for no such task."""
        ...

    def user_task_in(self, task_id: str) -> TaskInCase | None:
        """The user task's row (ready or not) with what its view needs of its case, None when no
        user task has that id (a checked step reads it)."""
        ...


class MessageReads(Protocol):
    """Which stored cases a message may be for (a read model). The stored waits are matched as text
    here, an index only: whoever asks confirms each case's waits (engine.services.routing)."""

    def correlated(self, name: str, keys: Sequence[str]) -> list[tuple[int, str, str, str | None]]:
        """(case id, correlation key, its stored value as canonical JSON, the case's stored waits) of
        each of `keys` held by a running case whose stored waits name message `name`."""
        ...

    def waiting(self, key: str, name: str, *, values: dict[str, str], conversation: str | None) -> dict[int, str | None]:
        """Case id → stored waits, of running cases of process `key` whose stored waits name message
        `name` and that hold any of `values` (correlation key → canonical JSON value), or, when a
        `conversation` is given, that are in it and hold none of those keys."""
        ...


@dataclass(frozen=True)
class BufferedMessage:
    """A message kept for the case of `process_key` that will wait for it (engine.services.routing):
    as thrown (correlation values, payload, the sender's conversation), with who sent it, when it
    was kept and until when. `id` is 0 until stored."""

    name: str
    process_key: str
    pool: str
    conversation_id: str | None
    correlations: dict[str, Any]
    payload: Any
    from_case_id: int
    from_element: str | None
    from_lane: str | None
    created_at: datetime
    expires_at: datetime
    id: int = 0


class MessageBuffer(Protocol):
    """Messages kept until a case waits for them, or they expire."""

    def add(self, message: BufferedMessage) -> int:
        """Keep `message`; returns its id."""
        ...

    def pending(self, key: str, name: str, *, now: datetime, not_from: int | None = None) -> list[BufferedMessage]:
        """The kept messages `name` for process `key` that have not expired at `now`, oldest first
        (by id); with `not_from`, none that case sent (a case is not handed its own message)."""
        ...

    def unexpired(self, *, now: datetime, after: int, limit: int) -> list[BufferedMessage]:
        """At most `limit` of the kept messages that have not expired at `now`, whatever their
        process and name, with an id above `after`, oldest (lowest id) first: the timer round's look
        for a case that already waits for one."""
        ...

    def take(self, message_id: int) -> bool:
        """Remove the kept message (it was delivered); False when it is no longer there (another
        transaction took it first)."""
        ...

    def purge_expired(self, *, now: datetime, limit: int) -> int:
        """Delete at most `limit` of the messages expired at `now` (never handed over any more),
        oldest first; returns how many went."""
        ...


class IncidentRepository(Protocol):
    """Failed unattended steps recorded on their case (engine.incidents)."""

    def open_of(self, case_id: int) -> Incident | None:
        """The case's open incident (the latest), None when it has none."""
        ...

    def of_case(self, case_id: int) -> list[Incident]:
        """The case's incidents, open and resolved, oldest first."""
        ...

    def record_failure(self, case_id: int, process_key: str, read_version: int, failure: Failure, *, now: datetime) -> bool:
        """Mark the case failed behind its row-version check (`read_version`: the version the failed
        step read) and open an incident for `failure`, or update the open one. False, writing
        nothing, when the case changed meanwhile."""
        ...

    def resolve(self, case_id: int, *, now: datetime, by: str) -> None:
        """Close the case's open incident (by `by`, cut to 255 characters)."""
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

    @property
    def versions(self) -> VersionRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def credentials(self) -> CredentialRepository: ...

    @property
    def settings(self) -> SettingRepository: ...

    @property
    def erasure(self) -> ErasureRepository: ...

    @property
    def consistency(self) -> ConsistencyReads: ...

    @property
    def case_reads(self) -> CaseReads: ...

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def messages(self) -> MessageReads: ...

    @property
    def buffer(self) -> MessageBuffer: ...

    @property
    def listing(self) -> ListingReads: ...


class UnitOfWorkFactory(Protocol):
    """What the services open one use case's unit of work with: a context manager that gives the
    unit, commits when its block ends and rolls everything back when the block raises. `read`: the
    use case only reads (on SQLite a deferred transaction, no write lock). The SQL one opens a
    session per call (engine.services.shared.ServiceBase._sql_units); FakeUnitOfWork is its own
    factory (the same unit each time, its state restored when the block raises)."""

    def __call__(self, *, read: bool = False) -> AbstractContextManager[UnitOfWork]: ...
