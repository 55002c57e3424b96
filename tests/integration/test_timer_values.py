"""Timer texts: ISO 8601 checked at upload, dates without an offset in the network's time zone,
bounded cycles (../shared/cases/engine/timer-values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import CaseStepError
from engine.expressions.timer_values import MAX_CYCLE_FIRINGS
from engine.model import CaseStatus, Lifecycle
from tests.conftest import FIXTURES, cannot_run

TIMERS = FIXTURES / "timers"
T0 = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)


def _read(name: str, replace: tuple[bytes, bytes] | None = None) -> tuple[str, bytes]:
    content = (TIMERS / name).read_bytes()
    if replace:
        content = content.replace(*replace)
    return name, content


def cycle(text: bytes) -> tuple[str, bytes]:
    return _read("cycle_no_r.bpmn", (b'"PT1H"', text))


def date_timer(text: bytes) -> tuple[str, bytes]:
    return _read("timer_naive.bpmn", (b'"2027-07-01T09:00:00"', text))


# -- the cases ------------------------------------------------------------------------------------


def test_a_date_without_offset_is_read_in_the_network_time_zone(kapula, clock, monkeypatch):
    monkeypatch.delenv("KAPULA_TIME_ZONE", raising=False)  # default Europe/Helsinki, +03:00 in July
    clock.set(T0)
    kapula.deploy([_read("timer_naive.bpmn")])
    case = kapula.start_case("Timer_date_naive")
    assert case.next_timer_due == datetime(2027, 7, 1, 6, 0, tzinfo=UTC)


def test_a_date_with_an_offset_is_due_at_that_moment(kapula, clock):
    clock.set(T0)
    kapula.deploy([_read("timer_offset.bpmn")])
    case = kapula.start_case("Timer_date_offset")
    assert case.next_timer_due == datetime(2027, 7, 1, 6, 0, tzinfo=UTC)
    clock.set(datetime(2027, 7, 1, 5, 59, tzinfo=UTC))
    assert kapula.fire_due_timers() == 0
    clock.set(datetime(2027, 7, 1, 6, 0, tzinfo=UTC))
    assert kapula.fire_due_timers() == 1
    assert [t.element_id for t in kapula.ready_tasks(case_id=case.id)] == ["Task_open"]


@pytest.mark.parametrize(
    ("zone", "text", "due"),
    [
        ("Europe/Helsinki", b'"2027-12-15T09:00:00"', datetime(2027, 12, 15, 7, 0, tzinfo=UTC)),  # winter, +02:00
        ("UTC", b'"2027-07-01T09:00:00"', datetime(2027, 7, 1, 9, 0, tzinfo=UTC)),
        ("America/New_York", b"2027-07-01T09:00:00", datetime(2027, 7, 1, 13, 0, tzinfo=UTC)),
        ("Europe/Helsinki", b"2027-07-01T09:00:00Z", datetime(2027, 7, 1, 9, 0, tzinfo=UTC)),
        ("Europe/Helsinki", b'"2027-07-01"', datetime(2027, 6, 30, 21, 0, tzinfo=UTC)),
    ],
)
def test_more_dates(kapula, clock, monkeypatch, zone, text, due):
    monkeypatch.setenv("KAPULA_TIME_ZONE", zone)
    clock.set(T0)
    kapula.deploy([date_timer(text)])
    assert kapula.start_case("Timer_date_naive").next_timer_due == due


def test_a_cycle_without_r_is_refused_at_upload_with_a_hint(kapula):
    info = cannot_run(kapula, [_read("cycle_no_r.bpmn")])
    [issue] = info.issues
    assert (issue.element_id, issue.line, issue.file) == ("Timer_remind", 8, "cycle_no_r.bpmn")
    assert issue.message.startswith("The timer of event 'Remind' (Timer_remind) is not a valid ISO 8601 repeating interval")
    assert "write R/PT1H to repeat it" in issue.message


@pytest.mark.parametrize(
    ("kind_text", "words"),
    [
        ((b'"PT1H"', b'"R/PT0S"'), "repeats every 0 s; the shortest interval is 60 s"),
        ((b'"PT1H"', b"R/PT10S"), "repeats every 10 s"),
        ((b'"PT1H"', b'"R1000/PT1H"'), f"repeats 1000 times; the limit is {MAX_CYCLE_FIRINGS}"),
        ((b'"PT1H"', b'"every hour"'), "is not an ISO 8601 repeating interval"),
        ((b'"PT1H"', b'"R/3027-01-01T00:00:00Z/PT1H"'), "starts more than 100 years ahead"),
    ],
)
def test_cycles_out_of_bounds_are_refused_at_upload(kapula, kind_text, words):
    info = cannot_run(kapula, [_read("cycle_no_r.bpmn", kind_text)])
    assert words in info.issues[0].message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b'"3027-07-01T09:00:00Z"', "more than 100 years ahead"),
        (b'"2027-13-01T09:00:00"', "is not an ISO 8601 date and time"),
        (b'"next monday"', "is not an ISO 8601 date and time"),
        (b"2027-07-01 at nine", "is not an ISO 8601 date and time"),
    ],
)
def test_dates_that_cannot_run_are_refused_at_upload(kapula, text, words):
    info = cannot_run(kapula, [date_timer(text)])
    assert words in info.issues[0].message
    assert info.issues[0].element_id == "Timer_day"


def test_a_bare_duration_and_a_bare_date_run_as_literals(kapula, clock):
    clock.set(T0)
    kapula.deploy([date_timer(b"2027-07-01T09:00:00+03:00")])
    assert kapula.start_case("Timer_date_naive").next_timer_due == datetime(2027, 7, 1, 6, 0, tzinfo=UTC)


# -- repeating cycles ---------------------------------------------------------------------------------


def test_a_cycle_fires_its_count_and_stops(kapula, clock):
    clock.set(T0)
    kapula.deploy([cycle(b"R2/PT1H")])
    case = kapula.start_case("Cycle_no_r")
    assert case.next_timer_due == T0 + timedelta(hours=1)
    fired = 0
    for _hour in range(5):
        clock.advance(hours=1)
        fired += kapula.fire_due_timers()
    assert fired == 2
    assert _reminders(kapula, case.id) == 2
    assert [t.element_id for t in kapula.ready_tasks(case_id=case.id)] == ["Task_handle"]


def test_an_unbounded_cycle_stops_after_the_maximum_number_of_firings(kapula, clock):
    clock.set(T0)
    kapula.deploy([cycle(b'"R/PT1M"')])
    case = kapula.start_case("Cycle_no_r")
    fired = 0
    for _minute in range(MAX_CYCLE_FIRINGS + 20):
        clock.advance(minutes=1)
        fired += kapula.fire_due_timers()
    assert fired == MAX_CYCLE_FIRINGS
    assert _reminders(kapula, case.id) == MAX_CYCLE_FIRINGS
    assert kapula.get_case(case.id).next_timer_due is None
    assert kapula.get_case(case.id).status is CaseStatus.RUNNING


def _reminders(kapula, case_id: int) -> int:
    return sum(1 for e in kapula.history(case_id) if e.element_id == "Script_remind" and e.lifecycle is Lifecycle.TASK_COMPLETED)


# -- values computed from case data are checked when the timer starts ---------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("soon", "'soon' is not an ISO 8601 date and time"),
        (42, "gave 42, not an ISO 8601 text"),
        ("3027-07-01T09:00:00Z", "more than 100 years ahead"),
    ],
)
def test_a_date_from_case_data_that_is_not_iso_8601_is_a_failed_step(kapula, clock, value, words):
    clock.set(T0)
    kapula.deploy([date_timer(b"seminar_day")])
    with pytest.raises(CaseStepError) as info:
        kapula.start_case("Timer_date_naive", {"seminar_day": value})
    assert "the timer of 'Seminar morning 9:00 Finnish time' (Timer_day) cannot run" in info.value.message
    assert words in info.value.message
    assert info.value.element_id == "Timer_day"
    assert kapula.cases() == []


def test_a_cycle_from_case_data_is_bounded_too(kapula, clock):
    clock.set(T0)
    kapula.deploy([cycle(b"every")])
    with pytest.raises(CaseStepError, match="repeats every 0 s; the shortest interval is 60 s"):
        kapula.start_case("Cycle_no_r", {"every": "R/PT0S"})
    case = kapula.start_case("Cycle_no_r", {"every": "R3/PT2H"})
    assert case.next_timer_due == T0 + timedelta(hours=2)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "its expression 'wait_for' cannot be evaluated on the case data (NameError: name 'wait_for' is not defined)"),
        ({"wait_for": {"days": 2}}, "its expression 'wait_for' gave {'days': 2}, not an ISO 8601 text"),
    ],
)
def test_a_timer_from_case_data_that_cannot_be_evaluated_names_the_timer_and_its_expression(kapula, clock, data, words):
    # the message itself names the timer (a log line or an incident's text is read without its fields)
    clock.set(T0)
    kapula.deploy([_read("timer_from_data.bpmn")])
    case = kapula.start_case("Timer_then_data", data)
    clock.set(T0 + timedelta(hours=2))
    assert kapula.fire_due_timers() == 0
    [incident] = kapula.incidents(case.id)
    assert incident.message == f"the timer of 'Wait more' (Timer_b) cannot run: {words}."
    assert (incident.element_id, incident.element_name) == ("Timer_b", "Wait more")


def test_a_timer_expression_that_fails_at_start_names_the_timer(kapula, clock):
    clock.set(T0)
    kapula.deploy([date_timer(b"seminar_day + 1")])
    with pytest.raises(CaseStepError) as info:
        kapula.start_case("Timer_date_naive", {"seminar_day": "x"})
    assert (
        "the timer of 'Seminar morning 9:00 Finnish time' (Timer_day) cannot run: its expression "
        "'seminar_day + 1' cannot be evaluated on the case data (TypeError: " in info.value.message
    )
    assert info.value.element_id == "Timer_day"
    assert kapula.cases() == []
