"""Issue 14 item 2: a case restores from its open part (case_state.open_part) exactly as from all of
its task rows: after random steps, restarts, timers and erasures, an engine restoring open parts and
one restoring every row show the same ready tasks, data, waiting events, history and status, and the
open part agrees task by task with the full restore of the same rows."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, text

from engine.consistency import check_cases
from engine.errors import KapulaError
from engine.persistence.database import make_engine, make_session_factory
from engine.persistence.migrate import upgrade
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseRecord, CaseTaskRecord
from engine.runtime.case_state import OPEN_PART_KEY, PREDICTED_KEY, all_tasks, restore_live_case, task_dict
from engine.runtime.script_engine import SafeScriptEngine
from engine.services import Kapula
from tests.conftest import _postgres_url
from tests.walk import DIAGRAMS as DIAGRAMS_EVERY
from tests.walk import REPO, bundle_of, case_data, label, names_in

FIXTURES = REPO / "tests" / "fixtures"
DIAGRAMS = [
    FIXTURES / "loops" / "exclusive_loop.bpmn",
    FIXTURES / "loops" / "rework_loop.bpmn",
    FIXTURES / "loops" / "inclusive_loop.bpmn",
    FIXTURES / "loops" / "three_way_loop.bpmn",
    FIXTURES / "loops" / "subprocess_loop.bpmn",  # has subprocesses: always every row
    FIXTURES / "bpmn" / "loop.bpmn",
    FIXTURES / "bpmn" / "timer_boundary.bpmn",
    FIXTURES / "bpmn" / "event_gateway_timers.bpmn",
    FIXTURES / "multi_instance" / "statements.bpmn",
    FIXTURES / "bpmn" / "three_lanes.bpmn",
]
NAMES = ["accepted", "again", "parts", "a", "b", "customer", "amount", "need"]
VALUE = st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from(["x", "A", "B", "C", "a", "b"]))
DATA = st.dictionaries(st.sampled_from(NAMES), VALUE, max_size=3)
ACTION = st.one_of(
    st.tuples(st.just("complete"), st.integers(0, 5), DATA),
    st.tuples(st.just("complete"), st.integers(0, 5), DATA),
    st.tuples(st.just("restart"), st.just(0), st.just({})),
    st.tuples(st.just("timers"), st.integers(1, 9), st.just({})),
    st.tuples(st.just("erase"), st.just(0), st.sampled_from([{"f": ["customer"]}, {"f": ["accepted", "a"]}])),
)


@pytest.fixture
def reference(tmp_path: Path, clock: Any) -> Iterator[Kapula]:
    """An engine on a database of its own (timers fire for every case of a database) that always
    restores every task row."""
    pg = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg) if pg else None
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'reference.db'}"
    engine = make_engine(url)
    upgrade(engine)
    kapula = Kapula(make_session_factory(engine), clock, SafeScriptEngine())
    kapula._store.restore_open_part = False
    yield kapula
    kapula.close()
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _outcome(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except KapulaError as error:
        return type(error).__name__


def _seen(kapula: Any, case_id: int) -> Any:
    """What a user or a caller can observe of the case, without ids that differ between engines."""
    case = kapula.get_case(case_id)
    ready = sorted((t.element_id, json.dumps(t.data, sort_keys=True, default=str)) for t in kapula.ready_tasks(case_id=case_id))
    history = [(e.lifecycle, e.element_id, json.dumps(e.changed, sort_keys=True, default=str)) for e in kapula.history(case_id)]
    waiting = sorted((w.element_id, w.kind, str(w.due), w.message) for w in case.waiting_for)
    return case.status, json.dumps(case.data, sort_keys=True, default=str), ready, waiting, history


def _open_part_agrees_with_every_row(kapula: Any, case_id: int) -> bool:
    """The open-part restore against the restore of every row of the same case; True if it had an open part."""
    bundle, header, rows, next_ordinal = _stored(kapula, case_id)
    full = restore_live_case(bundle, header, rows, None).workflow
    registry = bundle.serializer.registry
    for _wf_id, task in all_tasks(full):  # the step's fast task_dict writes what SpiffWorkflow's converter would
        assert task_dict(task, registry) == registry.convert(task)
    part = json.loads(header).get(OPEN_PART_KEY)
    if not part:
        return False
    kept = set(part["ids"])
    fast = restore_live_case(bundle, header, [r for r in rows if r[0] in kept], None, next_ordinal=next_ordinal)
    opened = {t.id for t in full.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)}
    assert opened <= set(fast.workflow.tasks)
    for task in fast.workflow.tasks.values():
        twin = full.tasks[task.id]
        assert (task.state, task.task_spec.name, task._children) == (twin.state, twin.task_spec.name, twin._children)
        assert task.data == twin.data and task.internal_data == twin.internal_data
        assert task._parent == twin._parent or task is fast.workflow.task_tree
    assert fast.workflow.data == full.data and fast.workflow.last_task.id == full.last_task.id
    assert fast.next_ordinal == max(r[2] for r in rows) + 1 or fast.next_ordinal > max(r[2] for r in rows)
    return True


def _problems(kapula: Any) -> list[str]:
    with kapula._sessions() as session:
        return sorted(re.sub(r"[0-9a-f-]{36}", "<task>", p.problem) for p in check_cases(SqlUnitOfWork(session)))


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda p: p.name)
def test_open_part_restores_behave_as_full_restores(open_engine, reference, clock, diagram: Path):
    fast, full = open_engine(), reference
    deployed = fast.deploy(bundle_of(diagram))
    full.deploy(bundle_of(diagram))
    key = next(v.key for v in deployed.versions if v.runnable)
    used_open_parts = []

    @settings(max_examples=6, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        start=DATA,
        offices=st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3),
        actions=st.lists(ACTION, min_size=5, max_size=25),
    )
    def walk(start: dict[str, Any], offices: list[str], actions: list[tuple[str, int, dict[str, Any]]]) -> None:
        start = {**start, "offices": offices}  # statements.bpmn's multi-instance input
        cases = [_outcome(lambda k=kapula: k.start_case(key, dict(start))) for kapula in (fast, full)]
        assert type(cases[0]) is type(cases[1])
        if isinstance(cases[0], str):
            return
        ids = [c.id for c in cases]
        for kind, number, data in actions:
            if kind == "restart":
                fast._store.cache.clear()
                full._store.cache.clear()
            elif kind == "timers":
                clock.advance(timedelta(hours=number * 7))
                assert _outcome(fast.fire_due_timers) == _outcome(full.fire_due_timers)
            elif kind == "erase":
                for kapula, case_id in zip((fast, full), ids, strict=True):
                    _outcome(lambda k=kapula, c=case_id, d=data: k.erase_personal_data(c, fields=d["f"], by="dpo"))
            else:
                got = []
                for kapula, case_id in zip((fast, full), ids, strict=True):
                    tasks = sorted(kapula.ready_tasks(case_id=case_id), key=lambda t: t.element_id)
                    task = tasks[number % len(tasks)] if tasks else None
                    got.append(
                        None
                        if task is None
                        else _outcome(lambda k=kapula, t=task, d=data: k.complete_task(t.id, dict(d), user="u").status)
                    )
                    fast._store.cache.clear()  # every step of the fast engine starts from a cold load
                assert got[0] == got[1]
            assert _seen(fast, ids[0]) == _seen(full, ids[1])
            used_open_parts.append(_open_part_agrees_with_every_row(fast, ids[0]))

    walk()
    # the full task rows tell the events' story as well as the reference's do (the multi-instance
    # diagram's reference has problems of its own: instance rows that SpiffWorkflow dropped)
    assert _problems(fast) == _problems(full)
    if diagram.name != "subprocess_loop.bpmn":
        assert any(used_open_parts)  # the open part was really written and restored from


def test_an_open_part_too_big_to_list_is_not_written_and_the_case_restores_from_every_row(kapula, monkeypatch):
    import engine.runtime.case_state as case_state

    monkeypatch.setattr(case_state, "_OPEN_PART_MAX", 1)
    kapula.deploy(bundle_of(FIXTURES / "bpmn" / "loop.bpmn"))
    case = kapula.start_case("Loop_demo", {"customer": "Oy A"})
    for round_ in range(3):
        (task,) = kapula.ready_tasks(case_id=case.id)
        kapula.complete_task(task.id, {"again": True, "round": round_})
    with kapula._sessions() as session:
        assert json.loads(session.get(CaseRecord, case.id).header_json)[OPEN_PART_KEY] is None
    kapula._store.cache.clear()
    (task,) = kapula.ready_tasks(case_id=case.id)
    assert kapula.complete_task(task.id, {"again": False}).data == {"customer": "Oy A", "again": False, "round": 2}


# Predicted tasks (SpiffWorkflow's LIKELY and MAYBE guesses at a case's path) have no task rows: the
# header holds them (case_state.PREDICTED_KEY). The warm case, the restore of its rows (every row or
# the open part) and the restore of the same case stored the way cases were before (predicted rows,
# no PREDICTED_KEY) are the same tree, task by task, ids included.
PREDICTED = TaskState.LIKELY | TaskState.MAYBE


def _stored(kapula: Any, case_id: int) -> tuple[Any, str, list[tuple[Any, ...]], int]:
    with kapula._sessions() as session:
        record = session.get(CaseRecord, case_id)
        version = kapula._store._versions.get(SqlUnitOfWork(session).versions, record.process_version_id)
        rows = [
            tuple(r)
            for r in session.execute(
                select(CaseTaskRecord.task_id, CaseTaskRecord.workflow_id, CaseTaskRecord.ordinal, CaseTaskRecord.body)
                .where(CaseTaskRecord.case_id == case_id)
                .order_by(CaseTaskRecord.ordinal)
            ).all()
        ]
        return version.bundle, record.header_json, rows, record.next_ordinal


def _tree(live: Any) -> dict[Any, Any]:
    """Every task of a live case as comparable values, with the case's own fields."""
    registry = live.bundle.serializer.registry
    tasks = {
        (wf_id, task.id): (
            task.state,
            task.task_spec.name,
            task._parent,
            list(task._children),
            task.triggered,
            task.last_state_change,
            json.dumps(task.data, sort_keys=True, default=repr),
            json.dumps(registry.convert(task.internal_data), sort_keys=True, default=repr),
            live.ordinals.get(task.id),
        )
        for wf_id, task in all_tasks(live.workflow)
    }
    workflow = live.workflow
    tasks["case"] = (
        json.dumps(workflow.data, sort_keys=True, default=repr),
        workflow.last_task.id if workflow.last_task is not None else None,
        workflow.completed,
        workflow.success,
        sorted(workflow.subprocesses),
        sorted(live.unstored),
    )
    return tasks


def _restored_equals_warm(warm: Any, case_id: int) -> None:
    """The warm case of engine `warm` against the restores of its rows."""
    entry = warm._store.cache._entries.get(case_id)
    bundle, header, rows, next_ordinal = _stored(warm, case_id)
    restored = restore_live_case(bundle, header, rows, None)
    assert not [r for r in rows if r[1] == "" and json.loads(r[3])["state"] & PREDICTED]  # no predicted task has a row
    if entry is not None:  # a running case: the engine keeps it warm
        live = entry[1]
        restored_tree, warm_tree = _tree(restored), _tree(live)
        assert restored_tree == warm_tree, {k: (v, warm_tree.get(k)) for k, v in restored_tree.items() if warm_tree.get(k) != v}
        assert restored.next_ordinal <= live.next_ordinal
    part = json.loads(header).get(OPEN_PART_KEY)
    if part:
        fast = restore_live_case(bundle, header, [r for r in rows if r[0] in set(part["ids"])], None, next_ordinal=next_ordinal)
        full = _tree(restored)
        for key, value in _tree(fast).items():
            if key != "case" and fast.workflow.tasks.get(key[1]) is not fast.workflow.task_tree:
                assert value == full[key]
        assert {t.id for t in fast.workflow.tasks.values() if t.has_state(PREDICTED)} == restored.unstored


def _store_as_before(kapula: Any, case_id: int) -> None:
    """Rewrite the case as cases were stored before predicted tasks left the task rows: a row for each
    predicted task, no PREDICTED_KEY in the header, their ids in the open part's list."""
    bundle, header, rows, _next = _stored(kapula, case_id)
    dct = json.loads(header)
    predicted = dct.pop(PREDICTED_KEY, None) or []
    if dct.get(OPEN_PART_KEY):
        dct[OPEN_PART_KEY]["ids"] += [body["id"] for _ordinal, body in predicted]
    specs = bundle.spec.task_specs
    with kapula._sessions() as session, session.begin():
        session.execute(CaseRecord.__table__.update().where(CaseRecord.id == case_id).values(header_json=json.dumps(dct)))
        for ordinal, body in predicted:
            spec = specs[body["task_spec"]]
            session.execute(
                CaseTaskRecord.__table__.insert().values(
                    case_id=case_id,
                    task_id=body["id"],
                    workflow_id="",
                    ordinal=ordinal,
                    state=body["state"],
                    manual=bool(spec.manual),
                    element_id=getattr(spec, "bpmn_id", None),
                    lane=None,
                    body=json.dumps(body),
                )
            )
    before = restore_live_case(bundle, header, rows, None)
    bundle2, header2, rows2, _n = _stored(kapula, case_id)
    old = restore_live_case(bundle2, header2, rows2, None)
    assert not old.unstored
    tree_old, tree_new = _tree(old), _tree(before)
    tree_old["case"], tree_new["case"] = tree_old["case"][:-1], tree_new["case"][:-1]
    assert tree_old == tree_new


@pytest.mark.parametrize("diagram", DIAGRAMS_EVERY, ids=label)
def test_a_case_restored_from_its_rows_is_the_warm_case(open_engine, reference, clock, diagram: Path):
    """Random steps on every diagram: after each, the warm case equals the restore of its rows (every
    row and the open part); an engine that restores the case before every step (sometimes from rows
    stored the way they were before predicted tasks left them) sees the same events, data, tasks."""
    cold, warm = open_engine(), reference
    deployed = _outcome(lambda: cold.deploy(bundle_of(diagram)))
    if isinstance(deployed, str):
        return
    warm.deploy(bundle_of(diagram))
    keys = [v.key for v in deployed.versions if v.runnable]
    names = names_in(diagram)
    step = st.one_of(
        st.tuples(st.just("complete"), st.integers(0, 5), case_data(names)),
        st.tuples(st.just("complete"), st.integers(0, 5), case_data(names)),
        st.tuples(st.just("complete"), st.integers(0, 5), case_data(names)),
        st.tuples(st.just("timers"), st.integers(1, 30), st.just({})),
        st.tuples(st.just("as_before"), st.just(0), st.just({})),
        st.tuples(st.just("erase"), st.just(0), st.just({})),
    )

    @settings(
        max_examples=3,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure prints its differences
    )
    @given(start=case_data(names), actions=st.lists(step, min_size=3, max_size=14))
    def walk(start: dict[str, Any], actions: list[tuple[str, int, dict[str, Any]]]) -> None:
        for key in keys:
            cases = [_outcome(lambda k=kapula, key=key: k.start_case(key, dict(start))) for kapula in (cold, warm)]
            assert type(cases[0]) is type(cases[1])
            if isinstance(cases[0], str):
                continue
            ids = [c.id for c in cases]
            _restored_equals_warm(warm, ids[1])
            for kind, number, data in actions:
                cold._store.cache.clear()
                if kind == "timers":
                    clock.advance(timedelta(hours=number * 7))
                    assert _outcome(cold.fire_due_timers) == _outcome(warm.fire_due_timers)
                elif kind == "as_before":
                    _store_as_before(cold, ids[0])
                elif kind == "erase" and names:
                    for kapula, case_id in zip((cold, warm), ids, strict=True):
                        _outcome(lambda k=kapula, c=case_id: k.erase_personal_data(c, fields=names[:2], by="dpo"))
                elif kind == "complete":
                    got = []
                    for kapula, case_id in zip((cold, warm), ids, strict=True):
                        tasks = sorted(
                            kapula.ready_tasks(case_id=case_id),
                            key=lambda t: (t.element_id, json.dumps(t.data, sort_keys=True, default=str)),
                        )
                        task = tasks[number % len(tasks)] if tasks else None
                        got.append(
                            None
                            if task is None
                            else _outcome(lambda k=kapula, t=task, d=data: k.complete_task(t.id, dict(d), user="u").status)
                        )
                    assert got[0] == got[1]
                assert _seen(cold, ids[0]) == _seen(warm, ids[1])
                _restored_equals_warm(warm, ids[1])

    walk()
    assert _problems(cold) == _problems(warm)


def test_a_case_stored_with_predicted_rows_drops_them_at_its_next_step(kapula):
    kapula.deploy(bundle_of(FIXTURES / "bpmn" / "loop.bpmn"))
    case = kapula.start_case("Loop_demo", {"customer": "Oy A"})
    for round_ in range(3):
        (task,) = kapula.ready_tasks(case_id=case.id)
        kapula.complete_task(task.id, {"again": True, "round": round_})
    _store_as_before(kapula, case.id)
    kapula._store.cache.clear()

    def predicted_rows() -> int:
        with kapula._sessions() as session:
            states = session.scalars(select(CaseTaskRecord.state).where(CaseTaskRecord.case_id == case.id)).all()
        return sum(1 for s in states if s & PREDICTED)

    assert predicted_rows() > 0
    (task,) = kapula.ready_tasks(case_id=case.id)
    kapula.complete_task(task.id, {"again": True, "round": 3})
    assert predicted_rows() == 0
    with kapula._sessions() as session:
        header = json.loads(session.get(CaseRecord, case.id).header_json)
    assert header[PREDICTED_KEY]  # the path past the gateway, guessed again
    kapula._store.cache.clear()
    (task,) = kapula.ready_tasks(case_id=case.id)
    assert kapula.complete_task(task.id, {"again": False}).data == {"customer": "Oy A", "again": False, "round": 3}
    assert _problems(kapula) == []
