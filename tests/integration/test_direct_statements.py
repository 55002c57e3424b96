"""A step's fixed statements run on the DB-API cursor (engine.persistence.direct) write and read
exactly what the same Core statements do through SQLAlchemy, on SQLite and PostgreSQL; a driver error
still comes out as SQLAlchemy's exception."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from engine.errors import UnavailableError
from engine.persistence.database import make_engine
from engine.persistence.direct import DirectStatement
from engine.persistence.migrate import upgrade
from engine.persistence.tables import CaseRecord, EventRecord, ProcessVersionRecord, TaskSpanRecord
from engine.spans.store import statements

CASES, EVENTS, SPANS = CaseRecord.__table__, EventRecord.__table__, TaskSpanRecord.__table__
AT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as c:
        version = c.execute(
            ProcessVersionRecord.__table__.insert().values(
                key="P",
                version=1,
                name="P",
                content_hash="h",
                dialect="spiff",
                spec_json="{}",
                actors_json="[]",
                elements_json="{}",
                source_json="{}",
                created_at=AT,
            )
        ).inserted_primary_key[0]
        for case_id in (1, 2):
            c.execute(
                CASES.insert().values(
                    id=case_id,
                    process_version_id=version,
                    process_key="P",
                    status="running",
                    started_at=AT,
                    row_version=1,
                    last_event_seq=0,
                    next_ordinal=0,
                    header_json="{}",
                    data_json="{}",
                    conversation_id=f"c{case_id}",
                )
            )
    yield engine
    engine.dispose()


def _event(case_id: int, seq: int) -> dict:
    return {
        "case_id": case_id,
        "seq": seq,
        "at": AT + timedelta(seconds=seq),
        "lifecycle": "task_ready",
        "element_id": "T",
        "element_name": "Tehtävä ✓",
        "element_type": "UserTask",
        "lane": "SEK",
        "user_name": None,
        "task_id": f"t{seq}",
        "changed_json": "{}",
    }


def _span(case_id: int) -> dict:
    return {
        "case_id": case_id,
        "task_id": "t1",
        "process_key": "P",
        "process_version_id": 1,
        "element_id": "T",
        "element_name": "T",
        "element_type": "UserTask",
        "lane": "SEK",
        "from_lane": None,
        "ready_seq": 1,
        "ready_at": AT,
        "claimed_at": None,
        "completed_at": None,
        "completed_seq": None,
        "cancelled_at": None,
        "outcome": None,
        "duration_s": None,
        "waiting_s": None,
        "working_s": None,
        "pickup_s": None,
    }


def _rows(c, table, case_id):
    cols = [col for col in table.c if col.key not in ("id", "case_id")]
    return [tuple(r) for r in c.execute(select(*cols).where(table.c.case_id == case_id).order_by(*table.primary_key))]


def test_inserts_updates_and_a_select_give_what_sqlalchemy_gives(engine):
    st = statements(engine.dialect.name)
    complete = {"at": AT + timedelta(hours=2, microseconds=7), "seq": 3}
    with engine.begin() as c:
        DirectStatement(EVENTS.insert()).execute(c, [_event(1, 1), _event(1, 2)])
        c.execute(EVENTS.insert(), [_event(2, 1), _event(2, 2)])
        DirectStatement(SPANS.insert()).execute(c, [_span(1)])
        c.execute(SPANS.insert(), [_span(2)])
        assert DirectStatement(st.complete).execute(c, [{"b_case": 1, "b_task": "t1", **complete}]) == 1
        c.execute(st.complete, [{"b_case": 2, "b_task": "t1", **complete}])
        assert DirectStatement(st.complete).execute(c, [{"b_case": 1, "b_task": "none", **complete}]) == 0
    with engine.connect() as c:
        assert _rows(c, EVENTS, 1) == _rows(c, EVENTS, 2)
        assert _rows(c, SPANS, 1) == _rows(c, SPANS, 2)
        span = c.execute(select(SPANS).where(SPANS.c.case_id == 1)).one()
        assert span.completed_at == complete["at"] and span.duration_s == pytest.approx(7200.000007, abs=1e-3)
        read = select(CASES.c.id, CASES.c.started_at, CASES.c.next_timer_due, CASES.c.status).where(CASES.c.id == bindparam("b"))
        assert tuple(DirectStatement(read).first(c, {"b": 1})) == tuple(c.execute(read, {"b": 1}).one())
        assert DirectStatement(read).first(c, {"b": 99}) is None


def test_every_row_of_a_select_and_an_inserts_returning_row_are_what_sqlalchemy_gives(engine):
    with engine.begin() as c:
        c.execute(EVENTS.insert(), [_event(1, 1), _event(1, 2), _event(2, 1)])
        read = select(EVENTS).where(EVENTS.c.case_id == bindparam("b")).order_by(EVENTS.c.seq)
        assert [tuple(r) for r in DirectStatement(read).all(c, {"b": 1})] == [tuple(r) for r in c.execute(read, {"b": 1})]
        assert DirectStatement(read).all(c, {"b": 99}) == []
        limited = select(EVENTS.c.seq).where(EVENTS.c.at <= bindparam("at")).order_by(EVENTS.c.seq).limit(bindparam("n"))
        assert [r.seq for r in DirectStatement(limited).all(c, {"at": AT + timedelta(seconds=1), "n": 5})] == [1, 1]
        row = {k: v for k, v in c.execute(select(CASES).where(CASES.c.id == 1)).one()._asdict().items() if k != "id"}
        # an explicit id: the fixture's rows took ids 1 and 2 without PostgreSQL's sequence knowing
        new = DirectStatement(CASES.insert().returning(CASES.c.id)).first(c, {**row, "id": 3, "conversation_id": "c3"})
        assert new.id == 3 == c.execute(select(CASES.c.id).where(CASES.c.conversation_id == "c3")).scalar_one()


def test_a_driver_error_is_sqlalchemys_exception(engine):
    with pytest.raises(IntegrityError), engine.begin() as c:
        DirectStatement(EVENTS.insert()).execute(c, [_event(1, 1), _event(1, 1)])


def test_a_connection_closed_underneath_is_unavailable_not_a_driver_error(engine):
    # the server ended the connection between two statements (a restart, an idle kill, an
    # administrator's pg_terminate_backend): the cursor is refused, and that is a lost connection
    # (HTTP 503), not an unexpected error (a 500 in CI, session 7)
    read_case = DirectStatement(select(CASES.c.id).where(CASES.c.id == bindparam("b_id")))
    for run in (lambda c: read_case.first(c, {"b_id": 1}), lambda c: DirectStatement(EVENTS.insert()).execute(c, [_event(1, 1)])):
        with engine.connect() as c:
            c.begin()
            c.connection.dbapi_connection.close()
            with pytest.raises(UnavailableError):
                run(c)
    with engine.connect() as c:  # the pool replaced the closed connection
        assert read_case.first(c, {"b_id": 1}).id == 1
