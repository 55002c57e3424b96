"""Roles and the pure rules of lane-based access: which lanes, processes and cases are a user's."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from engine.model import Event, Incident, ProcessVersion

# the customer's lane is a word of engine.vocabulary; importable from here too
from engine.vocabulary import Lifecycle
from engine.vocabulary import is_customer_lane as is_customer_lane


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
    # the pages' language the user chose (engine.display.LANGUAGES), None until they choose one
    language: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMINISTRATOR


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
    """Administrators every process, owners their own, advisors those with their lanes; customers
    the services offered to them: a customer lane and the card's `customer_can_start` (issue 15:
    internal processes are hidden from customers)."""
    if principal.is_admin:
        return True
    if principal.role is Role.PROCESS_OWNER:
        return process.key in principal.owned_processes
    if principal.role is Role.CUSTOMER and not process.customer_can_start:
        return False
    return any(owns_lane(principal, process.key, lane) for lane in process.actors)


def sees_metrics(principal: Principal, process: ProcessVersion) -> bool:
    """Measurements of every case of a process: administrators, its owners, and the advisors who
    see it. Not customers: the figures are other customers' cases too."""
    return principal.role is not Role.CUSTOMER and sees_process(principal, process)


def takes_part(principal: Principal, process_key: str, events: list[Event]) -> bool:
    """Whether a case is the principal's: an owner's process, a lane of theirs it reached, or (for
    customers) a case they started themselves."""
    if not takes_part_reads_log(principal):  # administrators, and owners by the process key alone
        return principal.is_admin or process_key in principal.owned_processes
    started_by = next((e.user for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)
    if principal.role is Role.CUSTOMER:
        return started_by == principal.username
    return started_by == principal.username or any(owns_lane(principal, process_key, e.lane) for e in events)


# -- the rules of each use case, as refusals: None allows, a sentence says why not ----------------
# Pure functions of what the service read in the use case's own transaction; the service raises
# and logs the refusal. A refusal never names a lane to someone who cannot see the case.

UPLOADERS = (Role.ADMINISTRATOR, Role.PROCESS_OWNER)


def upload_refusal(principal: Principal, owners: dict[str, str | None], deployed: set[str] | frozenset[str]) -> str | None:
    """Administrators upload anything; process owners new keys and new versions of their
    organisation's keys. `owners`: each uploaded key's owning organisation (None: nobody's);
    `deployed`: the keys that have versions. A deployed key that nobody owns (deployed before there
    were organisations) is given an owner by an administrator, never taken by the first uploader."""
    if principal.role not in UPLOADERS:
        return "only process owners and administrators upload diagrams"
    if principal.role is Role.PROCESS_OWNER:
        for key, owner in owners.items():
            if owner is not None and owner != principal.organisation:
                return f"process {key!r} belongs to {owner}; only its owner uploads new versions"
            if owner is None and key in deployed:
                return f"process {key!r} has no owning organisation yet; an administrator assigns one"
    return None


def process_refusal(principal: Principal, process: ProcessVersion) -> str | None:
    if sees_process(principal, process):
        return None
    if principal.role is Role.CUSTOMER and not process.customer_can_start:
        return f"process {process.key!r} is not a service customers start themselves"
    return f"process {process.key!r} has no lane of yours"


def metrics_refusal(principal: Principal, process: ProcessVersion) -> str | None:
    if sees_metrics(principal, process):
        return None
    return f"the metrics of {process.key!r} are for its owners and the advisors of its lanes"


def takes_part_reads_log(principal: Principal) -> bool:
    """Whether takes_part looks at the case's events for this principal: not for administrators
    nor process owners, whose rule is the process key alone (a read of the log for them grew with
    the case's history: a task list of a 300-round case spent 11 ms on it)."""
    return not (principal.is_admin or principal.role is Role.PROCESS_OWNER)


def case_refusal(principal: Principal, case_id: int, process_key: str, events: list[Event]) -> str | None:
    if takes_part(principal, process_key, events):
        return None
    return f"case {case_id} is not one you take part in"


def cancel_refusal(principal: Principal, process_key: str) -> str | None:
    """Administrators and the process's owners cancel (the owner's case rule is checked first)."""
    if principal.role in UPLOADERS:
        return None
    return f"only the process owner cancels cases of {process_key}"


def migrate_refusal(principal: Principal, process_key: str) -> str | None:
    """Administrators and the owners of `process_key` move its running cases between versions."""
    if principal.is_admin or (principal.role is Role.PROCESS_OWNER and process_key in principal.owned_processes):
        return None
    return f"only the owner of {process_key!r} or an administrator moves its cases"


def retry_refusal(principal: Principal, process_key: str) -> str | None:
    """Administrators and the process's owners retry a failed step (the case rule is checked first):
    they can fix the data or move the case to a fixed version."""
    if principal.role in UPLOADERS:
        return None
    return f"only the process owner retries failed steps of {process_key}"


def gives_formless_data(principal: Principal) -> bool:
    """Whether the principal's data is taken by a start or task that has no form: staff's is (an
    advisor records what the step needs), a customer's never (a customer fills in forms only, so
    no routing key or status gets into a case past them)."""
    return principal.role is not Role.CUSTOMER


def admin_refusal(principal: Principal, what: str) -> str | None:
    return None if principal.is_admin else f"only administrators {what}"


@dataclass(frozen=True)
class TaskFacts:
    """What the task rules look at, read in the use case's transaction: the task's process, case
    and lane, the case's events, whether a customer user started it, and who holds the task."""

    task_id: str
    case_id: int
    process_key: str
    lane: str | None
    events: list[Event]
    started_by_customer: bool
    claimed_by: str | None = None


def works_task(principal: Principal, facts: TaskFacts) -> bool:
    """Whether the principal acts on the task: its lane's advisors, the customer of their own case,
    administrators; and in a case whose customer is no user here (an advisor or a system started
    it), the advisors taking part act in the customer's lane on the customer's behalf."""
    if principal.is_admin:
        return True
    if owns_lane(principal, facts.process_key, facts.lane):
        return principal.role is not Role.CUSTOMER or takes_part(principal, facts.process_key, facts.events)
    if principal.role is Role.ADVISOR and is_customer_lane(facts.lane):
        return takes_part(principal, facts.process_key, facts.events) and not facts.started_by_customer
    return False


def reads_case_log(principal: Principal, process_key: str, lane: str | None) -> bool:
    """Whether the task rules (sees_task, task_refusal, work_refusal, message_refusal) may look at
    a task's case log and starter for this principal. Not for administrators, nor for an advisor
    working a lane of theirs: works_task allows them on the lane alone, so those facts need not be
    read (a step spent ~0.2 ms reading them; tests/unit/test_case_log_rules.py holds the equivalence)."""
    return not (principal.is_admin or (principal.role is not Role.CUSTOMER and owns_lane(principal, process_key, lane)))


def sees_task(principal: Principal, facts: TaskFacts) -> bool:
    """Owners see their processes' tasks; everyone else the tasks they work."""
    owner = principal.role is Role.PROCESS_OWNER and facts.process_key in principal.owned_processes
    return owner or works_task(principal, facts)


def task_refusal(principal: Principal, facts: TaskFacts) -> str | None:
    """Seeing a task. Whoever does not take part in its case learns nothing of it (no lane)."""
    if sees_task(principal, facts):
        return None
    if not takes_part(principal, facts.process_key, facts.events):
        return f"task {facts.task_id} is not in a case you take part in"
    return f"task {facts.task_id} is in lane {facts.lane!r}, which is not yours"


def work_refusal(principal: Principal, facts: TaskFacts) -> str | None:
    """Claiming, giving back or completing a task (after task_refusal allowed seeing it)."""
    return None if works_task(principal, facts) else f"you do not work lane {facts.lane!r}"


def claim_refusal(principal: Principal, facts: TaskFacts) -> str | None:
    """The claim rule: nobody completes a task someone else holds."""
    if facts.claimed_by in (None, principal.username):
        return None
    return f"task {facts.task_id} is claimed by {facts.claimed_by}"


def unclaim_refusal(principal: Principal, facts: TaskFacts) -> str | None:
    """A claimed task is given back by its holder or an administrator."""
    if facts.claimed_by in (None, principal.username) or principal.is_admin:
        return None
    return f"task {facts.task_id} is claimed by {facts.claimed_by}; only they give it back"


def message_refusal(principal: Principal, facts: TaskFacts) -> str | None:
    """Sending a message to a case from outside: administrators, the process's owners, and whoever
    works the lane of the element that receives it (`facts.lane`), as for a task there."""
    owner = principal.role is Role.PROCESS_OWNER and facts.process_key in principal.owned_processes
    if owner or works_task(principal, facts):
        return None
    if not takes_part(principal, facts.process_key, facts.events):
        return f"case {facts.case_id} is not one you take part in"
    return f"you do not work lane {facts.lane!r}, where the case receives this message"


CUSTOMER_INCIDENT_MESSAGE = "the handling of the case has stopped; the organisations see the error and go on once it is fixed"


def incident_as_seen(principal: Principal, incident: Incident) -> Incident:
    """What `principal` is told of a failed step: customers learn that their case stopped, not the
    error, which may quote the diagram's code, other organisations' data or their element names."""
    if principal.role is not Role.CUSTOMER:
        return incident
    return replace(incident, message=CUSTOMER_INCIDENT_MESSAGE, element_id=None, element_name=None)
