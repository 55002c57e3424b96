"""The lists' read model of the in-memory unit of work answers as the SQL one does (the access rules
as SQL conditions there, the pure rules in the fake): the fake is given the rows of the listing
tests' cases as stored, then every page, sort, filter and role must come out the same, on SQLite
and PostgreSQL (KAPULA_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from engine.model import CaseQuery, CaseStatus, TaskQuery
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import NewUser, NewVersion, StoredTask
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseRecord, CaseTaskRecord, TaskSpanRecord
from tests.e2e.conftest import quick_hashes  # noqa: F401  (fixture: argon2 at its smallest cost)
from tests.integration.test_listing import PEOPLE, callers, cases  # noqa: F401  (fixtures: the listing tests' cases)


@pytest.fixture
def units(kapula, clock, callers, cases) -> Iterator[tuple[SqlUnitOfWork, FakeUnitOfWork]]:  # noqa: F811
    """The SQL unit over the listing tests' cases, and a fake given the same rows. The oldest case
    moves on last, so waiting longest and being oldest differ."""
    clock.advance(hours=1)
    first = kapula.get_case(cases["at_customer"])
    kapula.complete_task(first.ready_tasks[0].id, {}, user="asiakas")
    session = kapula.sessions()
    session.begin()
    try:
        sql = SqlUnitOfWork(session)
        fake = FakeUnitOfWork()
        ids = list(session.scalars(select(CaseRecord.id).order_by(CaseRecord.id)))
        for case_id in ids:
            fake.case_reads.cases[case_id] = sql.case_reads.row(case_id)
            fake.events.rows += sql.events.of_case(case_id)
        columns = [getattr(CaseTaskRecord, name) for name in StoredTask.__dataclass_fields__]
        for row in session.execute(
            select(*columns, CaseTaskRecord.manual).order_by(CaseTaskRecord.case_id, CaseTaskRecord.ordinal)
        ):
            fake.case_reads.tasks[row.task_id] = (StoredTask(*row[:-1]), row.manual)
        S = TaskSpanRecord
        for case_id, since in session.execute(
            select(S.case_id, func.min(S.ready_at)).where(S.completed_at.is_(None), S.cancelled_at.is_(None)).group_by(S.case_id)
        ):
            fake.listing.waiting_since[case_id] = since
        for task_id, ready_at in session.execute(select(S.task_id, S.ready_at)):
            fake.listing.ready_at[task_id] = ready_at
        for name, (role, _org) in PEOPLE.items():
            fake.directory.users[name] = NewUser(name, name.title(), role, None, "h", ready_at)
        stored = sql.versions.find("Handoff_demo")
        fake.versions.stored.append(
            (
                stored,
                NewVersion(
                    "Handoff_demo", stored.process.version, stored.process.name, "h", "bpmn", "", stored.process.created_at, None
                ),
            )
        )
        yield sql, fake
    finally:
        session.rollback()
        session.close()


CASE_QUERIES = [
    CaseQuery(),
    CaseQuery(sort="newest"),
    CaseQuery(sort="oldest"),
    CaseQuery(sort="due"),
    CaseQuery(sort="process"),
    CaseQuery(status=CaseStatus.RUNNING),
    CaseQuery(status=CaseStatus.CANCELLED),
    CaseQuery(lane="SEK"),
    CaseQuery(text="kone"),
    CaseQuery(text="Ääni"),
    CaseQuery(text="#3"),
    CaseQuery(text="nothing like it"),
    CaseQuery(page=2, page_size=2),
    CaseQuery(page=9, page_size=3),
    CaseQuery(process_key="other"),
]
TASK_QUERIES = [
    TaskQuery(),
    TaskQuery(sort="newest"),
    TaskQuery(sort="due"),
    TaskQuery(sort="process"),
    TaskQuery(lane="SEK"),
    TaskQuery(claimed="free"),
    TaskQuery(claimed="mine"),
    TaskQuery(claimed="others"),
    TaskQuery(text="oy"),
    TaskQuery(page=2, page_size=1),
    TaskQuery(page=5, page_size=2),
]


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_page_and_role_answers_alike(units, callers, who):  # noqa: F811
    sql, fake = units
    principal = callers[who].principal
    for query in CASE_QUERIES:
        assert fake.listing.case_page(query, principal) == sql.listing.case_page(query, principal), query
    for task_query in TASK_QUERIES:
        assert fake.listing.task_page(task_query, principal) == sql.listing.task_page(task_query, principal), task_query
    for process_key, status in ((None, None), ("Handoff_demo", CaseStatus.RUNNING), ("other", None)):
        assert fake.listing.case_ids(process_key=process_key, status=status, principal=principal) == sql.listing.case_ids(
            process_key=process_key, status=status, principal=principal
        )
    for lane, process_key in ((None, None), ("SEK", None), (None, "Handoff_demo"), ("ELY", "other")):
        assert fake.listing.ready_tasks(
            lane=lane, case_id=None, process_key=process_key, principal=principal
        ) == sql.listing.ready_tasks(lane=lane, case_id=None, process_key=process_key, principal=principal)


def test_the_unfiltered_reads_answer_alike(units, cases):  # noqa: F811
    sql, fake = units
    ids = sorted(cases.values())
    assert fake.listing.case_ids(process_key=None, status=None, principal=None) == sorted(ids, reverse=True)
    for call in (
        lambda u: u.listing.case_ids(process_key=None, status=None, principal=None),
        lambda u: u.listing.ready_tasks(lane=None, case_id=None, process_key=None, principal=None),
        lambda u: u.listing.ready_tasks(lane=None, case_id=cases["at_sek"], process_key=None, principal=None),
        lambda u: u.listing.ready_of_cases(ids),
        lambda u: u.listing.ready_of_cases([]),
        lambda u: u.listing.customer_starters(ids),
    ):
        assert call(fake) == call(sql)
    assert set(fake.listing.customer_starters(ids)) == {
        cases[k] for k in ("at_customer", "other_customer", "at_ely", "timer", "cancelled")
    }
