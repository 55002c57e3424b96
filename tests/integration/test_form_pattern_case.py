"""The shared case security/form-pattern: a form field with pattern `^([0-9]+-?)+[0-9]$` and 27
digits plus `x` as input is refused at once (RE2), never holding the write lock for long."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine.errors import DiagramError, InvalidDataError

SECURITY = Path(__file__).resolve().parents[1] / "fixtures" / "security"


def test_the_redos_input_is_refused_in_milliseconds_and_a_right_one_accepted(kapula):
    kapula.deploy([(n, (SECURITY / n).read_bytes()) for n in ("rt_redos.bpmn", "ytunnus.json")])
    case = kapula.start_case("rt_redos")
    (task,) = case.ready_tasks
    started = time.perf_counter()
    with pytest.raises(InvalidDataError) as caught:
        kapula.complete_task(task.id, {"ytunnus": "1" * 27 + "x"})
    assert time.perf_counter() - started < 5  # Python's re: about 25 s (the bound is loose for a loaded machine)
    assert list(caught.value.field_errors) == ["ytunnus"]
    assert kapula.complete_task(task.id, {"ytunnus": "1234567-8"}).status.value == "completed"


def test_a_form_whose_pattern_re2_cannot_run_is_refused_at_upload(kapula):
    bpmn = (SECURITY / "rt_redos.bpmn").read_bytes()
    form = b'{"type": "object", "properties": {"ytunnus": {"type": "string", "pattern": "^(\\\\d)\\\\1$"}}}'
    with pytest.raises(DiagramError) as caught:
        kapula.deploy([("rt_redos.bpmn", bpmn), ("ytunnus.json", form)])
    [issue] = [issue for issue in caught.value.issues if issue.file == "ytunnus.json"]
    assert issue.message.startswith("field 'ytunnus': the pattern '^(\\d)\\1$' uses back-references"), issue.message
    assert kapula.processes() == []


def test_forms_are_checked_before_the_write_transaction(kapula, monkeypatch):
    """A validation, however quick, never runs while the step holds the write lock."""
    import engine.services.cases as cases
    import engine.services.tasks as tasks

    kapula.deploy([(n, (SECURITY / n).read_bytes()) for n in ("rt_redos.bpmn", "ytunnus.json")])
    writing: list[bool] = []
    real = kapula._sessions

    class WatchedSessions:
        kw = real.kw

        def __call__(self, *args, **kwargs):
            return real(*args, **kwargs)

        @contextmanager
        def begin(self):
            writing.append(True)
            try:
                with real.begin() as session:
                    yield session
            finally:
                writing.pop()

    checked_while_writing: list[bool] = []
    for module in (cases, tasks):

        def watched(schema, data, _check=module.check_submission, **options):
            checked_while_writing.append(bool(writing))
            return _check(schema, data, **options)

        monkeypatch.setattr(module, "check_submission", watched)
    monkeypatch.setattr(kapula, "_sessions", WatchedSessions())
    case = kapula.start_case("rt_redos")
    with pytest.raises(InvalidDataError):
        kapula.complete_task(case.ready_tasks[0].id, {"ytunnus": "x"})
    kapula.complete_task(case.ready_tasks[0].id, {"ytunnus": "1234567-8"})
    assert checked_while_writing == [False, False, False]
