"""A database of the first release (revision 0001), with cases and events in it, upgraded to head:
the data survives and the engine carries those cases on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, inspect, select, text

from engine.access.directory import Directory
from engine.consistency import check_cases
from engine.model import CaseStatus
from engine.persistence.database import make_engine, make_session_factory
from engine.persistence.migrate import current_revision, head_revision, upgrade
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import Base
from engine.runtime.script_engine import SafeScriptEngine
from engine.services import Kapula
from tests.conftest import read

CASE_TABLES = ("process_version", "case", "case_task", "event")


def _cases_of_the_old_release(scratch_url: str, clock) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Rows of the 0001 tables as a running system leaves them: a finished case, one waiting in a
    lane, one waiting on its timer. Made by today's engine in a scratch database, then copied."""
    engine = make_engine(scratch_url)
    upgrade(engine)
    kapula = Kapula(make_session_factory(engine), clock, SafeScriptEngine())
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    done = kapula.start_case("Handoff_demo", {"customer": "Valmis Oy"})
    for data in ({}, {"needs_funding": False}, {}, {}):
        done = kapula.complete_task(done.ready_tasks[0].id, data, user="sek")
    waiting = kapula.start_case("Handoff_demo", {"customer": "Kesken Oy"})
    waiting = kapula.complete_task(waiting.ready_tasks[0].id, {})
    kapula.claim_task(waiting.ready_tasks[0].id, user="sek")
    timer = kapula.start_case("Handoff_demo", {"customer": "Ajastin Oy"})
    for data in ({}, {"needs_funding": True}, {}):
        timer = kapula.complete_task(timer.ready_tasks[0].id, data, user="ely")
    with engine.connect() as connection:
        rows = {name: [dict(r._mapping) for r in connection.execute(select(Base.metadata.tables[name]))] for name in CASE_TABLES}
    kapula.close()
    assert done.status is CaseStatus.COMPLETED and timer.next_timer_due is not None
    return rows, {"done": done.id, "waiting": waiting.id, "timer": timer.id}


def _insert_at_0001(engine: Engine, rows: dict[str, list[dict]]) -> None:
    """Plain inserts into the tables as revision 0001 made them (only the columns they had then)."""
    reflected = MetaData()
    reflected.reflect(engine, only=list(CASE_TABLES))
    with engine.begin() as connection:
        for name in CASE_TABLES:
            declared = Base.metadata.tables[name]
            then = Table(name, MetaData(), *[Column(c.name, declared.c[c.name].type) for c in reflected.tables[name].columns])
            connection.execute(then.insert(), [{k: v for k, v in r.items() if k in then.c} for r in rows[name]])
            if engine.dialect.name == "postgresql" and "id" in then.c:
                # explicit ids leave the sequence behind; a restored dump sets it the same way
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")
                )


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_0001_database_with_cases_upgrades_to_head_and_the_cases_go_on(engine, tmp_path, clock):
    rows, ids = _cases_of_the_old_release(f"sqlite:///{tmp_path / 'scratch.db'}", clock)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001" and "app_user" not in inspect(engine).get_table_names()
    _insert_at_0001(engine, rows)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    kapula = Kapula(make_session_factory(engine), clock, SafeScriptEngine())  # closed with the engine fixture
    assert [(e.seq, e.lifecycle.value, e.task_id) for e in kapula.history(ids["waiting"])] == [
        (r["seq"], r["lifecycle"], r["task_id"])
        for r in sorted(rows["event"], key=lambda r: r["seq"])
        if r["case_id"] == ids["waiting"]
    ]
    assert kapula.get_case(ids["done"]).status is CaseStatus.COMPLETED
    with kapula.sessions() as session:
        assert check_cases(SqlUnitOfWork(session)) == []

    (prepare,) = kapula.get_case(ids["waiting"]).ready_tasks
    assert (prepare.element_id, prepare.claimed_by) == ("Task_prepare", "sek")
    case = kapula.complete_task(prepare.id, {"needs_funding": False}, user="sek")
    for _ in range(2):
        case = kapula.complete_task(case.ready_tasks[0].id, {})
    assert case.status is CaseStatus.COMPLETED
    clock.advance(timedelta(days=3))
    assert kapula.fire_due_timers() == 1
    assert [t.element_id for t in kapula.get_case(ids["timer"]).ready_tasks] == ["Task_aftercare"]
    fresh = kapula.start_case("Handoff_demo")
    assert fresh.id > max(ids.values())
    Directory(kapula.sessions, clock).add_organisation("SEK")  # the tables added after 0001 work too
    with kapula.sessions() as session:
        assert check_cases(SqlUnitOfWork(session)) == []


@pytest.mark.parametrize("revision", ["0001", "head"])
def test_current_revision_says_where_the_database_is(engine, revision):
    assert current_revision(engine) is None
    upgrade(engine, revision)
    assert current_revision(engine) == (head_revision() if revision == "head" else revision)
