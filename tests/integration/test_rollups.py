"""The rollups give the same metrics as the computation over the whole log, after random steps,
claims, cancellations, restarts, case migrations both ways between two versions, erasures and
rebuilds, on the company-visit model (SQLite, and PostgreSQL with KAPULA_DATABASE_URL)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.bundles import model_bundle
from engine.metrics.report import process_metrics
from engine.metrics.types import MetricsFilter
from engine.model import CaseStatus
from engine.persistence.database import make_engine
from engine.persistence.tables import CaseFactRecord, RollupStageRecord
from engine.rollups.ddl import REVISIONS, RollupSql
from engine.rollups.store import rebuild_rollups
from engine.spans.store import rebuild_spans
from tests.integration.test_case_migration import ANSWERS, MODEL, deploy_b
from tests.integration.test_reference_models import VISIT, VISIT_START

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 0)),
        st.tuples(st.sampled_from(["step", "step", "finish", "claim", "cancel", "erase"]), st.integers(0, 30)),
        st.tuples(st.sampled_from(["restart", "migrate", "back", "rebuild", "timers"]), st.integers(0, 0)),
        st.tuples(st.just("wait"), st.integers(1, 400)),
    ),
    min_size=1,
    max_size=25,
)


@contextmanager
def connected(url: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()


def same_figures(url: str, now) -> None:
    with connected(url) as conn:
        fast = process_metrics(conn, MetricsFilter(VISIT), now=now)
        full = process_metrics(conn, MetricsFilter(VISIT), now=now, full=True)
    assert fast.cases == full.cases
    assert fast.throughput == full.throughput
    assert fast.lead_time == full.lead_time
    assert fast.handoffs == full.handoffs
    assert fast.handoffs_per_case == full.handoffs_per_case
    assert fast.stuck == full.stuck
    # stages come in the order they first became ready; two lanes of one element may tie
    assert [s.element_id for s in fast.stages] == [s.element_id for s in full.stages]
    assert sorted(fast.stages, key=repr) == sorted(full.stages, key=repr)


class World:
    """The engine under test, reopened on a restart, and what a random run needs to remember."""

    def __init__(self, open_engine, clock) -> None:
        self.open_engine, self.clock = open_engine, clock
        self.kapula = open_engine()
        self.kapula.deploy(model_bundle(MODEL))
        self.cases: list[int] = [self.kapula.start_case(VISIT, VISIT_START, user="asiakas").id for _ in range(3)]
        self.has_b = False
        self.on_case("claim", self.cases[0])
        self.on_case("finish", self.cases[0])  # one completed case with handoffs from the start

    def case(self, n: int) -> int | None:
        return self.cases[n % len(self.cases)] if self.cases else None

    def do(self, action: str, n: int, url: str) -> None:
        k, clock = self.kapula, self.clock
        clock.advance(minutes=37)
        case_id = self.case(n)
        if action == "start":
            self.cases.append(k.start_case(VISIT, VISIT_START, user="asiakas").id)
        elif action == "wait":
            clock.advance(hours=n)
        elif action == "timers":
            clock.advance(days=15)
            k.fire_due_timers()
        elif action == "restart":
            self.kapula = self.open_engine()  # an empty case cache: the next steps load cold
        elif action == "migrate":
            if not self.has_b:
                deploy_b(k)
                self.has_b = True
            k.migrate_cases(VISIT, from_version=1, to_version=2)
        elif action == "back" and self.has_b:
            k.migrate_cases(VISIT, from_version=2, to_version=1, revert=True)
        elif action == "rebuild":
            engine = make_engine(url)
            with engine.begin() as conn:
                rebuild_spans(conn) if n % 2 else rebuild_rollups(conn, process_key=VISIT)
            engine.dispose()
            self.kapula = self.open_engine()
        elif case_id is not None:
            self.on_case(action, case_id)

    def on_case(self, action: str, case_id: int) -> None:
        k = self.kapula
        case = k.get_case(case_id)
        if case.status is not CaseStatus.RUNNING:
            if action == "erase":
                k.erase_personal_data(case_id, by="admin")
            return
        if action == "cancel":
            k.cancel_case(case_id)
        elif action == "erase":
            k.erase_personal_data(case_id, by="admin")
        elif action == "claim" and case.ready_tasks and case.ready_tasks[0].claimed_by is None:
            k.claim_task(case.ready_tasks[0].id, user="sek.neuvoja")
        elif action == "finish":
            for _ in range(12):  # on to the end, one step at a time
                if k.get_case(case_id).status is CaseStatus.RUNNING:
                    self.on_case("step", case_id)
        elif action in ("step", "claim") and case.ready_tasks:
            task = case.ready_tasks[0]
            k.complete_task(task.id, ANSWERS.get(task.element_id, {}), user="sek.neuvoja")
        elif case.next_timer_due is not None:
            self.clock.set(max(self.clock.now(), case.next_timer_due + timedelta(minutes=1)))
            k.fire_due_timers()


def test_rollup_metrics_equal_the_full_computation_after_random_runs(open_engine, clock, database_url):
    world = World(open_engine, clock)
    same_figures(database_url, clock.now())

    @settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(ACTIONS)
    def run(actions):
        for action, n in actions:
            world.do(action, n, database_url)
        same_figures(database_url, clock.now())

    run()
    with connected(database_url) as conn:  # the runs reached the interesting states
        cases = conn.execute(select(CaseFactRecord.lead_s, CaseFactRecord.handoffs)).all()
        stages = conn.execute(select(RollupStageRecord.element_id, RollupStageRecord.process_version_id)).all()
    assert any(lead is not None for lead, _ in cases) and any(h for _, h in cases)
    assert len({v for _, v in stages}) == 2 or not world.has_b


def _install_triggers(url: str, revision: int) -> None:
    """The rollup triggers as migration `revision` made them (engine.rollups.ddl.REVISIONS), on the
    head schema: the same trigger bodies migration 0014's database had, without running today's
    code on an old schema (a later migration's table, such as message_buffer, would be missing)."""
    with connected(url) as conn:
        current, wanted = RollupSql(conn.dialect.name), RollupSql(conn.dialect.name, revision)
        for statement in [*current.drop(), *wanted.install()]:
            conn.exec_driver_sql(statement)


def _triggers_made_by(url: str) -> int:
    """Which migration's rollup triggers the database has: 12 or 15 (engine.rollups.ddl.REVISIONS)."""
    with connected(url) as conn:
        if conn.dialect.name == "sqlite":
            names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
            return 15 if "rollup_span_insert_open" in names else 12
        body = conn.exec_driver_sql("SELECT prosrc FROM pg_proc WHERE oid = to_regproc('rollup_span')").scalar_one()
        return 15 if "OLD.element_type IS NOT DISTINCT FROM NEW.element_type" in body else 12


def test_the_triggers_of_0012_and_of_0015_keep_the_same_figures(open_engine, clock, database_url):
    world = World(open_engine, clock)
    steps = [("start", 0), ("claim", 3), ("step", 3), ("finish", 1), ("claim", 4), ("cancel", 2), ("step", 4), ("finish", 3)]
    for revision in REVISIONS:
        _install_triggers(database_url, revision)
        assert _triggers_made_by(database_url) == revision
        for action, n in steps:
            world.do(action, n, database_url)
        same_figures(database_url, clock.now())


def test_migration_0015_down_brings_back_the_triggers_of_0012_and_up_its_own(database_url):
    from alembic import command  # noqa: PLC0415

    from engine.persistence.migrate import alembic_config, upgrade  # noqa: PLC0415

    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    for revision, made_by in (("0014", 12), ("head", 15)):
        engine = make_engine(database_url)
        try:
            config = alembic_config(engine)
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                (command.downgrade if revision == "0014" else command.upgrade)(config, revision)
        finally:
            engine.dispose()
        assert _triggers_made_by(database_url) == made_by
