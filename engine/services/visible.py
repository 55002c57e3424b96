"""The access rules of engine.access.policy as SQL conditions, so that a list is narrowed, counted,
sorted and paged by the database (issue 15, item 6) instead of in Python over every row.

Each condition is the SQL form of one pure rule: `cases_seen` of `policy.takes_part`, `tasks_seen`
of `policy.sees_task`. Lanes are matched by the names the versions declare (their actors), chosen
by `policy.owns_lane` itself, so a lane rule lives in one place. The lists re-check each row of the
page with the pure rules (tests/integration/test_listing.py holds them equal).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import Session

from engine.access import policy
from engine.access.policy import Principal, Role
from engine.model import Lifecycle
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord, ProcessVersionRecord, UserRecord

_STARTED = Lifecycle.CASE_STARTED.value


def started_by(username: str) -> ColumnElement[bool]:
    """The case (CaseRecord in the outer query) was started by `username`."""
    return exists().where(EventRecord.case_id == CaseRecord.id, EventRecord.lifecycle == _STARTED,
                          EventRecord.user_name == username)


def started_by_a_customer() -> ColumnElement[bool]:
    """The case's starter is a customer user here (gate.started_by_customer)."""
    return exists().where(EventRecord.case_id == CaseRecord.id, EventRecord.lifecycle == _STARTED,
                          UserRecord.username == EventRecord.user_name, UserRecord.role == Role.CUSTOMER.value)


def own_lanes(session: Session, principal: Principal) -> dict[str, set[str]]:
    """Per process key, the lanes of its versions that the principal works (policy.owns_lane)."""
    lanes: dict[str, set[str]] = {}
    for key, actors in session.execute(select(ProcessVersionRecord.key, ProcessVersionRecord.actors_json)):
        for lane in json.loads(actors):
            if policy.owns_lane(principal, key, lane):
                lanes.setdefault(key, set()).add(lane)
    return lanes


def customer_lanes(session: Session) -> set[str]:
    """Every lane name of any version that is the customer's (vocabulary.is_customer_lane)."""
    names = {lane for (actors,) in session.execute(select(ProcessVersionRecord.actors_json)) for lane in json.loads(actors)}
    return {lane for lane in names if policy.is_customer_lane(lane)}


def _in_lanes(lanes: dict[str, set[str]], lane_column: Any) -> ColumnElement[bool]:
    if not lanes:
        return false()
    return or_(*(and_(CaseRecord.process_key == key, lane_column.in_(sorted(names))) for key, names in sorted(lanes.items())))


def cases_seen(session: Session, principal: Principal) -> ColumnElement[bool]:
    """policy.takes_part as a condition on CaseRecord: administrators every case, owners their
    processes', customers the cases they started, advisors those they started or that reached a
    lane of theirs."""
    if principal.is_admin:
        return true()
    if principal.role is Role.PROCESS_OWNER:
        return CaseRecord.process_key.in_(sorted(principal.owned_processes)) if principal.owned_processes else false()
    if principal.role is Role.CUSTOMER:
        return started_by(principal.username)
    reached = exists().where(EventRecord.case_id == CaseRecord.id,
                             _in_lanes(own_lanes(session, principal), EventRecord.lane))
    return or_(started_by(principal.username), reached)


def tasks_seen(session: Session, principal: Principal) -> ColumnElement[bool]:
    """policy.sees_task as a condition on CaseTaskRecord joined with its CaseRecord: owners their
    processes' tasks; everyone else the tasks they work (policy.works_task)."""
    if principal.is_admin:
        return true()
    if principal.role is Role.PROCESS_OWNER:
        return CaseRecord.process_key.in_(sorted(principal.owned_processes)) if principal.owned_processes else false()
    customers = sorted(customer_lanes(session))
    if principal.role is Role.CUSTOMER:
        return and_(CaseTaskRecord.lane.in_(customers), started_by(principal.username))
    if principal.role is not Role.ADVISOR:
        return false()
    # in a case whose customer is no user here, the advisors taking part act in the customer's lane
    on_behalf = and_(CaseTaskRecord.lane.in_(customers), cases_seen(session, principal), not_(started_by_a_customer()))
    return or_(_in_lanes(own_lanes(session, principal), CaseTaskRecord.lane), on_behalf)
