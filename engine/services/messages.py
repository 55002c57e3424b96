"""Sending a message to a waiting case from outside Kapula (`POST /api/messages`, `kapula message`).

The message is addressed by the case's id, or by the values of the diagram's correlation keys
(`{"key": {"property": value}}`, as the case holds them). It is caught as a message thrown by
another pool would be (engine.runtime.stepping.deliver_message): its data, checked as a completion's
is (the data limits; a customer's is refused, since no receiving element has a form), is merged
into the case's data, and the case runs until it waits again; what it throws in
turn is delivered in the same transaction (engine.services.routing).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.access import policy
from engine.definitions import DeployedVersion
from engine.errors import ConflictError, InvalidDataError, NotFoundError
from engine.forms import check_submission
from engine.model import CaseStatus, CaseView
from engine.persistence.ports import StoredCase, UnitOfWork
from engine.runtime import stepping
from engine.services.gate import Caller, CaseFacts, check, entry, formless, started_by_customer
from engine.services.kept_messages import without_failing_handoffs
from engine.services.routing import MessageRouting, waiting_for_message
from engine.services.shared import check_data

MAX_NAME = 255


class MessageUseCases(MessageRouting):
    """Messages sent to cases from outside."""

    @without_failing_handoffs
    def send_message(
        self,
        name: str,
        *,
        case_id: int | None = None,
        correlation: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        user: str | None = None,
        caller: Caller | None = None,
    ) -> CaseView:
        """Hand message `name` with `data` to the running case `case_id` (or the one case whose
        correlation keys hold `correlation`) that waits for it, and run the case until it waits
        again, as `caller` (administrators, the process's owners, the advisors of the receiving
        element's lane; else as `user`, unchecked). Returns the case as the step left it.
        Raises InvalidDataError (no name, no address, data over the limits or, from a customer, any
        data at all: the receiving element has no form; a name the case's
        process never receives: naming the elements that do receive messages), NotFoundError (no
        such case, no case with those correlation values), AccessDeniedError, ConflictError (the
        case does not wait for it now, naming the element that receives it; or changed meanwhile)
        or CaseStepError. Nothing is changed on any error."""
        name = _checked_name(name)
        data = check_data(data)
        if (case_id is None) == (not correlation):
            raise InvalidDataError(
                "address the message to one case: give either its case id or its correlation values",
                field_errors={"case_id": "give the case id or correlation, not both or neither"},
            )
        now = self._clock.now()
        user = caller.username if caller is not None else user
        with self._transaction() as session:
            target = case_id if case_id is not None else self._correlated_case(session, name, correlation or {})
            record = self._unit(session).case_reads.row(target)
            if record is None:
                raise NotFoundError("case", target)
            deployed = self._deployed(session, record.process_version_id)
            running = record.status == CaseStatus.RUNNING.value
            ctx = self._unit(session).cases.load(target) if running else None
            try:
                # who may send it depends on where the case waits for it, so the case is loaded first
                waiting = stepping.message_receivers(ctx.live, name, deployed) if ctx is not None else []
                if caller is not None:
                    self._message_rules(session, caller, record, deployed, name, now, waiting)
                receivers = _receivers(deployed, name)
                # the message's data goes into the case as a completion's would: held to the form of
                # the element the case waits at, or without one taken only from staff
                # (policy.gives_formless_data)
                check_submission(_receiving_form(deployed, name, waiting), data, formless=formless(caller))
            except Exception:
                if ctx is not None:
                    self._store.release(ctx)
                raise
            if ctx is None:
                raise ConflictError(f"case {target} is {record.status}; it receives no more messages", case_id=target)
            if not stepping.waits_for_message(ctx.live, name):
                self._store.release(ctx)
                raise ConflictError(
                    f"case {target} ({deployed.name}) does not wait for message '{name}' now: {receivers} receives it when "
                    f"the case gets there; the case waits for: {_waits(self._case_view(session, target))}",
                    case_id=target,
                )
            stepping.deliver_message(ctx.live, name, data, clock=self._clock, case_id=target)
            ctx.received.append((name, {"message": name, "from_case": None, "from_lane": None, "sent_by": user}))
            saved, delivery = self._save_step(session, ctx, now=now, user=user)
            view = self._view_after_step(session, ctx, saved)
            if caller is not None:
                self._unit(session).access_log.add(
                    [entry(caller, "message", now, case_id=target, process_key=deployed.key), *delivery.entries(caller, now)]
                )
        self._store.remember(ctx)
        self._remember_receivers(delivery)
        return view

    def _correlated_case(self, session: Session, name: str, correlation: dict[str, Any]) -> int:
        if not isinstance(correlation, dict) or not all(isinstance(k, str) and k for k in correlation):
            raise InvalidDataError(
                "correlation must be an object of correlation key names and their values",
                field_errors={"correlation": "an object of key names and values"},
            )
        check_data({"correlation": correlation})  # the same limits as any other input
        found = correlated_cases(self._unit(session), name, correlation)
        if not found:
            raise NotFoundError(
                f"running case waiting for message '{name}' with correlation", json.dumps(correlation, sort_keys=True)
            )
        if len(found) > 1:
            raise ConflictError(
                f"{len(found)} cases ({', '.join(map(str, found))}) wait for message '{name}' with these "
                "correlation values; address the message by case id"
            )
        return found[0]

    def _message_rules(
        self,
        session: Session,
        caller: Caller,
        record: StoredCase,
        deployed: DeployedVersion,
        name: str,
        now: datetime,
        waiting: list[stepping.MessageReceiver],
    ) -> None:
        """The case rule, then the lane rule for the lanes where the case waits for `name`
        (`waiting`): the caller works one of them. A case that waits at none is judged by the lane
        of the version's first element that receives `name`, the element the ConflictError will
        name. Raises AccessDeniedError (logged), InvalidDataError (a name the process never receives)."""
        uow = self._unit(session)
        events = CaseFacts(uow).part_events(caller.principal, record.id)
        check(
            caller,
            policy.case_refusal(caller.principal, record.id, record.process_key, events),
            "message",
            now,
            case_id=record.id,
        )
        _receivers(deployed, name)  # an unknown name is the caller's mistake, told before the lane rule
        customer = started_by_customer(uow, events)
        lanes = list(dict.fromkeys(r.lane for r in waiting)) or [_first_receiver_lane(deployed, name)]
        refusals = [
            policy.message_refusal(
                caller.principal, policy.TaskFacts(f"message {name}", record.id, record.process_key, lane, events, customer)
            )
            for lane in lanes
        ]
        refusal = None if None in refusals else refusals[0]
        check(caller, refusal, "message", now, case_id=record.id)


def correlated_cases(uow: UnitOfWork, name: str, correlation: dict[str, Any]) -> list[int]:
    """Running cases waiting for message `name` whose correlation keys hold every value of
    `correlation`: a key's properties as the case holds them (`{"application": {"Prop_id": "A-1"}}`),
    or, for a key of one property, its bare value (`{"application": "A-1"}`). Oldest first."""
    rows = uow.messages.correlated(name, list(correlation))
    matched: dict[int, set[str]] = {}
    waiting: dict[int, bool] = {}
    for case_id, key, value, text in rows:
        held = json.loads(value)
        wanted = correlation[key]
        if held == wanted or (isinstance(held, dict) and len(held) == 1 and next(iter(held.values())) == wanted):
            matched.setdefault(case_id, set()).add(key)
        waiting[case_id] = waiting_for_message(text, name)
    return sorted(i for i, keys in matched.items() if len(keys) == len(correlation) and waiting[i])


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidDataError(
            f"a message name is text of 1 to {MAX_NAME} printable characters", field_errors={"name": "not a message name"}
        )
    return name


def _receivers(deployed: DeployedVersion, name: str) -> str:
    """The elements of the version that receive `name`, as people read them; InvalidDataError when none does."""
    found = deployed.catchers.get(name)
    if not found:
        known = (
            "; ".join(
                f"'{n}' at " + ", ".join(f"'{c.name or c.element_id}' ({c.element_id})" for c in items)
                for n, items in sorted(deployed.catchers.items())
            )
            or "none"
        )
        raise InvalidDataError(
            f"process '{deployed.name}' ({deployed.key}) has no element that receives message '{name}'; "
            f"the messages it receives: {known}",
            field_errors={"name": f"no element receives '{name}'"},
        )
    return ", ".join(f"'{c.name or c.element_id}' ({c.element_id})" for c in found)


def _first_receiver_lane(deployed: DeployedVersion, name: str) -> str | None:
    """The lane of the version's first element that receives `name` (in the case's own process)."""
    catcher = next(iter(deployed.catchers.get(name, [])), None)
    element = deployed.elements.get(catcher.element_id) if catcher is not None else None
    return element.actor if element is not None else None


def _receiving_form(deployed: DeployedVersion, name: str, waiting: list[stepping.MessageReceiver]) -> dict[str, Any] | None:
    """The form of the element the case waits at for `name` (`waiting`), the first of them that
    has one; when it waits at none (or is not running), of the first element of the version that
    receives `name` in a running case, as the message would meet it there. Forms belong to user
    tasks and processes' start events, so only a called process's message start event has one: a
    catch event or receive task has none, and the no-form rule applies."""
    if waiting:
        return next((f for r in waiting if (f := deployed.form_schema(r.element_id, r.scope)) is not None), None)
    receivers = [c for c in deployed.catchers.get(name, []) if not c.starts]
    return next((f for c in receivers if (f := deployed.form_schema(c.element_id)) is not None), None)


def _waits(case: CaseView) -> str:
    """What the case waits for, as people read it: its ready tasks and its events."""
    tasks = [f"'{t.name}' ({t.element_id}, a task in lane {t.lane})" for t in case.ready_tasks]
    return ", ".join([*tasks, *(e.describe() for e in case.waiting_for)]) or "nothing"
