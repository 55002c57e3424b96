"""A case's timeline in pages of events (GET /api/cases/{id}?limit=&before=): CaseTimeline.events_page."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from engine.model import CaseStatus, CaseTimeline, CaseView, Event, Lifecycle

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _timeline(seqs: list[int]) -> CaseTimeline:
    case = CaseView(
        id=1, process_key="p", version=1, status=CaseStatus.RUNNING, started_at=AT, ended_at=None, data={}, ready_tasks=()
    )
    events = tuple(Event(case_id=1, seq=s, at=AT, lifecycle=Lifecycle.TASK_READY) for s in seqs)
    return CaseTimeline(case=case, events=events, stages=(), handoffs=(), lead_time=None)


def _seqs(page: tuple[tuple[Event, ...], int | None]) -> tuple[list[int], int | None]:
    return [e.seq for e in page[0]], page[1]


def test_the_latest_events_first_then_older_pages_by_before():
    t = _timeline(list(range(1, 11)))
    assert _seqs(t.events_page(3)) == ([8, 9, 10], 8)
    assert _seqs(t.events_page(3, before=8)) == ([5, 6, 7], 5)
    assert _seqs(t.events_page(3, before=3)) == ([1, 2], None)
    assert _seqs(t.events_page(10)) == (list(range(1, 11)), None)
    assert _seqs(t.events_page(3, before=1)) == ([], None)
    assert _seqs(_timeline([]).events_page(5)) == ([], None)


@given(st.lists(st.integers(1, 500), unique=True).map(sorted), st.integers(1, 40))
def test_walking_back_with_before_gives_every_event_once_in_order(seqs, limit):
    t = _timeline(seqs)
    walked: list[int] = []
    page, before = t.events_page(limit)
    while True:
        assert len(page) <= limit
        walked[:0] = [e.seq for e in page]
        if before is None:
            break
        page, before = t.events_page(limit, before)
    assert walked == seqs


@given(st.lists(st.integers(1, 500), unique=True).map(sorted), st.integers(1, 40))
def test_stages_and_handoffs_page_by_seq_as_the_events_do(seqs, limit):
    from engine.model import Handoff, StageDuration

    stages = tuple(StageDuration(1, "t", None, None, AT, AT, Lifecycle.TASK_COMPLETED, seq=s) for s in seqs)
    handoffs = tuple(Handoff(1, "A", "B", AT, "t", None, seq=s) for s in seqs)
    t = CaseTimeline(case=_timeline([]).case, events=(), stages=stages, handoffs=handoffs, lead_time=None)
    for page_of in (t.stages_page, t.handoffs_page):
        walked: list[int] = []
        before = None
        while True:
            page, before = page_of(limit, before)
            assert len(page) <= limit
            walked[:0] = [i.seq for i in page]
            if before is None:
                break
        assert walked == seqs
