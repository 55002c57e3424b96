"""The tables. Each process version's spec is stored once; a case stores a small header and one
row per SpiffWorkflow task, so a step writes only the tasks it changed, never the whole history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.sql import ColumnElement, literal_column, text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Kapula stores only aware datetimes")
        stored: datetime = value.astimezone(UTC)
        return stored.replace(tzinfo=None) if dialect.name == "sqlite" else stored

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment


class Base(DeclarativeBase):
    pass


def table_of(record: type[Base]) -> Table:
    """The Core table a record class maps, as a `Table` (the same object as `record.__table__`,
    which SQLAlchemy types as a FromClause because a class may map a join; ours map tables)."""
    return Base.metadata.tables[record.__tablename__]


class ProcessVersionRecord(Base):
    """One numbered version of a process key, with its parsed spec serialised once."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_version_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    dialect: Mapped[str] = mapped_column(String(20))
    spec_json: Mapped[str] = mapped_column(Text)  # empty for a documentation-only version
    actors_json: Mapped[str] = mapped_column(Text)
    elements_json: Mapped[str] = mapped_column(Text)
    source_json: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # why cases cannot start on this version yet (ValidationIssue fields); "[]" when it runs
    issues_json: Mapped[str] = mapped_column(Text, server_default="[]")
    # the process card offers the process to customers (`customer_can_start`): the portal's catalogue
    customer_can_start: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class CaseRecord(Base):
    """A running or finished case. `row_version` is the optimistic lock every step checks."""

    __tablename__ = "case"
    __table_args__ = (Index("ix_case_next_timer_due", "next_timer_due"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)
    next_ordinal: Mapped[int] = mapped_column(Integer, default=0)
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    header_json: Mapped[str] = mapped_column(Text)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    # the events the case waits for (engine.model.WaitingEvent as JSON), written by every step
    waiting_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # cases that pass messages to each other share one; messages without correlation keys go by it
    conversation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


# SpiffWorkflow's TaskState.READY (engine.runtime.states.READY), written out in the condition of
# ix_case_task_ready. SQLite uses a partial index only when it finds the index's terms in the
# read's WHERE; the reads say them with the same literals (is_ready_user_task), as the claim reads
# do, so that holds without relying on how SQLite matches a bound value; PostgreSQL proves it either way
READY_STATE = 16


def is_ready_user_task(
    state: ColumnElement[int] | InstrumentedAttribute[int], manual: ColumnElement[bool] | InstrumentedAttribute[bool]
) -> ColumnElement[bool]:
    """`state = 16 AND manual IS 1` (PostgreSQL: `IS true`): a user task ready to work on, as
    ix_case_task_ready's condition says it."""
    return and_(state == literal_column(str(READY_STATE)), manual.is_(True))


class CaseTaskRecord(Base):
    """One SpiffWorkflow task of a case. Rewritten only when the task changes."""

    __tablename__ = "case_task"
    __table_args__ = (
        # the inbox's and the task lists' user tasks ready to work on: only those rows are in it, so a
        # step that moves a task between any other states writes none of its pages (issue 14); keyed by
        # case and ordinal, so a case's ready tasks are found directly and in order (keyed by its
        # constant state and manual, SQLite took it for a case's read and walked every ready task)
        Index(
            "ix_case_task_ready",
            "case_id",
            "ordinal",
            sqlite_where=text(f"state = {READY_STATE} AND manual IS 1"),
            postgresql_where=text(f"state = {READY_STATE} AND manual IS true"),
        ),
        Index("ix_case_task_task_id", "task_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # "" for the case's own process, else the id of the task that runs the subprocess
    workflow_id: Mapped[str] = mapped_column(String(36), default="")
    ordinal: Mapped[int] = mapped_column(Integer)
    state: Mapped[int] = mapped_column(Integer)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    element_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(255), nullable=True)
    body: Mapped[str] = mapped_column(Text)


def built_on(item: object, dialect: str) -> bool:
    """False for an index declared for another database only (`Index.ddl_if(dialect=...)`, as
    ix_event_at): the migrations build it there alone, so a comparison of the declared tables with
    a database of `dialect` (Alembic's autogenerate, tests) leaves it out."""
    wanted = getattr(getattr(item, "_ddl_if", None), "dialect", None)
    return wanted is None or wanted == dialect


def _partial(name: str, *columns: str, where: str) -> Index:
    """An index of the rows where `where` holds, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


# the claim events (engine.vocabulary.Lifecycle.TASK_CLAIMED, TASK_UNCLAIMED) as the condition of
# ix_event_claims. A read along that index must say `is_claim_event(lifecycle)`: SQLite uses a
# partial index only when the query's WHERE holds the index's condition as written, literals and
# all (a bound parameter does not count); PostgreSQL proves it either way
CLAIM_LIFECYCLES = "('task_claimed', 'task_unclaimed')"


def is_claim_event(lifecycle: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """`lifecycle IN ('task_claimed', 'task_unclaimed')` with the values inline (see CLAIM_LIFECYCLES)."""
    return lifecycle.in_([literal_column("'task_claimed'"), literal_column("'task_unclaimed'")])


class EventRecord(Base):
    """The append-only event log. Nothing updates or deletes these rows."""

    __tablename__ = "event"
    # claims are looked up per task (engine.claims): only claim events are in the task index, so a
    # step, which claims nothing, writes none of its pages (random task ids: 2 a step, issue 14)
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_event_case_seq"),
        _partial("ix_event_claims", "task_id", where=f"lifecycle IN {CLAIM_LIFECYCLES}"),
        # the card's target windows (engine.metrics.targets) are the only read by time; PostgreSQL's
        # planner takes this index for a narrow window, SQLite's (no statistics: Kapula never runs
        # ANALYZE) reads them by case along uq_event_case_seq whether or not it exists, so SQLite has
        # none: 1.3 index pages less a step (issue 14, migration 0016)
        Index("ix_event_at", "at").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # no index of its own: uq_event_case_seq leads with case_id (one index page less a step, issue 14)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifecycle: Mapped[str] = mapped_column(String(30))
    element_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    element_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    element_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(255), nullable=True)
    user_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    changed_json: Mapped[str] = mapped_column(Text, default="{}")


class TaskSpanRecord(Base):
    """One element instance of a case (gateways left out) as the metrics read it: when it became
    ready, was first claimed, completed or cancelled, the durations in seconds, and the lane that
    handed it over. Derived from the event log in the same transaction (engine.spans) and
    rebuildable from it; the event log stays the source of truth."""

    __tablename__ = "task_span"
    __table_args__ = (
        # the lane that completed work last, when a step must look it up
        Index("ix_task_span_case_done", "case_id", "completed_seq"),
        # each statistic walks its own index in value order, so percentiles need no sort; only the
        # spans with the value are in it (pickup: only handoffs), so opening a span writes none of
        # the four (issue 14); every read along them says so (`duration_s IS NOT NULL`, …)
        _partial("ix_task_span_duration", "process_key", "element_id", "lane", "duration_s", where="duration_s IS NOT NULL"),
        _partial("ix_task_span_waiting", "process_key", "element_id", "lane", "waiting_s", where="waiting_s IS NOT NULL"),
        _partial("ix_task_span_working", "process_key", "element_id", "lane", "working_s", where="working_s IS NOT NULL"),
        _partial("ix_task_span_pickup", "process_key", "from_lane", "lane", "pickup_s", where="from_lane IS NOT NULL"),
        # the stages open now (stuck cases): only open spans are in it, so a step adds and drops one entry
        Index(
            "ix_task_span_open",
            "process_key",
            "ready_at",
            sqlite_where=text("completed_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("completed_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(255))
    process_version_id: Mapped[int] = mapped_column(Integer)
    element_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    element_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    element_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # set when the span opened with a handoff: the lane of the work completed last (engine.history rule)
    from_lane: Mapped[str | None] = mapped_column(String(255), nullable=True)
    ready_seq: Mapped[int] = mapped_column(Integer)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # ready → completed
    waiting_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # ready → first claimed
    working_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # first claimed → completed
    pickup_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # ready → claimed, else completed


class RollupStageRecord(Base):
    """Per process version, month (UTC, of `ready_at`), element and lane: the additive parts of the
    stage metrics over task_span (engine.rollups keeps them in each writing transaction). A missing
    element or lane is ''; `first_ready`, `name` and `element_type` cover the work spans only."""

    __tablename__ = "rollup_stage"

    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    lane: Mapped[str] = mapped_column(String(255), primary_key=True)
    spans: Mapped[int] = mapped_column(BigInteger, default=0)
    instants: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled: Mapped[int] = mapped_column(BigInteger, default=0)
    unclaimed: Mapped[int] = mapped_column(BigInteger, default=0)
    open_now: Mapped[int] = mapped_column(BigInteger, default=0)
    dur_n: Mapped[int] = mapped_column(BigInteger, default=0)
    dur_sum: Mapped[float] = mapped_column(Float, default=0.0)
    wait_n: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    work_n: Mapped[int] = mapped_column(BigInteger, default=0)
    work_sum: Mapped[float] = mapped_column(Float, default=0.0)
    first_ready: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    element_type: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RollupHandoffRecord(Base):
    """Per process version, month (of the receiving span's `ready_at`) and lane pair: handoffs and
    the sum of their pickup seconds."""

    __tablename__ = "rollup_handoff"

    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    from_lane: Mapped[str] = mapped_column(String(255), primary_key=True)
    to_lane: Mapped[str] = mapped_column(String(255), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    pickup_n: Mapped[int] = mapped_column(BigInteger, default=0)
    pickup_sum: Mapped[float] = mapped_column(Float, default=0.0)


class RollupCaseMonthRecord(Base):
    """Per process version (the case's current one) and month (UTC): cases started in it (and of
    those, still running or failed), and cases completed or cancelled in it with their lead-time sum."""

    __tablename__ = "rollup_case_month"

    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    started: Mapped[int] = mapped_column(BigInteger, default=0)
    running: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    completed: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled: Mapped[int] = mapped_column(BigInteger, default=0)
    lead_n: Mapped[int] = mapped_column(BigInteger, default=0)
    lead_sum: Mapped[float] = mapped_column(Float, default=0.0)


class RollupBucketRecord(Base):
    """How many values of a measure fall in each bucket (engine.rollups.spec.bucket_sql: 16 a
    power of two), per process and group: the rank of a percentile is found here, and the value is read
    along the measure's index from the bucket's lower bound, so the read skips the values below it.
    `measure` is dur, wait or work (group: element and lane), pickup (from lane and lane) or lead
    (one group per process: '' and '')."""

    __tablename__ = "rollup_bucket"

    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_a: Mapped[str] = mapped_column(String(255), primary_key=True)
    group_b: Mapped[str] = mapped_column(String(255), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseFactRecord(Base):
    """One row per case for the per-case statistics read along an index: lead time in seconds
    (completed cases only) and the number of handoffs."""

    __tablename__ = "case_fact"
    __table_args__ = (
        Index("ix_case_fact_lead", "process_key", "lead_s"),
        Index("ix_case_fact_handoffs", "process_key", "handoffs"),
    )

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    process_key: Mapped[str] = mapped_column(String(255))
    process_version_id: Mapped[int] = mapped_column(Integer)
    lead_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)


class OrganisationRecord(Base):
    """An organisation of the network; its advisors work the lanes that carry its name."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LaneMappingRecord(Base):
    """An explicit lane of an organisation whose name differs from the lane's (any process if no key)."""

    __tablename__ = "organisation_lane"
    __table_args__ = (UniqueConstraint("organisation_id", "process_key", "lane", name="uq_organisation_lane"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    process_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lane: Mapped[str] = mapped_column(String(255))


class UserRecord(Base):
    """A person or system that signs in. Only an argon2 hash of the password is kept."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # set by an administrator: no sign-in, no session, no token works until it is cleared
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the pages' language the user chose ("fi", "sv", "en"); None: from the browser's Accept-Language
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)


class ApiTokenRecord(Base):
    """An API token of a user; only its SHA-256 is kept (tokens are long random strings)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # kept after revocation, so the listing shows what was revoked and when
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSessionRecord(Base):
    """A signed-in browser session. The cookie carries a random id; only its SHA-256 is kept, and
    signing out deletes the row, so a copied cookie stops working at once."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ProcessOwnerRecord(Base):
    """The organisation that owns a process key: the first process owner to upload it."""

    __tablename__ = "process_owner"

    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)


class SettingRecord(Base):
    """Settings the server generates once and keeps, e.g. the key that signs session cookies."""

    __tablename__ = "setting"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccessLogRecord(Base):
    """Who read or changed which case (or process), how and when, and who was refused what and why:
    append-only like the event log (an erasure of the case blanks only the `reason`s typed for
    it, engine.erasure). No foreign key to the case, so the trail outlives anything done
    to the case's rows."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_name: Mapped[str] = mapped_column(String(255), index=True)
    # no case for process-level actions (an upload) and for refusals before a case was found
    case_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    origin: Mapped[str | None] = mapped_column(String(500), nullable=True)
    process_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # why the attempt was refused; None for what was done
    refused: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # why the caller did it, where the action asks for a reason (cancel, erase)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class IncidentRecord(Base):
    """A step that failed with nobody there to see it (a timer firing, a message arriving): the
    case's status is `failed` while one is open; retrying resolves it."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(255), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(String(30))  # "timer" | "message"
    element_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    element_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    # what arrived and failed (a message's name and payload), to hand it again on retry
    payload_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(255), nullable=True)


class CaseCorrelationRecord(Base):
    """A case's value of one correlation key of its diagram, to find the case a message is for."""

    __tablename__ = "case_correlation"
    __table_args__ = (Index("ix_case_correlation_value", "key", "value"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))  # the key's properties as canonical JSON


class BufferedMessageRecord(Base):
    """A message thrown to another pool while no case of it waited for it in the sender's
    conversation or correlation: kept until a case of `process_key` waits for it (and takes it,
    removing the row) or `expires_at` passes (docs/adr/0008-buffered-messages.md)."""

    __tablename__ = "message_buffer"
    __table_args__ = (
        Index("ix_message_buffer_lookup", "process_key", "name", "expires_at"),
        Index("ix_message_buffer_expires", "expires_at"),  # the timer round's purge of expired rows
        Index("ix_message_buffer_sender", "from_case_id"),  # an erasure's read of what its case sent
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    process_key: Mapped[str] = mapped_column(String(255))  # the receiving process
    pool: Mapped[str] = mapped_column(String(500))  # the receiving pool's name, for messages
    conversation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    correlations_json: Mapped[str] = mapped_column(Text)  # {key: {property: value}}, as thrown
    payload_json: Mapped[str] = mapped_column(Text)
    from_case_id: Mapped[int] = mapped_column(Integer)  # no foreign key: the row outlives nothing, says who sent it
    from_element: Mapped[str | None] = mapped_column(String(255), nullable=True)
    from_lane: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
