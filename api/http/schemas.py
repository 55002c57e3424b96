"""Request (`*Create`) and response (`*Public`) models of the HTTP API."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from engine.model import CaseTimeline, CaseView, DeployResult, Incident, ProcessVersion, TaskView, TimelinePages

# Keys and lanes travel in paths and queries: printable text only (PostgreSQL refuses NUL bytes)
KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,254}$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]{1,255}$"
TASK_ID_PATTERN = r"^[0-9a-fA-F-]{1,36}$"


class ErrorPublic(BaseModel):
    """Every error: a stable code, a sentence for a person, and details (issues, field errors)."""

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


# a route's `responses` as FastAPI types it: status -> the OpenAPI response's fields, e.g. {"model": ErrorPublic}
Responses = dict[int | str, dict[str, Any]]


class IssuePublic(BaseModel):
    """One thing to fix before cases can start, where the author finds it."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    file: str | None = None


class ProcessVersionPublic(BaseModel):
    key: str
    version: int
    name: str
    content_hash: str
    lanes: list[str]
    created_at: datetime
    filename: str | None = None
    runnable: bool = Field(True, description="false: documentation only, cases cannot start until `issues` are fixed")
    issues: list[IssuePublic] = Field(default_factory=list, description="what to fix before cases can start")

    @classmethod
    def of(cls, v: ProcessVersion) -> ProcessVersionPublic:
        return cls(
            key=v.key,
            version=v.version,
            name=v.name,
            content_hash=v.content_hash,
            lanes=list(v.actors),
            created_at=v.created_at,
            filename=v.filename,
            runnable=v.runnable,
            issues=[IssuePublic(**dataclasses.asdict(i)) for i in v.issues],
        )


class DeployedVersionPublic(ProcessVersionPublic):
    created: bool = Field(description="false when the upload was identical to the latest version")


class DeployPublic(BaseModel):
    versions: list[DeployedVersionPublic]

    @classmethod
    def of(cls, result: DeployResult) -> DeployPublic:
        return cls(
            versions=[
                DeployedVersionPublic(**ProcessVersionPublic.of(v).model_dump(), created=c)
                for v, c in zip(result.versions, result.created, strict=True)
            ]
        )


class CaseCreate(BaseModel):
    process_key: str = Field(pattern=KEY_PATTERN)
    data: dict[str, Any] = Field(default_factory=dict)


class TaskComplete(BaseModel):
    data: dict[str, Any] = Field(default_factory=dict)


class MessageCreate(BaseModel):
    """A message to a case that waits for it: addressed by `case_id`, or by `correlation` (the values
    of the diagram's correlation keys, e.g. `{"application": "A-1"}`), not both."""

    name: str = Field(min_length=1, max_length=255, description="the message's name, as the diagram's `bpmn:message` names it")
    case_id: int | None = Field(None, ge=1, le=2**31 - 1, description="the case the message is for")
    correlation: dict[str, Any] | None = Field(
        None,
        description="instead of case_id: correlation key names and their values (a key's properties, or "
        "the bare value of a key with one property)",
    )
    data: dict[str, Any] = Field(default_factory=dict, description="merged into the case's data; the data limits apply")


class TaskPublic(BaseModel):
    id: str
    case_id: int
    process_key: str
    version: int
    element_id: str
    name: str
    lane: str | None
    state: str
    claimed_by: str | None = None
    form: str | None = None
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="the task's own data: for an instance of a multi-instance task the item it is for "
        "(`{input item name: value}`, also shown in its name), else empty; the case's data is the case's",
    )

    @classmethod
    def of(cls, t: TaskView) -> TaskPublic:
        return cls(
            id=t.id,
            case_id=t.case_id,
            process_key=t.process_key,
            version=t.version,
            element_id=t.element_id,
            name=t.name,
            lane=t.lane,
            state=t.state,
            claimed_by=t.claimed_by,
            form=t.form,
            data=dict(t.data),
        )


class TaskDetailPublic(TaskPublic):
    form_schema: dict[str, Any] | None = Field(default=None, description="the task's form as JSON Schema, if it has one")


class WaitingEventPublic(BaseModel):
    element_id: str
    name: str | None = None
    kind: str = Field(description="timer, message, signal, error, escalation, conditional or event")
    due: datetime | None = Field(default=None, description="timers: when it fires (UTC)")
    message: str | None = Field(default=None, description="messages and signals: the name they are sent by")


class IncidentPublic(BaseModel):
    """A step that failed with nobody there (a timer firing, a message arriving), kept on its case."""

    trigger: str = Field(description="what ran the step: timer or message")
    element_id: str | None = Field(default=None, description="the element the step failed at")
    element_name: str | None = None
    message: str = Field(description="the error in plain words")
    description: str = Field(description="one line naming the element (name and id) and the error")
    opened_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @classmethod
    def of(cls, i: Incident) -> IncidentPublic:
        return cls(
            trigger=i.trigger,
            element_id=i.element_id,
            element_name=i.element_name,
            message=i.message,
            description=i.describe(),
            opened_at=i.opened_at,
            resolved_at=i.resolved_at,
            resolved_by=i.resolved_by,
        )


class CaseRetry(BaseModel):
    data: dict[str, Any] = Field(default_factory=dict, description="fixed case data handed to the step before it runs again")


class CasePublic(BaseModel):
    id: int
    process_key: str
    version: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    data: dict[str, Any]
    ready_tasks: list[TaskPublic]
    next_timer_due: datetime | None = None
    waiting_for: list[WaitingEventPublic] = Field(default_factory=list, description="events the case waits for")
    incident: IncidentPublic | None = Field(default=None, description="a failed case: the step that failed and why")

    @classmethod
    def of(cls, c: CaseView) -> CasePublic:
        return cls(
            id=c.id,
            process_key=c.process_key,
            version=c.version,
            status=c.status.value,
            started_at=c.started_at,
            ended_at=c.ended_at,
            data=c.data,
            ready_tasks=[TaskPublic.of(t) for t in c.ready_tasks],
            next_timer_due=c.next_timer_due,
            waiting_for=[WaitingEventPublic(**vars(e)) for e in c.waiting_for],
            incident=IncidentPublic.of(c.incident) if c.incident is not None else None,
        )


class EventPublic(BaseModel):
    seq: int
    at: datetime
    lifecycle: str
    element_id: str | None = None
    element_name: str | None = None
    lane: str | None = None
    user: str | None = None
    task_id: str | None = None
    changed: dict[str, Any] = Field(default_factory=dict)


class StagePublic(BaseModel):
    seq: int = Field(description="the `seq` of the event that ended the stage: `stages_before` pages by it")
    element_id: str
    name: str | None
    lane: str | None
    ready_at: datetime
    ended_at: datetime
    outcome: str
    duration_seconds: float


class HandoffPublic(BaseModel):
    seq: int = Field(description="the `seq` of the event that readied the receiving task: `handoffs_before` pages by it")
    from_lane: str
    to_lane: str
    at: datetime
    element_id: str
    picked_up_at: datetime | None
    pickup_seconds: float | None


class CaseCancel(BaseModel):
    """Why the case is cancelled: required, kept in the access log and shown in the case's timeline."""

    reason: str | None = Field(default=None, max_length=2000, description="why (1–500 characters)")


class CaseNotePublic(BaseModel):
    """A reason given for cancelling the case or erasing its personal data."""

    at: datetime
    user: str
    action: str
    reason: str


class CaseDetailPublic(CasePublic):
    timeline: list[EventPublic] = Field(
        description="one page of the case's events, oldest first: the newest `limit` "
        "before the query's `before` (the latest ones without it)"
    )
    timeline_total: int = Field(description="how many events the case has in all")
    timeline_older: int | None = Field(
        description="the `before` that gives the page of older events; null when this page starts at the case's first event"
    )
    stages: list[StagePublic] = Field(
        description="one page of the stages' durations, in the order they ended: the newest `stages_limit` "
        "before the query's `stages_before` (the latest ones without it)"
    )
    stages_total: int = Field(description="how many stages the case has in all")
    stages_older: int | None = Field(
        description="the `stages_before` that gives the page of older stages; null when this page starts at the case's first"
    )
    handoffs: list[HandoffPublic] = Field(
        description="one page of the handoffs between lanes, oldest first: the newest `handoffs_limit` before the "
        "query's `handoffs_before` (the latest ones without it)"
    )
    handoffs_total: int = Field(description="how many handoffs the case has in all")
    handoffs_older: int | None = Field(
        description="the `handoffs_before` that gives the page of older handoffs; null when this page starts at the case's first"
    )
    lead_time_seconds: float | None
    notes: list[CaseNotePublic] = []

    @classmethod
    def of_timeline(cls, t: CaseTimeline, pages: TimelinePages) -> CaseDetailPublic:
        """The case with one page of its events, stages and handoffs (CaseTimeline.*_page)."""
        lead = t.lead_time
        events, older = t.events_page(pages.limit, pages.before)
        stages, stages_older = t.stages_page(pages.stages_limit, pages.stages_before)
        handoffs, handoffs_older = t.handoffs_page(pages.handoffs_limit, pages.handoffs_before)
        return cls(
            **CasePublic.of(t.case).model_dump(),
            timeline_total=len(t.events),
            timeline_older=older,
            timeline=[
                EventPublic(
                    seq=e.seq,
                    at=e.at,
                    lifecycle=e.lifecycle.value,
                    element_id=e.element_id,
                    element_name=e.element_name,
                    lane=e.lane,
                    user=e.user,
                    task_id=e.task_id,
                    changed=e.changed,
                )
                for e in events
            ],
            stages_total=len(t.stages),
            stages_older=stages_older,
            stages=[
                StagePublic(
                    seq=s.seq,
                    element_id=s.element_id,
                    name=s.name,
                    lane=s.lane,
                    ready_at=s.ready_at,
                    ended_at=s.ended_at,
                    outcome=s.outcome.value,
                    duration_seconds=s.duration.total_seconds(),
                )
                for s in stages
            ],
            handoffs_total=len(t.handoffs),
            handoffs_older=handoffs_older,
            handoffs=[
                HandoffPublic(
                    seq=h.seq,
                    from_lane=h.from_lane,
                    to_lane=h.to_lane,
                    at=h.at,
                    element_id=h.element_id,
                    picked_up_at=h.picked_up_at,
                    pickup_seconds=None if h.pickup_time is None else h.pickup_time.total_seconds(),
                )
                for h in handoffs
            ],
            lead_time_seconds=None if lead is None else lead.total_seconds(),
            notes=[CaseNotePublic(at=n.at, user=n.user, action=n.action, reason=n.reason) for n in t.notes],
        )
