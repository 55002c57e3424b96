"""What the metrics of a process are made of: plain dataclasses (the stdlib, Kapula's errors and model only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.errors import InvalidDataError, NotFoundError
from engine.model import MAX_VERSION

# the instants a window may start or end at: beyond them a conversion to UTC or a month's bucket
# leaves Python's datetime (years 1 to 9999), which the drivers raised as OverflowError (a 500)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MetricsFilter:
    """Which cases count: one process key, optionally one version, one lane, cases started in
    [since, until), and one customer segment (the case data field `segment_field`). A naive time is
    UTC. Raises NotFoundError for a version number no version can have, InvalidDataError (field
    `since` or `until`) for a time outside [EARLIEST, LATEST)."""

    key: str
    version: int | None = None
    lane: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    segment: str | None = None
    segment_field: str = "segment"

    def __post_init__(self) -> None:
        if self.version is not None and not 1 <= self.version <= MAX_VERSION:
            raise NotFoundError("process version", f"{self.key} v{self.version}")
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and not _within(moment):
                raise InvalidDataError(
                    f"{name} {moment.isoformat()} is outside the years 1900 to 9998 that metrics measure",
                    field_errors={name: "a time from 1900 to 9998"},
                )


def _within(moment: datetime) -> bool:
    try:
        utc = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return EARLIEST <= utc < LATEST


@dataclass(frozen=True)
class Stats:
    """count, mean, median, 90th percentile and max of a set of values (seconds, or a count)."""

    count: int
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class CaseCounts:
    """Cases by status; `failed`: stopped at an unattended step that failed (an open incident);
    `incidents`: failed unattended steps recorded on these cases ever, open and resolved."""

    started: int
    completed: int
    cancelled: int
    in_progress: int
    failed: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM (UTC)
    started: int
    completed: int
    cancelled: int


@dataclass(frozen=True)
class StageStats:
    """One element's stages: ready → completed durations, and for user tasks ready → claimed
    (waiting) and claimed → completed (working). Waiting and working cover only the stages that
    were claimed; `unclaimed` counts the completed ones whose waiting time is therefore unknown."""

    element_id: str
    name: str | None
    lane: str | None
    element_type: str | None
    duration: Stats
    cancelled: int = 0
    waiting: Stats = field(default_factory=lambda: Stats(0))
    working: Stats = field(default_factory=lambda: Stats(0))
    unclaimed: int = 0
    open_now: int = 0


@dataclass(frozen=True)
class HandoffCell:
    """Handoffs from one lane to another: how many, and how long the receiving lane took to pick
    the work up (from ready to claimed, or to completed when the task was never claimed)."""

    from_lane: str
    to_lane: str
    count: int
    pickup: Stats


@dataclass(frozen=True)
class TargetProgress:
    """One metric of the process card measured against its target for the current period."""

    id: str
    name: str
    kind: str
    unit: str
    period: str
    comparison: str
    target: float | None
    value: float | None  # None: not measurable from execution, or no data yet
    share_of_target: float | None = None  # value / target, for counts and sums
    projection: float | None = None  # value extrapolated to the end of the period, for counts
    on_track: bool | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    data_source: str = ""
    processed_in: str = ""


@dataclass(frozen=True)
class StuckCase:
    """A running case whose open task has waited longer than the threshold for its element."""

    case_id: int
    element_id: str
    name: str | None
    lane: str | None
    ready_at: datetime
    waited_seconds: float
    threshold_seconds: float


@dataclass(frozen=True)
class ProcessMetrics:
    """Everything `kapula metrics KEY` shows, measured at `measured_at`."""

    filter: MetricsFilter
    measured_at: datetime
    cases: CaseCounts
    throughput: tuple[MonthCount, ...]
    lead_time: Stats
    stages: tuple[StageStats, ...]
    handoffs: tuple[HandoffCell, ...]
    handoffs_per_case: Stats
    targets: tuple[TargetProgress, ...] = ()
    stuck: tuple[StuckCase, ...] = ()
