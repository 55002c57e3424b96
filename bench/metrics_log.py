"""A synthetic event log for the metrics benchmark, written with bulk inserts (not through the engine)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from engine.spans.derive import SpanDeriver

KEY = "bench_visit"
LANES = ("Asiakas", "SEK", "ELY", "TE-toimisto", "UYK")
# (element id, type, lane or None for "one of the routing lanes", mean hours open)
FLOW: tuple[tuple[str, str, str | None, float], ...] = (
    ("Start", "startEvent", "Asiakas", 0),
    ("Task_describe", "userTask", "Asiakas", 6),
    ("Task_prepare", "userTask", "SEK", 20),
    ("Gateway_route", "exclusiveGateway", "SEK", 0),
    ("Task_meet", "userTask", "SEK", 30),
    ("Task_route", "userTask", None, 40),
    ("Task_aftercare", "userTask", "SEK", 12),
    ("Task_feedback", "userTask", "Asiakas", 8),
    ("End", "endEvent", "Asiakas", 0),
)
EVENT_COLUMNS = (
    "case_id",
    "seq",
    "at",
    "lifecycle",
    "element_id",
    "element_name",
    "element_type",
    "lane",
    "user_name",
    "task_id",
    "changed_json",
)
SPAN_COLUMNS = (
    "case_id",
    "task_id",
    "process_key",
    "process_version_id",
    "element_id",
    "element_name",
    "element_type",
    "lane",
    "from_lane",
    "ready_seq",
    "ready_at",
    "claimed_at",
    "completed_at",
    "completed_seq",
    "cancelled_at",
    "outcome",
    "duration_s",
    "waiting_s",
    "working_s",
    "pickup_s",
)


def events_per_case() -> int:
    return 2 + sum(3 if kind == "userTask" else 2 for _, kind, _, _ in FLOW)


def _case_events(case_id: int, start: datetime, rnd: random.Random, finish: bool) -> Iterator[tuple[Any, ...]]:
    seq = 0
    at = start

    def row(
        lifecycle: str,
        element: str | None = None,
        kind: str | None = None,
        lane: str | None = None,
        user: str | None = None,
        task: str | None = None,
    ) -> tuple[Any, ...]:
        nonlocal seq
        seq += 1
        return (case_id, seq, at, lifecycle, element, element, kind, lane, user, task, "{}")

    yield row("case_started")
    for number, (element, kind, lane, hours) in enumerate(FLOW):
        lane = lane or rnd.choice(LANES[2:])
        task = f"{case_id:08d}-0000-4000-8000-{number:012d}"
        yield row("task_ready", element, kind, lane, task=task)
        if not finish and element == "Task_route":
            return
        if kind == "userTask":
            at += timedelta(seconds=rnd.expovariate(1 / (hours * 0.4 * 3600)))
            yield row("task_claimed", element, kind, lane, user=f"{lane}.{rnd.randrange(5)}", task=task)
            at += timedelta(seconds=rnd.expovariate(1 / (hours * 0.6 * 3600)))
        yield row("task_completed", element, kind, lane, task=task)
    yield row("case_completed")


def _spans(events: list[tuple[Any, ...]], version_id: int) -> list[tuple[Any, ...]]:
    """The case's task_span rows, derived by the engine's own code (as a step would write them)."""
    rows = [dict(zip(EVENT_COLUMNS, e, strict=True)) for e in events]
    opened = SpanDeriver(KEY, version_id, lambda: None).feed(rows).opened.values()
    return [tuple(span[c] for c in SPAN_COLUMNS) for span in opened]


def generate(engine: Engine, target_events: int, *, seed: int = 7, progress: Any = None) -> int:
    """Write one process version, its cases and about `target_events` events; returns the event count."""
    rnd = random.Random(seed)
    n_cases = max(1, target_events // events_per_case())
    begin = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        version_id = conn.execute(
            text(
                "INSERT INTO process_version (key, version, name, content_hash, dialect, spec_json, actors_json, elements_json, source_json, filename, created_at)"
                " VALUES (:k, 1, 'Bench visit', 'x', 'spiff', '{}', :actors, '{}', '{}', NULL, :at) RETURNING id"
            ),
            {"k": KEY, "actors": json.dumps(LANES), "at": _stamp(engine, begin)},
        ).scalar_one()
    written = 0
    batch_cases: list[tuple[Any, ...]] = []
    batch_events: list[tuple[Any, ...]] = []
    batch_spans: list[tuple[Any, ...]] = []
    for case_id in range(1, n_cases + 1):
        start = begin + timedelta(minutes=case_id * 500_000 // n_cases)  # spread over about a year
        finish = case_id <= n_cases * 0.97
        events = list(_case_events(case_id, start, rnd, finish))
        ended = events[-1][2] if finish else None
        data = {
            "segment": rnd.choice(("founder", "local", "growth")),
            "new_customer": rnd.random() < 0.3,
            "satisfaction": rnd.randint(1, 4),
        }
        batch_cases.append((case_id, version_id, KEY, "completed" if finish else "running", start, ended, json.dumps(data)))
        batch_events.extend(events)
        batch_spans.extend(_spans(events, version_id))
        if len(batch_events) >= 100_000 or case_id == n_cases:
            _write(engine, batch_cases, batch_events, batch_spans)
            written += len(batch_events)
            batch_cases, batch_events, batch_spans = [], [], []
            if progress:
                progress(written)
    return written


def _stamp(engine: Engine, moment: datetime | None) -> Any:
    if moment is None or engine.dialect.name != "sqlite":
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _write(engine: Engine, cases: list[tuple[Any, ...]], events: list[tuple[Any, ...]], spans: list[tuple[Any, ...]]) -> None:
    case_sql = (
        'INSERT INTO "case" (id, process_version_id, process_key, status, started_at, ended_at, row_version, last_event_seq, next_ordinal, header_json, data_json)'
        " VALUES (?, ?, ?, ?, ?, ?, 1, 0, 0, '{}', ?)"
    )
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("BEGIN")
            cur.executemany(case_sql, [(*c[:4], _stamp(engine, c[4]), _stamp(engine, c[5]), c[6]) for c in cases])
            cur.executemany(
                f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
                [(*e[:2], _stamp(engine, e[2]), *e[3:]) for e in events],
            )
            stamped = {SPAN_COLUMNS.index(c) for c in ("ready_at", "claimed_at", "completed_at", "cancelled_at")}
            cur.executemany(
                f"INSERT INTO task_span ({', '.join(SPAN_COLUMNS)}) VALUES ({', '.join('?' * len(SPAN_COLUMNS))})",
                [tuple(_stamp(engine, v) if i in stamped else v for i, v in enumerate(span)) for span in spans],
            )
            cur.execute("COMMIT")
        finally:
            raw.close()
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(
            'COPY "case" (id, process_version_id, process_key, status, started_at, ended_at, row_version, last_event_seq, next_ordinal, header_json, data_json) FROM STDIN'
        ) as copy:
            for c in cases:
                copy.write_row((*c[:6], 1, 0, 0, "{}", c[6]))
        with cur.copy(f"COPY event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for e in events:
                copy.write_row(e)
        with cur.copy(f"COPY task_span ({', '.join(SPAN_COLUMNS)}) FROM STDIN") as copy:
            for span in spans:
                copy.write_row(span)
        raw.commit()
    finally:
        raw.close()
