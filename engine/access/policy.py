"""Roles and the pure rules of lane-based access: which lanes, processes and cases are a user's."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from engine.model import Event, ProcessVersion

# The customer's lane, by the process description model: always the topmost, named for the customer
CUSTOMER_LANES = frozenset({"asiakas", "customer"})


class Role(str, enum.Enum):
    ADMINISTRATOR = "administrator"
    PROCESS_OWNER = "process_owner"
    ADVISOR = "advisor"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the rules see them: role, organisation and its explicit lane mappings."""

    username: str
    display_name: str
    role: Role
    organisation: str | None = None
    # (process key or None for every process, lane name)
    mapped_lanes: tuple[tuple[str | None, str], ...] = field(default_factory=tuple)
    owned_processes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMINISTRATOR


def is_customer_lane(lane: str | None) -> bool:
    return lane is not None and lane.strip().casefold() in CUSTOMER_LANES


def owns_lane(principal: Principal, process_key: str, lane: str | None) -> bool:
    """Whether `lane` of `process_key` is worked by the principal: advisors by their organisation's
    name or an explicit mapping, customers the customer lane, administrators every lane."""
    if lane is None:
        return False
    if principal.is_admin:
        return True
    if principal.role is Role.CUSTOMER:
        return is_customer_lane(lane)
    if principal.role is not Role.ADVISOR or principal.organisation is None:
        return False
    if lane.strip().casefold() == principal.organisation.strip().casefold():
        return True
    return any(key in (None, process_key) and mapped == lane for key, mapped in principal.mapped_lanes)


def sees_process(principal: Principal, process: ProcessVersion) -> bool:
    """Administrators every process, owners their own, advisors and customers those with their lanes."""
    if principal.is_admin:
        return True
    if principal.role is Role.PROCESS_OWNER:
        return process.key in principal.owned_processes
    return any(owns_lane(principal, process.key, lane) for lane in process.actors)


def sees_metrics(principal: Principal, process: ProcessVersion) -> bool:
    """Measurements of every case of a process: administrators, its owners, and the advisors who
    see it. Not customers: the figures are other customers' cases too."""
    return principal.role is not Role.CUSTOMER and sees_process(principal, process)


def takes_part(principal: Principal, process_key: str, events: list[Event]) -> bool:
    """Whether a case is the principal's: an owner's process, a lane of theirs it reached, or (for
    customers) a case they started themselves."""
    if principal.is_admin:
        return True
    if principal.role is Role.PROCESS_OWNER:
        return process_key in principal.owned_processes
    started_by = next((e.user for e in events if e.lifecycle.value == "case_started"), None)
    if principal.role is Role.CUSTOMER:
        return started_by == principal.username
    return started_by == principal.username or any(owns_lane(principal, process_key, e.lane) for e in events)
