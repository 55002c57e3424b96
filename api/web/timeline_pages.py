"""One page of a case's events, stages and handoffs on the case page: the latest rows of each, and a
link to the older ones (the API's `before`, `stages_before` and `handoffs_before`), so the page of
a case looping a thousand rounds stays small (it was 5.2 MB of HTML, 8.4 s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.model import CaseNote, CaseTimeline, Event, TimelinePages

ROWS = 50  # of each list on the page


@dataclass(frozen=True)
class Part:
    """The rows shown of one list, how many it has in all and how many are older than them; `older`:
    the `*_before` of the page of older rows (None: these reach the first); `paged`: not the latest."""

    rows: tuple[Any, ...]
    total: int
    older_count: int
    older: int | None
    paged: bool


def parts(t: CaseTimeline, pages: TimelinePages) -> dict[str, Part]:
    """The case page's events (with the notes among them), stages and handoffs."""
    events, older = t.events_page(pages.limit, pages.before)
    stages, stages_older = t.stages_page(pages.stages_limit, pages.stages_before)
    handoffs, handoffs_older = t.handoffs_page(pages.handoffs_limit, pages.handoffs_before)
    return {
        "events": _part(t.events, _with_notes(events, _notes_on(t, events, latest=pages.before is None)), older, pages.before),
        "stages": _part(t.stages, stages, stages_older, pages.stages_before),
        "handoffs": _part(t.handoffs, handoffs, handoffs_older, pages.handoffs_before),
    }


def _part(every: tuple[Any, ...], rows: tuple[Any, ...], older: int | None, before: int | None) -> Part:
    older_count = sum(1 for item in every if item.seq < older) if older is not None else 0
    return Part(rows, len(every), older_count, older, before is not None)


def _notes_on(t: CaseTimeline, events: tuple[Event, ...], *, latest: bool) -> tuple[CaseNote, ...]:
    """The reasons shown on this page of the events: each goes before the first event later than
    it, so on the page that holds that event (on the latest page when no event is later)."""
    shown = []
    for note in t.notes:
        later = next((e.seq for e in t.events if e.at > note.at), None)
        if (later is None and latest) or (later is not None and events and events[0].seq <= later <= events[-1].seq):
            shown.append(note)
    return tuple(shown)


def _with_notes(events: tuple[Event, ...], notes: tuple[CaseNote, ...]) -> tuple[Event | CaseNote, ...]:
    """The timeline's rows: the events, and each reason given for cancelling or erasing after the
    events up to its time (a cancellation's reason right after its `case_cancelled` event)."""
    rows: list[Event | CaseNote] = []
    pending = list(notes)
    for event in events:
        while pending and pending[0].at < event.at:
            rows.append(pending.pop(0))
        rows.append(event)
    return (*rows, *pending)
