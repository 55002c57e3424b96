"""Moving running (and failed) cases of a process from one version to another: plan, dry run,
execute, revert. A failed case keeps its status and incident when moved; a retry then runs its
failed step on the new version."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from engine.access import policy
from engine.definitions import DeployedVersion
from engine.errors import ConflictError, InvalidDataError, NotFoundError
from engine.model import CaseStatus, Event, Lifecycle
from engine.persistence.ports import UnitOfWork
from engine.runtime.migration import MigrationPlan, case_blockers, migrate_live_case, plan_migration
from engine.services.gate import Caller, entry, operator
from engine.services.shared import ServiceBase

# a failed case moves too: moving it to a fixed version and retrying its step is one way to mend it
_MOVABLE = (CaseStatus.RUNNING.value, CaseStatus.FAILED.value)


@dataclass(frozen=True)
class CaseMove:
    """What a migration did (or, in a dry run, would do) with one running case."""

    case_id: int
    moves: bool
    reasons: tuple[str, ...] = ()
    moved: bool = False
    skipped: str | None = None  # changed by someone else meanwhile: left as it was


@dataclass(frozen=True)
class MigrationReport:
    """The outcome for every running case of the `from_version`, in case id order."""

    key: str
    from_version: int
    to_version: int
    dry_run: bool
    suggested: Mapping[str, str]
    cases: tuple[CaseMove, ...]

    @property
    def moved(self) -> int:
        return sum(c.moved for c in self.cases)

    @property
    def blocked(self) -> int:
        return sum(not c.moves for c in self.cases)

    @property
    def skipped(self) -> int:
        return sum(c.skipped is not None for c in self.cases)


class MigrationUseCases(ServiceBase):
    """Moving running cases between versions of one process (docs/migration.md)."""

    def check_migrate(self, key: str, *, caller: Caller) -> None:
        """Refuse `caller` the migration form of `key` as migrate_cases would refuse its moves
        (policy.migrate_refusal): the refused attempt is in the access log like the moves'.
        Raises AccessDeniedError."""
        self._check_now(caller, policy.migrate_refusal(caller.principal, key), "migrate", process_key=key)

    def migrate_cases(
        self,
        key: str,
        *,
        from_version: int,
        to_version: int,
        mapping: Mapping[str, str] | None = None,
        case_ids: Sequence[int] | None = None,
        dry_run: bool = False,
        revert: bool = False,
        caller: Caller | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> MigrationReport:
        """Move the running cases of `key` v`from_version` (those of `case_ids` only, if given) to
        v`to_version`, each case in its own
        transaction behind its row-version check (a case changed meanwhile is skipped, never half
        moved). With `dry_run` nothing changes. With `revert` only cases whose last move was from
        v`to_version` to v`from_version`, and which have not moved on since, go back.
        `caller` must own the process or be an administrator (policy.migrate_refusal; a refusal is
        in the access log); None is the command line's operator. Each moved case's event and
        access-log entry are written in that case's transaction. `progress(done, total)` is called
        after each case. Raises NotFoundError, AccessDeniedError, or InvalidDataError for an
        impossible plan."""
        caller = caller if caller is not None else Caller(operator())
        self._check_now(caller, policy.migrate_refusal(caller.principal, key), "migrate", process_key=key)
        if from_version == to_version:
            raise InvalidDataError("the cases are on that version already: give two different versions")
        with self._reads() as session:
            uow = self._unit(session)
            source, target = (self._deployed(session, _version_id(uow, key, v)) for v in (from_version, to_version))
            running = uow.case_reads.on_version(source.id, statuses=_MOVABLE, among=case_ids)
        plan = plan_migration(source.bundle, target.bundle, mapping)
        if plan.problems:
            raise InvalidDataError(
                "the migration plan cannot be applied: " + "; ".join(plan.problems),
                field_errors={"plan": "; ".join(plan.problems)},
            )
        moves = []
        plans: dict[tuple[tuple[str, str], ...], MigrationPlan] = {}  # a revert's plans by mapping, made once
        for done, case_id in enumerate(running, start=1):
            moves.append(
                self._move_case(case_id, source, target, plan, dry_run=dry_run, revert=revert, caller=caller, plans=plans)
            )
            if progress is not None:
                progress(done, len(running))
        return MigrationReport(key, from_version, to_version, dry_run, dict(plan.suggested), tuple(moves))

    def _move_case(
        self,
        case_id: int,
        source: DeployedVersion,
        target: DeployedVersion,
        plan: MigrationPlan,
        *,
        dry_run: bool,
        revert: bool,
        caller: Caller,
        plans: dict[tuple[tuple[str, str], ...], MigrationPlan],
    ) -> CaseMove:
        now = self._clock.now()
        try:
            with self._sessions.begin() as session:
                ctx = self._unit(session).cases.load(case_id, failed_too=True)
                if ctx.case.process_version_id != source.id:
                    self._store.release(ctx)
                    return CaseMove(case_id, False, skipped="it moved to another version meanwhile")
                back: list[str] = []
                if revert:
                    events = self._unit(session).events.of_case(case_id)
                    back = revert_blockers(events, source.version, target.version)
                    if not back:
                        plan, back = _reverse_plan(events, source, target, plan, plans)
                reasons = case_blockers(ctx.live, target.bundle, plan) + _missing_start_data(ctx.case.data_json, target) + back
                if reasons or dry_run:
                    self._store.release(ctx)
                    return CaseMove(case_id, not reasons, tuple(reasons))
                migrate_live_case(ctx.live, target.bundle, plan, now=now)
                details = {"from": source.version, "to": target.version, "plan": dict(plan.explicit), "revert": revert}
                self._unit(session).cases.save_migrated(ctx, target, now=now, user=caller.username, details=details)
                self._unit(session).access_log.add([entry(caller, "migrate", now, case_id=case_id, process_key=target.key)])
            self._store.remember(ctx)
            return CaseMove(case_id, True, moved=True)
        except ConflictError as exc:  # stepped, completed or cancelled by someone else meanwhile
            self._store.cache.discard(case_id)
            return CaseMove(case_id, False, skipped=str(exc))
        except BaseException:
            self._store.cache.discard(case_id)  # the live workflow may be half moved: never reuse it
            raise


def _reverse_plan(
    events: Sequence[Event],
    source: DeployedVersion,
    target: DeployedVersion,
    plan: MigrationPlan,
    plans: dict[tuple[tuple[str, str], ...], MigrationPlan],
) -> tuple[MigrationPlan, list[str]]:
    """The plan that takes a case back along its last move (`events`' last case_migrated, whose
    `plan` mapped elements of `target` onto elements of `source`): that mapping turned round, with
    the mapping given now (`plan.explicit`) taking precedence. Without it a case moved from
    'Varaa tilat' onto 'Markkinoi' went back to the old version at 'Markkinoi', a step it had never
    reached there. (plan, why the case cannot go back: a move that mapped two elements onto one)."""
    moved = next(e for e in reversed(events) if e.lifecycle is Lifecycle.CASE_MIGRATED)
    inverse: dict[str, str] = {}
    for old, new in dict(moved.changed.get("plan") or {}).items():
        if new in inverse:
            return plan, [f"its move mapped both {inverse[new]!r} and {old!r} onto {new!r}: give the mapping back by hand"]
        inverse[new] = old
    if not inverse:
        return plan, []
    mapping = {**inverse, **plan.explicit}
    key = tuple(sorted(mapping.items()))
    if key not in plans:
        plans[key] = plan_migration(source.bundle, target.bundle, mapping)
    return plans[key], list(plans[key].problems)


def _version_id(uow: UnitOfWork, key: str, version: int) -> int:
    found = uow.versions.find(key, version)
    if found is None:
        raise NotFoundError("process version", f"{key} v{version}")
    return found.id


def _missing_start_data(data_json: str, target: DeployedVersion) -> list[str]:
    """B's start form may require fields that cases started on A never had."""
    schema = target.start_form_schema() or {}
    data = json.loads(data_json or "{}")
    missing = [f for f in schema.get("required", []) if f not in data]
    return (
        [f"the new version's start form requires {', '.join(map(repr, missing))}, which this case has no value for"]
        if missing
        else []
    )


def revert_blockers(events: Sequence[Event], current: int, back_to: int) -> list[str]:
    """Why a case with `events` (oldest first) cannot go back from version `current` to `back_to`:
    it goes back only while nothing but claims happened since it was moved here from `back_to`.
    Empty when it may."""
    claims = (Lifecycle.TASK_CLAIMED, Lifecycle.TASK_UNCLAIMED)
    for event in reversed(events):
        if event.lifecycle in claims:
            continue
        if event.lifecycle is Lifecycle.CASE_MIGRATED:
            if event.changed.get("from") == back_to and event.changed.get("to") == current:
                return []
        break
    return [f"it was not moved here from version {back_to}, or it has moved on in version {current} since"]
