"""Kapula's use cases as one signed-in user may call them: every call checks the access rules first.

Refusals raise AccessDeniedError (nothing is changed); lists are narrowed to what the user may see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

from engine.access.access_log import AccessEntry, AccessLog
from engine.access.directory import Directory
from engine.access.policy import Principal, Role, is_customer_lane, owns_lane, sees_metrics, sees_process, takes_part
from engine.erasure import ErasureResult
from engine.errors import AccessDeniedError, AuthenticationError, ConflictError
from engine.metrics.distribution import LeadTimeHistogram
from engine.metrics.types import ProcessMetrics
from engine.model import CaseStatus, CaseView, DeployResult, Event, Lifecycle, ProcessVersion, TaskView
from engine.runtime.parser import load_files
from engine.render.card import CardPage
from engine.render.viewer import DiagramView, diagram_view
from engine.services import Kapula


class GuardedKapula:
    """The use cases on behalf of `principal`; each read or change of a case goes to the access log
    with `origin` (the request it came from)."""

    def __init__(self, kapula: Kapula, directory: Directory, principal: Principal, *, origin: str | None = None) -> None:
        self._kapula = kapula
        self._directory = directory
        self.principal = principal
        self._origin = origin
        self._access_log = AccessLog(kapula.sessions, kapula.clock)

    # -- definitions --------------------------------------------------------------------------

    def deploy(self, files: list[tuple[str, bytes]]) -> DeployResult:
        """Administrators deploy anything; process owners new keys and new versions of their own."""
        p = self.principal
        if p.role not in (Role.ADMINISTRATOR, Role.PROCESS_OWNER):
            raise self._denied("only process owners and administrators upload diagrams")
        keys = [loaded.key for loaded in load_files(files)]
        if p.role is Role.PROCESS_OWNER:
            for key in keys:
                owner = self._directory.owner_of(key)
                if owner is not None and owner != p.organisation:
                    raise self._denied(f"process {key!r} belongs to {owner}; only its owner uploads new versions")
        result = self._kapula.deploy(files)
        if p.organisation is not None and p.role is Role.PROCESS_OWNER:
            self._directory.claim_ownership(keys, p.organisation)
        return result

    def processes(self) -> list[ProcessVersion]:
        return [v for v in self._kapula.processes() if sees_process(self.principal, v)]

    def versions(self, key: str) -> list[ProcessVersion]:
        versions = self._kapula.versions(key)
        self._check_process(versions[-1])
        return versions

    def version_source(self, key: str, version: int) -> dict[str, str]:
        self.versions(key)
        return self._kapula.version_source(key, version)

    def card(self, key: str) -> Any:
        """The process card of the latest version, if one was uploaded with it."""
        self.versions(key)
        return self._kapula.card(key)

    def start_form(self, key: str) -> dict[str, Any] | None:
        self.versions(key)
        return self._kapula.start_form(key)

    def swimlane(self, key: str, fmt: str = "svg", *, measured: bool = True, view: str = "auto") -> bytes:
        """The process's drawing (view "auto", "di" or "tem"), for whoever sees the process; with
        measured values only for those who see its metrics (sees_metrics), as the metrics themselves."""
        return self._kapula.swimlane(key, fmt, measured=measured and self._sees_metrics(key), view=view)

    def diagram_view(self, key: str) -> DiagramView:
        """The latest version's data for the page's diagram viewer; measured values only for
        those who see the process's metrics (sees_metrics), none for anyone else."""
        latest = self.versions(key)[-1]
        source = self._kapula.version_source(key, latest.version)
        metrics = self._kapula.metrics(key) if sees_metrics(self.principal, latest) else None
        return diagram_view(source, key, metrics)

    def card_page(self, key: str, *, svg_name: str | None = None) -> CardPage:
        """The full process card, for whoever sees the process; with measured values only for those
        who see its metrics (sees_metrics)."""
        return self._kapula.card_page(key, svg_name=svg_name, measured=self._sees_metrics(key))

    def metrics(self, key: str, *, version: int | None = None, lane: str | None = None, since: datetime | None = None,
                until: datetime | None = None, segment: str | None = None) -> ProcessMetrics:
        """The process's metrics: administrators, its owners and the advisors who see it (sees_metrics)."""
        self._check_metrics(key)
        return self._kapula.metrics(key, version=version, lane=lane, since=since, until=until, segment=segment)

    def export_log(self, key: str, fmt: str, out: TextIO) -> int:
        """The process's event log for process-mining tools, people pseudonymised: for whoever sees its
        metrics. Every case it holds is entered in the access log as exported."""
        self._check_metrics(key)
        written = self._kapula.export_log(key, fmt, out)
        self._access_log.record(self.principal.username, self._kapula.case_ids(key), "export", origin=self._origin)
        return written

    def lead_time_distribution(self, key: str, *, version: int | None = None, since: datetime | None = None,
                               until: datetime | None = None, segment: str | None = None) -> LeadTimeHistogram:
        self._check_metrics(key)
        return self._kapula.lead_time_distribution(key, version=version, since=since, until=until, segment=segment)

    # -- cases --------------------------------------------------------------------------------

    def start_case(self, key: str, data: dict[str, Any] | None = None) -> CaseView:
        """Anyone who sees the process starts cases of it; the starter is recorded on the case."""
        versions = self._kapula.versions(key)
        self._check_process(versions[-1])
        case = self._kapula.start_case(key, data, user=self.principal.username)
        self._logged(case.id, "start")
        return case

    def cases(self, *, process_key: str | None = None, status: CaseStatus | None = None) -> list[CaseView]:
        found = self._kapula.cases(process_key=process_key, status=status)
        if not self.principal.is_admin:
            found = [c for c in found if takes_part(self.principal, c.process_key, self._kapula.history(c.id))]
        # the list carries each case's data, so each listed case was read
        self._access_log.record(self.principal.username, [c.id for c in found], "list", origin=self._origin)
        return found

    def get_case(self, case_id: int) -> CaseView:
        case = self._case(case_id)
        self._logged(case_id, "read")
        return case

    def history(self, case_id: int) -> list[Event]:
        self._case(case_id)
        events = self._kapula.history(case_id)
        self._logged(case_id, "read_history")
        return events

    def cancel_case(self, case_id: int) -> CaseView:
        case = self._case(case_id)
        if self.principal.role not in (Role.ADMINISTRATOR, Role.PROCESS_OWNER):
            raise self._denied(f"only the process owner cancels cases of {case.process_key}")
        cancelled = self._kapula.cancel_case(case_id, user=self.principal.username)
        self._logged(case_id, "cancel")
        return cancelled

    def access_log(self, *, case_id: int | None = None, user: str | None = None, limit: int = 1000) -> list[AccessEntry]:
        """Who read or changed which case: administrators only."""
        if not self.principal.is_admin:
            raise self._denied("only administrators read the access log")
        if case_id is not None:
            self._kapula.get_case(case_id)
        return self._access_log.entries(case_id=case_id, user=user, limit=limit)

    def erase_personal_data(self, case_id: int, *, fields: list[str] | None = None) -> ErasureResult:
        """Erase a case's personal fields on request: administrators only (the erasure is logged)."""
        if not self.principal.is_admin:
            raise self._denied("only administrators erase personal data")
        return self._kapula.erase_personal_data(case_id, fields=fields, by=self.principal.username, origin=self._origin)

    # -- tasks --------------------------------------------------------------------------------

    def ready_tasks(self, *, lane: str | None = None, case_id: int | None = None,
                    process_key: str | None = None) -> list[TaskView]:
        """The ready tasks of the user's lanes (owners: of their processes; customers: of their own cases)."""
        if case_id is not None:
            self._case(case_id)
        tasks = self._kapula.ready_tasks(lane=lane, case_id=case_id, process_key=process_key)
        return [t for t in tasks if self._may_see_task(t)]

    def get_task(self, task_id: str) -> TaskView:
        task = self._kapula.get_task(task_id)
        if not self._may_see_task(task):
            raise self._denied(f"task {task_id} is in lane {task.lane!r}, which is not yours")
        return task

    def task_form(self, task_id: str) -> dict[str, Any] | None:
        """The JSON Schema of the task's form, if it has one."""
        self.get_task(task_id)
        return self._kapula.task_form(task_id)

    def claim_task(self, task_id: str) -> TaskView:
        self._check_works(self.get_task(task_id))
        task = self._kapula.claim_task(task_id, user=self.principal.username)
        self._logged(task.case_id, "claim", task_id=task_id)
        return task

    def unclaim_task(self, task_id: str) -> TaskView:
        task = self.get_task(task_id)
        self._check_works(task)
        if task.claimed_by not in (None, self.principal.username) and not self.principal.is_admin:
            raise self._denied(f"task {task_id} is claimed by {task.claimed_by}; only they give it back")
        unclaimed = self._kapula.unclaim_task(task_id, user=self.principal.username)
        self._logged(task.case_id, "unclaim", task_id=task_id)
        return unclaimed

    def complete_task(self, task_id: str, data: dict[str, Any] | None = None) -> CaseView:
        """Complete a task of the user's lane; 409 if someone else has claimed it."""
        task = self.get_task(task_id)
        self._check_works(task)
        if task.claimed_by not in (None, self.principal.username):
            raise ConflictError(f"task {task_id} is claimed by {task.claimed_by}", case_id=task.case_id, task_id=task_id)
        case = self._kapula.complete_task(task_id, data, user=self.principal.username)
        self._logged(task.case_id, "complete", task_id=task_id)
        return case

    # -- rules --------------------------------------------------------------------------------

    def _case(self, case_id: int) -> CaseView:
        case = self._kapula.get_case(case_id)
        self._check_case(case)
        return case

    def _logged(self, case_id: int, action: str, *, task_id: str | None = None) -> None:
        self._access_log.record(self.principal.username, [case_id], action, task_id=task_id, origin=self._origin)

    def _denied(self, message: str) -> AccessDeniedError:
        return AccessDeniedError(f"{self.principal.username}: {message}", user=self.principal.username)

    def _check_process(self, version: ProcessVersion) -> None:
        if not sees_process(self.principal, version):
            raise self._denied(f"process {version.key!r} has no lane of yours")

    def _sees_metrics(self, key: str) -> bool:
        """Whether the principal sees the measurements of `key`; raises like versions() when the
        process is not theirs to see at all."""
        return sees_metrics(self.principal, self.versions(key)[-1])

    def _check_metrics(self, key: str) -> None:
        latest = self._kapula.versions(key)[-1]
        if not sees_metrics(self.principal, latest):
            raise self._denied(f"the metrics of {key!r} are for its owners and the advisors of its lanes")

    def _check_case(self, case: CaseView) -> None:
        if not takes_part(self.principal, case.process_key, self._kapula.history(case.id)):
            raise self._denied(f"case {case.id} is not one you take part in")

    def _may_see_task(self, task: TaskView) -> bool:
        p = self.principal
        return (p.role is Role.PROCESS_OWNER and task.process_key in p.owned_processes) or self._works(task)

    def _works(self, task: TaskView) -> bool:
        """Whether the user acts on this task: its lane's advisors, the customer of their own case,
        administrators; and in a case whose customer is no user here (an advisor or a system
        started it), the advisors taking part act in the customer's lane on the customer's behalf."""
        p = self.principal
        if p.is_admin:
            return True
        if owns_lane(p, task.process_key, task.lane):
            return p.role is not Role.CUSTOMER or takes_part(p, task.process_key, self._kapula.history(task.case_id))
        if p.role is Role.ADVISOR and is_customer_lane(task.lane):
            events = self._kapula.history(task.case_id)
            return takes_part(p, task.process_key, events) and not self._started_by_customer(events)
        return False

    def _started_by_customer(self, events: list[Event]) -> bool:
        starter = next((e.user for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)
        if starter is None:
            return False
        try:
            return self._directory.principal(starter).role is Role.CUSTOMER
        except AuthenticationError:
            return False  # a name that is no user (e.g. "demo"): no customer signs in for this case

    def _check_works(self, task: TaskView) -> None:
        if not self._works(task):
            raise self._denied(f"you do not work lane {task.lane!r}")
