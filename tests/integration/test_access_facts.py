"""The access rules read what they need of a case's log, not the whole of it: the start event and
the first event of each lane (policy.takes_part). A step's access check at round 600 of a loop
spent 90% of the step reading the whole log (found by a tester over HTTP)."""

from __future__ import annotations

from pathlib import Path

from engine.access import policy
from engine.access.policy import Principal, Role
from engine.persistence.sql import SqlUnitOfWork
from engine.services.gate import Caller, CaseFacts, operator

LOOP = Path(__file__).resolve().parents[1] / "fixtures" / "loops" / "rework_loop.bpmn"  # the shared long-loops case


def _loop_file() -> tuple[str, bytes]:
    return (LOOP.name, LOOP.read_bytes())


def test_the_access_facts_of_a_long_case_are_its_start_and_one_event_per_lane(kapula) -> None:
    (version,) = kapula.deploy([_loop_file()]).versions
    caller = Caller(operator("admin"))
    case = kapula.start_case(version.key, {}, caller=caller)
    for _ in range(60):
        case = kapula.complete_task(case.ready_tasks[0].id, {"accepted": False}, caller=caller)
    with kapula._reads() as session:
        full = CaseFacts(SqlUnitOfWork(session)).events(case.id)
        compact = CaseFacts(SqlUnitOfWork(session)).access_events(case.id)
    lanes = {e.lane for e in full if e.lane is not None}
    assert len(full) > 200 and len(compact) == len(lanes) + 1
    assert {e.lane for e in compact if e.lane is not None} == lanes
    for who in (
        Principal("b", "B", Role.ADVISOR, organisation="Office B"),
        Principal("x", "X", Role.ADVISOR, organisation="Muu"),
        Principal("c", "C", Role.CUSTOMER),
    ):
        assert policy.takes_part(who, version.key, compact) == policy.takes_part(who, version.key, full)
