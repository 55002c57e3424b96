"""policy.reads_case_log: when it says the task rules need no case log, they decide the same
without it (the service then reads neither the case's events nor its starter's role)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from engine.access import policy
from engine.access.policy import Principal, Role, TaskFacts
from engine.model import Event, Lifecycle

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
USERS = ("asiakas", "sek.a", "ely.b", "owner", "admin", "demo")
LANES = ("Asiakas", "Kund", "SEK", "ELY", "Novago", None)
KEYS = ("Handoff_demo", "Other")

principals = st.builds(
    Principal,
    username=st.sampled_from(USERS),
    display_name=st.just("x"),
    role=st.sampled_from(list(Role)),
    organisation=st.sampled_from(("SEK", "ELY", "Novago", None)),
    mapped_lanes=st.lists(st.tuples(st.sampled_from((None, *KEYS)), st.sampled_from(LANES[:-1])), max_size=2).map(tuple),
    owned_processes=st.frozensets(st.sampled_from(KEYS), max_size=2),
)
events = st.lists(
    st.builds(
        Event,
        case_id=st.just(7),
        seq=st.integers(1, 99),
        at=st.just(NOW),
        lifecycle=st.sampled_from((Lifecycle.CASE_STARTED, Lifecycle.TASK_READY, Lifecycle.TASK_COMPLETED)),
        lane=st.sampled_from(LANES),
        user=st.sampled_from((*USERS, None)),
    ),
    max_size=6,
)
facts = st.builds(
    TaskFacts,
    task_id=st.just("t1"),
    case_id=st.just(7),
    process_key=st.sampled_from(KEYS),
    lane=st.sampled_from(LANES),
    events=events,
    started_by_customer=st.booleans(),
    claimed_by=st.sampled_from((None, *USERS)),
)
RULES = (
    policy.sees_task,
    policy.task_refusal,
    policy.work_refusal,
    policy.message_refusal,
    policy.claim_refusal,
    policy.unclaim_refusal,
)


@given(principals, facts)
def test_the_rules_decide_the_same_without_the_case_log_when_they_need_none(principal, real):
    if policy.reads_case_log(principal, real.process_key, real.lane):
        return
    blank = TaskFacts(real.task_id, real.case_id, real.process_key, real.lane, [], False, real.claimed_by)
    for rule in RULES:
        assert rule(principal, blank) == rule(principal, real), rule.__name__


def test_an_advisor_in_their_lane_and_an_administrator_need_no_log_and_a_customer_does():
    sek = Principal("sek.a", "A", Role.ADVISOR, organisation="SEK")
    assert not policy.reads_case_log(sek, "Handoff_demo", "SEK")
    assert policy.reads_case_log(sek, "Handoff_demo", "Asiakas")  # on the customer's behalf: the starter matters
    assert policy.reads_case_log(sek, "Handoff_demo", "ELY")
    assert not policy.reads_case_log(Principal("admin", "A", Role.ADMINISTRATOR), "Handoff_demo", "ELY")
    assert policy.reads_case_log(Principal("asiakas", "C", Role.CUSTOMER), "Handoff_demo", "Asiakas")


@given(principals, st.sampled_from(KEYS), events)
def test_the_case_rule_decides_the_same_without_the_log_when_it_needs_none(principal, key, real):
    """policy.takes_part_reads_log: the case rule of administrators and owners is the key alone."""
    if policy.takes_part_reads_log(principal):
        return
    assert policy.case_refusal(principal, 7, key, []) == policy.case_refusal(principal, 7, key, real)
