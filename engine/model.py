"""Plain dataclasses of Kapula's domain: definitions, cases, tasks, lanes and events. Stdlib only."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

# defined with the other words in engine.vocabulary; importable from here too
from engine.vocabulary import Lifecycle as Lifecycle

T = TypeVar("T")


@dataclass(frozen=True)
class ValidationIssue:
    """One reason a diagram cannot run."""

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None
    element_name: str | None = None  # the element's name as the author sees it, line breaks made spaces

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line:
            where.append(f"line {self.line}")
        if self.element_id and self.element_name:
            where.append(f"element '{self.element_name}' ({self.element_id})")
        elif self.element_id:
            where.append(f"element '{self.element_id}'")
        prefix = f"[{', '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"


class CaseStatus(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # an unattended step (a timer firing, a message arriving) failed: the case waits for a retry
    FAILED = "failed"


# a process's version numbers are stored as 32-bit integers: a larger one no version has (and a
# driver refuses it with OverflowError)
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class ProcessVersion:
    """One numbered version of a process key."""

    key: str
    version: int
    name: str
    content_hash: str
    actors: tuple[str, ...]
    created_at: datetime
    filename: str | None = None
    # why cases cannot start yet; empty when the version runs ("documentation only" otherwise)
    issues: tuple[ValidationIssue, ...] = ()
    # its process card offers it to customers (`customer_can_start`): customers see and start only these
    customer_can_start: bool = False

    @property
    def runnable(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class DeployResult:
    """What one upload did: each executable process it holds, and whether it made a new version."""

    versions: tuple[ProcessVersion, ...]
    created: tuple[bool, ...]


@dataclass(frozen=True)
class TaskView:
    """A user task waiting for a person (or finished), as advisors see it."""

    id: str
    case_id: int
    process_key: str
    version: int
    element_id: str
    name: str
    lane: str | None
    state: str
    form: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    claimed_by: str | None = None


@dataclass(frozen=True)
class Event:
    """One row of the append-only event log."""

    case_id: int
    seq: int
    at: datetime
    lifecycle: Lifecycle
    element_id: str | None = None
    element_name: str | None = None
    element_type: str | None = None
    lane: str | None = None
    user: str | None = None
    task_id: str | None = None
    changed: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WaitingEvent:
    """An event a case waits for: a timer with its due time, a message or a signal by its name.
    After an event-based gateway each catch event that follows it is listed; the first to occur wins."""

    element_id: str
    name: str | None
    kind: str  # "timer" | "message" | "signal" | "error" | "escalation" | "conditional" | "event"
    due: datetime | None = None  # timers: when it fires (UTC)
    message: str | None = None  # messages and signals: the name they are sent by

    def describe(self) -> str:
        """One line for people: 'Follow-up call (timer, due 2026-01-05T09:00:00+00:00)'."""
        label = self.name or self.element_id
        if self.kind == "timer" and self.due is not None:
            return f"{label} (timer, due {self.due.isoformat()})"
        if self.message:
            return f"{label} ({self.kind} '{self.message}')"
        return f"{label} ({self.kind})"


@dataclass(frozen=True)
class Incident:
    """A step that failed with nobody there to see it (`trigger`: "timer" or "message"), recorded on
    its case: the element it failed at (name and id) and the error in plain words. Open while
    `resolved_at` is None; the case is `failed` while it is open, and a retry resolves it."""

    id: int
    case_id: int
    process_key: str
    opened_at: datetime
    trigger: str
    element_id: str | None
    element_name: str | None
    message: str
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    def describe(self) -> str:
        """One line for people: "the timer step failed at 'Laske osuus' (sc): division by zero"."""
        where = ""
        if self.element_id:
            where = f" at '{self.element_name}' ({self.element_id})" if self.element_name else f" at '{self.element_id}'"
        return f"the {self.trigger} step failed{where}: {self.message}"


@dataclass(frozen=True)
class CaseView:
    """A case with what it waits for now (and, when it is failed, the incident that stopped it)."""

    id: int
    process_key: str
    version: int
    status: CaseStatus
    started_at: datetime
    ended_at: datetime | None
    data: dict[str, Any]
    ready_tasks: tuple[TaskView, ...]
    next_timer_due: datetime | None = None
    waiting_for: tuple[WaitingEvent, ...] = ()
    incident: Incident | None = None


@dataclass(frozen=True)
class StageDuration:
    """How long one task instance stayed open: ready → completed (or cancelled)."""

    case_id: int
    element_id: str
    name: str | None
    lane: str | None
    ready_at: datetime
    ended_at: datetime
    outcome: Lifecycle
    # of the event that ended it, to page a case's stages (CaseTimeline.stages_page); the metrics' SQL has none
    seq: int = field(default=0, compare=False)

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.ready_at


@dataclass(frozen=True)
class Handoff:
    """Work passing from one lane to another within a case."""

    case_id: int
    from_lane: str
    to_lane: str
    at: datetime
    element_id: str
    picked_up_at: datetime | None
    # of the event that readied the receiving activity, to page a case's handoffs (CaseTimeline.handoffs_page),
    # and that activity's name: the case page's; the metrics' SQL rule has neither
    seq: int = field(default=0, compare=False)
    element_name: str | None = field(default=None, compare=False)

    @property
    def pickup_time(self) -> timedelta | None:
        return None if self.picked_up_at is None else self.picked_up_at - self.at


@dataclass(frozen=True)
class CaseNote:
    """Why someone cancelled a case or erased its personal data: the reason they gave, from the
    access log's `cancel` / `erase` entry (shown in the case's timeline)."""

    at: datetime
    user: str
    action: str  # "cancel" | "erase"
    reason: str


@dataclass(frozen=True)
class CaseTimeline:
    """A case as its page, the API and `kapula history` show it: the case, its events oldest first,
    each stage's duration, the handoffs between lanes and the lead time (None while it runs).
    Built once in engine.history.timeline; the adapters only render it."""

    case: CaseView
    events: tuple[Event, ...]
    stages: tuple[StageDuration, ...]
    handoffs: tuple[Handoff, ...]
    lead_time: timedelta | None
    notes: tuple[CaseNote, ...] = ()  # the reasons given for cancelling and erasing, oldest first

    def events_page(self, limit: int, before: int | None = None) -> tuple[tuple[Event, ...], int | None]:
        """A page of the events: the newest `limit` (≥ 1) whose `seq` is below `before` (all when
        None), oldest first; and the `before` that gives the page of older events, None when this
        page reaches the case's first event."""
        return _latest(self.events, limit, before)

    def stages_page(self, limit: int, before: int | None = None) -> tuple[tuple[StageDuration, ...], int | None]:
        """A page of the stages as events_page, by the `seq` of the event that ended each."""
        return _latest(self.stages, limit, before)

    def handoffs_page(self, limit: int, before: int | None = None) -> tuple[tuple[Handoff, ...], int | None]:
        """A page of the handoffs as events_page, by the `seq` of the event that readied the receiving activity."""
        return _latest(self.handoffs, limit, before)


class _Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


_S = TypeVar("_S", bound=_Sequenced)


def _latest(items: tuple[_S, ...], limit: int, before: int | None) -> tuple[tuple[_S, ...], int | None]:
    """The newest `limit` of `items` (in `seq` order) below `before`, and the `before` of the page older than it."""
    older = [i for i in items if before is None or i.seq < before]
    page = tuple(older[-limit:])
    return page, (page[0].seq if page and len(older) > len(page) else None)


# a case's timeline in the API comes in pages of events (GET /api/cases/{id}?limit=&before=): a case
# looping a thousand rounds has ~10,000 events, 5.5 MB as one answer
TIMELINE_PAGE = 200
MAX_TIMELINE_PAGE = 1000


@dataclass(frozen=True)
class TimelinePages:
    """Which page of a case's events, stages and handoffs to show: of each, the newest `*limit`
    (1–MAX_TIMELINE_PAGE) whose `seq` is below `*before` (the latest without it). Stages and
    handoffs are paged as the events are: a case looping a thousand rounds had 1.66 MB of stages
    and 0.56 MB of handoffs in one answer."""

    limit: int = TIMELINE_PAGE
    before: int | None = None
    stages_limit: int = TIMELINE_PAGE
    stages_before: int | None = None
    handoffs_limit: int = TIMELINE_PAGE
    handoffs_before: int | None = None


# -- the inbox and case lists: one page of a filtered, sorted list (engine.services.listing) --------

CASE_SORTS = ("waiting", "due", "newest", "oldest", "process")
TASK_SORTS = ("waiting", "due", "newest", "process")
CLAIM_FILTERS = ("free", "mine", "others")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class CaseQuery:
    """Which cases a list shows, in which order, which page. `lane`: cases with a ready task in that
    lane; `text`: in the case's data, its process's name or its number; `sort`: one of CASE_SORTS
    (waiting: the longest waiting first; due: the soonest timer first; newest/oldest by start;
    process by name). Pages count from 1 and hold 1–MAX_PAGE_SIZE rows."""

    process_key: str | None = None
    status: CaseStatus | None = None
    lane: str | None = None
    text: str | None = None
    sort: str = "waiting"
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class TaskQuery:
    """Which ready user tasks an inbox shows: by process, lane, claim (one of CLAIM_FILTERS: nobody
    holds it, the caller does, someone else does), text (in the case's data, its process's name,
    the case number); `sort` one of TASK_SORTS (waiting: the longest waiting first; due: the case's
    soonest timer first; newest; process). Pages as in CaseQuery."""

    process_key: str | None = None
    lane: str | None = None
    claimed: str | None = None
    text: str | None = None
    sort: str = "waiting"
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class CaseRow:
    """A case as a list shows it: its process by name, the customer, where it is now (its ready
    tasks with their lanes and who holds them), since when it has waited there (the oldest open
    step's start), and its next timer's due time."""

    id: int
    process_key: str
    process_name: str
    version: int
    status: CaseStatus
    started_at: datetime
    ended_at: datetime | None
    customer: str | None
    waiting_since: datetime | None
    due: datetime | None
    tasks: tuple[TaskView, ...] = ()
    waiting_for: tuple[WaitingEvent, ...] = ()
    incident: Incident | None = None  # what stopped a failed case

    @property
    def lanes(self) -> tuple[str, ...]:
        """The lanes (organisations, or the customer) the case waits in now, in task order."""
        return tuple(dict.fromkeys(t.lane for t in self.tasks if t.lane))


@dataclass(frozen=True)
class TaskRow:
    """A ready user task as the inbox shows it: the task, its process by name, the customer, since
    when it has waited (it became ready) and its case's next timer's due time."""

    task: TaskView
    process_name: str
    customer: str | None
    waiting_since: datetime | None
    due: datetime | None


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list: its rows, how many rows match in all, which page of how many rows."""

    rows: tuple[T, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
