"""The inbox and the case lists are filtered, sorted and paged in the database, narrowed by the
access rules in SQL (engine/persistence/sql_listing.py): for every role they list exactly what the pure
rules of engine/access/policy.py allow (issue 15, item 6)."""

from __future__ import annotations

import json

import pytest

from engine.access import policy
from engine.access.directory import Directory
from engine.access.policy import Role, TaskFacts
from engine.errors import InvalidDataError
from engine.model import CaseQuery, CaseStatus, Lifecycle, TaskQuery
from engine.services.gate import Caller
from tests.conftest import BPMN, read
from tests.e2e.conftest import quick_hashes  # noqa: F401  (fixture: argon2 at its smallest cost)

PEOPLE = {
    "admin": (Role.ADMINISTRATOR, None),
    "omistaja": (Role.PROCESS_OWNER, "SEK"),
    "sek.neuvoja": (Role.ADVISOR, "SEK"),
    "sek.toinen": (Role.ADVISOR, "SEK"),
    "ely.neuvoja": (Role.ADVISOR, "Etelä-Pohjanmaan ELY-keskus"),
    "te.neuvoja": (Role.ADVISOR, "TE-toimisto"),
    "asiakas": (Role.CUSTOMER, None),
    "toinen.asiakas": (Role.CUSTOMER, None),
}


@pytest.fixture
def callers(kapula) -> dict[str, Caller]:
    d = Directory(kapula.sessions, kapula.clock)
    for org in ("SEK", "TE-toimisto"):
        d.add_organisation(org)
    d.add_organisation("Etelä-Pohjanmaan ELY-keskus", lanes=[(None, "ELY")])
    for name, (role, org) in PEOPLE.items():
        d.add_user(name, "salasana-123", role=role, organisation=org, display_name=name.title())
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), read("three_lanes.card.json")])
    d.claim_ownership(["Handoff_demo"], "SEK")
    return {name: Caller(d.principal(name), origin="test") for name in PEOPLE}


def _describe(kapula, case, user):
    return kapula.complete_task(case.ready_tasks[0].id, {}, user=user)


@pytest.fixture
def cases(kapula, clock, callers) -> dict[str, int]:
    """Cases at each place: the customer's lane, SEK, ELY, a timer, done, cancelled; started by
    customers, an advisor and a name that is no user."""
    out = {}
    out["at_customer"] = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas").id
    clock.advance(hours=1)
    out["other_customer"] = kapula.start_case("Handoff_demo", {"customer": "Teuvan Taimi Oy"}, user="toinen.asiakas").id
    clock.advance(hours=1)
    at_sek = _describe(kapula, kapula.start_case("Handoff_demo", {"customer": "Närpiön Ääni Ab"}, user="demo"), "demo")
    out["at_sek"] = at_sek.id
    clock.advance(hours=1)
    c = _describe(kapula, kapula.start_case("Handoff_demo", {"customer": "Jalasjärven Jalo Oy"}, user="asiakas"), "asiakas")
    out["at_ely"] = kapula.complete_task(c.ready_tasks[0].id, {"needs_funding": True}, user="sek.neuvoja").id
    clock.advance(hours=1)
    c = _describe(kapula, kapula.start_case("Handoff_demo", {"customer": "Kurikan Kone Oy"}, user="asiakas"), "asiakas")
    c = kapula.complete_task(c.ready_tasks[0].id, {"needs_funding": True}, user="sek.neuvoja")
    out["timer"] = kapula.complete_task(c.ready_tasks[0].id, {}, user="ely.neuvoja").id
    clock.advance(hours=1)
    out["by_advisor"] = kapula.start_case("Handoff_demo", {}, user="sek.neuvoja").id
    out["cancelled"] = kapula.start_case("Handoff_demo", {"customer": "Peruttu Oy"}, user="asiakas").id
    kapula.cancel_case(out["cancelled"])
    clock.advance(hours=1)
    kapula.claim_task(at_sek.ready_tasks[0].id, user="sek.neuvoja")
    return out


def _allowed(kapula, principal) -> tuple[set[int], set[str]]:
    """What the pure rules of engine.access.policy let `principal` see, case by case, task by task."""
    events = {c.id: kapula.history(c.id) for c in kapula.cases()}
    starters = {i: next(e.user for e in ev if e.lifecycle is Lifecycle.CASE_STARTED) for i, ev in events.items()}
    cases = {i for i, ev in events.items() if policy.takes_part(principal, kapula.get_case(i).process_key, ev)}
    tasks = {
        t.id
        for t in kapula.ready_tasks()
        if policy.sees_task(
            principal,
            TaskFacts(
                t.id,
                t.case_id,
                t.process_key,
                t.lane,
                events[t.case_id],
                PEOPLE.get(starters[t.case_id], (None,))[0] is Role.CUSTOMER,
                t.claimed_by,
            ),
        )
    }
    return cases, tasks


@pytest.mark.parametrize("name", list(PEOPLE))
def test_each_role_lists_exactly_what_the_rules_allow(kapula, callers, cases, name):
    caller = callers[name]
    allowed_cases, allowed_tasks = _allowed(kapula, caller.principal)
    assert allowed_cases or name == "te.neuvoja"
    listed = kapula.case_list(CaseQuery(page_size=100), caller=caller)
    assert {r.id for r in listed.rows} == allowed_cases and listed.total == len(allowed_cases)
    assert {c.id for c in kapula.cases(caller=caller)} == allowed_cases
    tasks = kapula.task_list(TaskQuery(page_size=100), caller=caller)
    assert {r.task.id for r in tasks.rows} == allowed_tasks and tasks.total == len(allowed_tasks)
    assert {t.id for t in kapula.ready_tasks(caller=caller)} == allowed_tasks


def test_the_rules_differ_by_role(kapula, callers, cases):
    def ids(name):
        return {r.id for r in kapula.case_list(CaseQuery(page_size=100), caller=callers[name]).rows}

    assert ids("asiakas") == {cases[k] for k in ("at_customer", "at_ely", "timer", "cancelled")}
    assert ids("te.neuvoja") == set()
    assert cases["at_ely"] in ids("ely.neuvoja") and cases["at_customer"] not in ids("ely.neuvoja")
    # an advisor works the customer's lane of a case no customer user started
    by_advisor = [
        r for r in kapula.task_list(TaskQuery(), caller=callers["sek.neuvoja"]).rows if r.task.case_id == cases["by_advisor"]
    ]
    assert [r.task.lane for r in by_advisor] == ["Asiakas"]


def test_a_row_says_who_the_customer_is_where_the_case_waits_and_since_when(kapula, clock, callers, cases):
    rows = {r.id: r for r in kapula.case_list(CaseQuery(page_size=100), caller=callers["admin"]).rows}
    at_ely = rows[cases["at_ely"]]
    assert (at_ely.customer, at_ely.process_name, at_ely.lanes) == (
        "Jalasjärven Jalo Oy",
        "Yrityskäynti ja kapulan vaihto",
        ("ELY",),
    )
    assert at_ely.waiting_since is not None and at_ely.waiting_since < clock.now()
    timer = rows[cases["timer"]]
    assert timer.tasks == () and timer.due is not None and timer.due > clock.now()
    assert rows[cases["cancelled"]].waiting_since is None and rows[cases["cancelled"]].status is CaseStatus.CANCELLED
    # no customer in the data: the starter, when a customer user
    assert rows[cases["by_advisor"]].customer is None


def test_filters_by_process_status_lane_and_text(kapula, callers, cases):
    admin = callers["admin"]

    def ids(**query):
        return {r.id for r in kapula.case_list(CaseQuery(page_size=100, **query), caller=admin).rows}

    assert ids(status=CaseStatus.CANCELLED) == {cases["cancelled"]}
    assert ids(lane="SEK") == {cases["at_sek"]}
    assert ids(lane="Asiakas") == {cases["at_customer"], cases["other_customer"], cases["by_advisor"]}
    assert ids(text="konepaja") == {cases["at_customer"]}
    assert ids(text="Närpiön Ääni") == {cases["at_sek"]}  # non-ASCII letters as the data stores them
    assert ids(text=f"#{cases['timer']}") == {cases["timer"]}
    assert ids(text="kapulan vaihto") == set(cases.values())  # the process's name
    assert ids(text="YRITYSKÄYNTI") == set(cases.values())
    assert ids(text="ääni") == {cases["at_sek"]}
    assert ids(text="100%_") == set()  # LIKE's wildcards are plain text
    assert ids(process_key="Nope") == set()


def test_the_inbox_filters_by_claim_lane_and_text(kapula, callers, cases):
    sek = callers["sek.neuvoja"]

    def cases_of(caller=sek, **query):
        return [r.task.case_id for r in kapula.task_list(TaskQuery(page_size=100, **query), caller=caller).rows]

    assert cases_of(claimed="mine") == [cases["at_sek"]]
    assert cases_of(caller=callers["sek.toinen"], claimed="others") == [cases["at_sek"]]
    assert cases["at_sek"] not in cases_of(claimed="free")
    assert cases_of(lane="SEK") == [cases["at_sek"]]
    assert cases_of(text="ääni") == [cases["at_sek"]]
    with pytest.raises(InvalidDataError) as bad:
        kapula.task_list(TaskQuery(claimed="somebody"), caller=sek)
    assert bad.value.field_errors == {"claimed": "unknown"}


def test_sorting_and_paging(kapula, clock, callers, cases):
    admin = callers["admin"]
    waiting = kapula.case_list(CaseQuery(sort="waiting", page_size=100), caller=admin).rows
    since = [r.waiting_since for r in waiting]
    open_ = [s for s in since if s is not None]
    assert open_ == sorted(open_) and since[len(open_) :] == [None] * (len(since) - len(open_))
    assert [r.id for r in kapula.case_list(CaseQuery(sort="newest", page_size=100), caller=admin).rows] == sorted(
        cases.values(), reverse=True
    )
    assert kapula.case_list(CaseQuery(sort="due"), caller=admin).rows[0].id == cases["timer"]
    first = kapula.case_list(CaseQuery(sort="oldest", page_size=3), caller=admin)
    second = kapula.case_list(CaseQuery(sort="oldest", page_size=3, page=2), caller=admin)
    past = kapula.case_list(CaseQuery(sort="oldest", page_size=3, page=99), caller=admin)
    assert (first.total, first.pages, len(first.rows), second.page, past.page) == (7, 3, 3, 2, 3)
    assert [r.id for r in first.rows + second.rows + past.rows] == sorted(cases.values())
    oldest_task = kapula.task_list(TaskQuery(sort="waiting"), caller=admin).rows[0]
    assert oldest_task.task.case_id == cases["at_customer"]


@pytest.mark.parametrize(
    "query, field",
    [
        (CaseQuery(sort="x"), "sort"),
        (CaseQuery(page=0), "page"),
        (CaseQuery(page_size=101), "page_size"),
        (CaseQuery(text="x" * 201), "text"),
    ],
)
def test_bad_queries_name_the_field(kapula, callers, query, field):
    with pytest.raises(InvalidDataError) as bad:
        kapula.case_list(query, caller=callers["admin"])
    assert list(bad.value.field_errors) == [field]


def test_each_listed_case_is_in_the_access_log(kapula, callers, cases):
    page = kapula.case_list(CaseQuery(page_size=2, sort="oldest"), caller=callers["asiakas"])
    logged = [(e.case_id, e.action) for e in kapula.access_log(user="asiakas")]
    assert logged == [(r.id, "list") for r in page.rows]


def test_the_card_fixture_offers_the_process(kapula):
    assert json.loads((BPMN / "three_lanes.card.json").read_text())["customer_can_start"] is True


def _statements(kapula, action) -> int:
    from sqlalchemy import event

    engine = kapula.sessions.kw["bind"]
    count = 0

    def seen(*_args) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count


@pytest.mark.parametrize("name", ["admin", "sek.neuvoja", "asiakas"])
def test_a_page_costs_the_same_whatever_the_number_of_cases(kapula, callers, cases, name):
    """The database filters, counts and pages: the statements a page runs do not grow with the
    cases behind it (a filter in Python over every row would read each one)."""
    caller = callers[name]

    def pages():
        kapula.case_list(CaseQuery(page_size=3), caller=caller)
        kapula.task_list(TaskQuery(page_size=3), caller=caller)

    def more(n):
        for i in range(n):
            kapula.start_case("Handoff_demo", {"customer": f"Lisä {i} Oy"}, user="asiakas" if i % 2 else "demo")

    more(8)  # full pages of each list for every role
    before = _statements(kapula, pages)
    more(40)
    assert _statements(kapula, pages) == before


def test_the_ready_task_reads_go_along_the_ready_index(database_url, backend):
    """ix_case_task_ready holds only the user tasks ready to work on (a step moving other tasks
    between states writes none of its pages); the reads name its condition with the same literals,
    the inbox's and a case's ready tasks alike."""
    from sqlalchemy import and_, create_engine, select

    from engine.persistence.migrate import upgrade
    from engine.persistence.sql_listing import _READY_USER_TASK
    from engine.persistence.sql_reads import _user_tasks_in
    from engine.persistence.tables import READY_STATE, CaseTaskRecord
    from engine.runtime.states import READY

    assert READY_STATE == READY
    engine = create_engine(database_url)
    upgrade(engine)
    plans = []
    with engine.connect() as conn:
        if backend == "postgresql":  # an empty table: only an index the planner cannot use is never chosen
            conn.exec_driver_sql("SET enable_seqscan = off")
        for condition in (
            _READY_USER_TASK,
            _user_tasks_in(READY_STATE),
            and_(CaseTaskRecord.case_id == 7, _READY_USER_TASK),
            and_(CaseTaskRecord.case_id == 7, _user_tasks_in(READY_STATE)),
        ):
            compiled = select(CaseTaskRecord.task_id).where(condition).order_by(CaseTaskRecord.ordinal).compile(engine)
            if backend == "sqlite":
                values = tuple(compiled.params[name] for name in compiled.positiontup or ())
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), values)
                plans.append(" ".join(str(r[3]) for r in rows))
            else:
                rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
                plans.append(" ".join(str(r[0]) for r in rows))
    engine.dispose()
    assert all("ix_case_task_ready" in plan for plan in plans), plans
    # a case's ready tasks: one search by the case, in order, not a walk of every ready task (0018)
    for plan in plans[2:]:
        assert "case_id" in plan, plan
        if backend == "sqlite":
            assert "TEMP B-TREE" not in plan, plan
