"""Delivering the messages a step threw to the cases of the other pools, inside the step's transaction.

A message thrown in one pool that its own case does not catch is for the other executable pools of
the same collaboration (those its message flows point at, else those that receive its name). In
each such process it resumes the one running case that waits for it and belongs with the sender:
the case whose correlation keys (the diagram's `correlationKey`s) hold the message's values, or,
when the diagram has none, the case of the same conversation (`case.conversation_id`, which a
case started by a message inherits from its sender). When no case waits and the process starts
on that message, it starts a new case. When none waits and the process does not start on it, but
an element of it receives it, the message is kept (the unit of work's MessageBuffer, until the
service's `message_ttl` passes): the first step that leaves a case of that process waiting for it
in the sender's conversation or correlation hands it over, as if it had just been sent (Zeebe's
message buffering; docs/adr/0008-buffered-messages.md). Any other message that finds no receiver
fails the step with a clear error (nothing is changed) instead of being lost. Each delivery is one
`message_sent` event in the sender's log and one `message_received` in the receiver's, whose
`from_lane` makes the work that follows a handoff between the lanes (engine.history, engine.spans).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.access.access_log import AccessEntry
from engine.case_store import SavedStep, StepContext, correlation_value, waiting_from_json
from engine.definitions import DeployedVersion
from engine.errors import CaseStepError, NotFoundError
from engine.model import Lifecycle
from engine.persistence.ports import BufferedMessage, UnitOfWork
from engine.runtime import stepping
from engine.runtime.stepping import Thrown
from engine.services.definitions import latest
from engine.services.gate import Caller, entry
from engine.services.kept_messages import belongs, received_entry, take_kept
from engine.services.shared import ServiceBase

# messages passed back and forth within one use case before it is stopped as a loop between pools
MAX_DELIVERIES = 100


class Delivery:
    """The cases one use case steps: the first (the caller's), and those its messages reached."""

    def __init__(self, first: StepContext) -> None:
        self.first = first
        self.active: dict[int, StepContext] = {first.case.id: first}
        self.receivers: list[StepContext] = []
        self.started: set[int] = set()  # receivers that a message started
        self.count = 0

    def entries(self, caller: Caller, now: datetime) -> list[AccessEntry]:
        """The access-log entries of the cases the caller's step changed by its messages."""
        return [entry(caller, "message", now, case_id=c.case.id, process_key=c.deployed.key) for c in self.receivers]


class MessageRouting(ServiceBase):
    """What the step use cases share to pass messages on and write every case they reached."""

    def _pass_messages(self, db: Session | UnitOfWork, first: StepContext, now: datetime) -> Delivery:
        """Deliver what `first` threw, and what the receivers threw in turn. Raises CaseStepError
        naming the throwing element when a message finds no receiver; nothing is saved here."""
        delivery = Delivery(first)
        queue = [first]
        while queue:
            while queue:
                self._pass_thrown(db, delivery, queue.pop(0), queue, now)
            # the cases now waiting for a message kept for them take it, and run on: again
            queue = self._take_kept(db, delivery, now)
        return delivery

    def _pass_thrown(
        self, db: Session | UnitOfWork, delivery: Delivery, sender: StepContext, queue: list[StepContext], now: datetime
    ) -> None:
        """Deliver (or keep) each message `sender` threw; the receivers join `queue`."""
        for thrown in stepping.take_thrown(sender.live):
            delivery.count += 1
            if delivery.count > MAX_DELIVERIES:
                raise CaseStepError(
                    f"{_element(sender, thrown)}: messages went back and forth between pools more than "
                    f"{MAX_DELIVERIES} times in one step; the diagrams probably loop",
                    case_id=sender.case.id,
                    element_id=thrown.element_id,
                )
            to_cases, to_pools, kept_until = [], [], None
            for key, pool in self._targets(db, sender, thrown):
                to_pools.append(pool)
                if key is None:
                    continue  # a pool without a process: the message leaves Kapula
                receiver = self._receive(db, delivery, sender, thrown, key, pool, now)
                if receiver is None:
                    kept_until = now + self._message_ttl
                    continue
                to_cases.append(receiver.case.id)
                if receiver.case.id not in [c.case.id for c in queue]:
                    queue.append(receiver)
            sent: dict[str, Any] = {"message": thrown.name, "to_cases": to_cases, "to": to_pools}
            if kept_until is not None:
                sent["kept_until"] = kept_until.isoformat()
            sender.sent.append((thrown.task_id, thrown.element_id, sent))

    def _take_kept(self, db: Session | UnitOfWork, delivery: Delivery, now: datetime) -> list[StepContext]:
        """The cases of this use case that wait for a message kept for them, each handed the oldest
        one that belongs with it (the rule of direct delivery) and run on, the message taken out of
        the buffer. Raises ConflictError when another transaction took it first."""
        buffer = self._port(db).buffer
        reached = []
        for ctx in list(delivery.active.values()):
            if take_kept(buffer, ctx, now=now, clock=self._clock):
                delivery.count += 1
                reached.append(ctx)
        return reached

    def _save_step(
        self, db: Session | UnitOfWork, ctx: StepContext, *, now: datetime, user: str | None, **options: Any
    ) -> tuple[SavedStep, Delivery]:
        """Pass on the messages the step threw (reading through the unit of work's port), then write the case (`options` as for CaseStore.save)
        and every case a message reached, in the caller's transaction. Raises CaseStepError or
        ConflictError; the caller's transaction then rolls all of it back."""
        uow = self._port(db)
        delivery = self._pass_messages(uow, ctx, now)
        saved = uow.cases.save(ctx, now=now, user=user, **options)
        for receiver in delivery.receivers:
            first = Lifecycle.CASE_STARTED if receiver.case.id in delivery.started else None
            uow.cases.save(receiver, now=now, user=None, first_event=first)
        return saved, delivery

    def _remember_receivers(self, delivery: Delivery) -> None:
        for ctx in delivery.receivers:
            self._store.remember(ctx)

    def _targets(self, db: Session | UnitOfWork, sender: StepContext, thrown: Thrown) -> list[tuple[str | None, str]]:
        """(process key or None, pool name) the message goes to: along the message flows drawn from
        the throwing element, else to each partner process whose latest version receives the name."""
        partners = sender.deployed.partners
        flows = partners.flows.get(thrown.element_id or "")
        if flows:
            return [(t.process, t.pool) for t in flows]
        out: list[tuple[str | None, str]] = []
        for key in partners.processes:
            try:
                newest = self._deployed(db, latest(self._port(db), key).id)
            except NotFoundError:
                continue
            if thrown.name in newest.catchers:
                out.append((key, partners.pools.get(key, key)))
        if not out and partners.processes and not partners.outside:
            # every pool of the collaboration runs here and none receives it: the author's mistake
            # (a name spelt two ways), told now rather than a message lost
            raise CaseStepError(
                f"{_element(sender, thrown)}: no other pool of the collaboration receives message '{thrown.name}' "
                f"(pools: {', '.join(repr(partners.pools.get(k, k)) for k in partners.processes)}); draw a message flow "
                "or give the receiving element the same message",
                case_id=sender.case.id,
                element_id=thrown.element_id,
            )
        return out

    def _receive(
        self,
        db: Session | UnitOfWork,
        delivery: Delivery,
        sender: StepContext,
        thrown: Thrown,
        key: str,
        pool: str,
        now: datetime,
    ) -> StepContext | None:
        """The case of `key` that takes the message (resumed or started), with the message caught and
        run until it waits; None when the message was kept for a case that will wait for it. Raises
        CaseStepError when there is none and it cannot be kept, or more than one."""
        found = self._waiting_receivers(db, delivery, sender, thrown, key)
        if len(found) > 1:
            ids = ", ".join(str(c) for c in sorted(found))
            raise CaseStepError(
                f"{_element(sender, thrown)}: message '{thrown.name}' matches {len(found)} waiting cases of pool "
                f"'{pool}' (cases {ids}); give the diagram a correlation key that tells them apart",
                case_id=sender.case.id,
                element_id=thrown.element_id,
            )
        if found:
            case_id = found[0]
            receiver = delivery.active.get(case_id) or self._port(db).cases.load(case_id)
        else:
            started = self._start_receiver(db, sender, thrown, key, pool, now)
            if started is None:
                self._keep(db, sender, thrown, key, pool, now)
                return None
            receiver = started
            delivery.started.add(receiver.case.id)
        result = stepping.deliver_message(
            receiver.live,
            thrown.name,
            thrown.payload,
            correlations=thrown.correlations or None,
            clock=self._clock,
            case_id=receiver.case.id,
        )
        if not result.caught:
            raise CaseStepError(
                f"{_element(sender, thrown)}: case {receiver.case.id} of pool '{pool}' did not take message "
                f"'{thrown.name}' (its correlation keys hold other values)",
                case_id=sender.case.id,
                element_id=thrown.element_id,
            )
        lane = _lane(sender.deployed, thrown.element_id)
        receiver.received.append((thrown.name, received_entry(thrown.name, sender.case.id, thrown.element_id, lane)))
        if receiver.case.id not in delivery.active:
            delivery.active[receiver.case.id] = receiver
            delivery.receivers.append(receiver)
        return receiver

    def _start_receiver(
        self, db: Session | UnitOfWork, sender: StepContext, thrown: Thrown, key: str, pool: str, now: datetime
    ) -> StepContext | None:
        """A new case of `key` for a message its start event receives, in the sender's conversation;
        None when the process does not start on it but an element of it receives it, and messages
        are kept (`message_ttl`). Raises CaseStepError when neither."""
        deployed = self._deployed(db, latest(self._port(db), key).id)
        if not deployed.runnable:
            raise CaseStepError(
                f"{_element(sender, thrown)}: message '{thrown.name}' is for pool '{pool}', whose process '{key}' "
                f"version {deployed.version} is documentation only and cannot start or resume a case; "
                f"fix it and upload it again",
                case_id=sender.case.id,
                element_id=thrown.element_id,
            )
        catchers = deployed.catchers.get(thrown.name, [])
        if not any(c.starts for c in catchers):
            if catchers and self._message_ttl > timedelta(0):
                return None
            where = ", ".join(f"'{c.name or c.element_id}' ({c.element_id})" for c in catchers) or "no element"
            raise CaseStepError(
                f"{_element(sender, thrown)}: no case of pool '{pool}' waits for message '{thrown.name}' in this "
                f"conversation; {where} receives it, and the process does not start on it",
                case_id=sender.case.id,
                element_id=thrown.element_id,
            )
        ctx = self._port(db).cases.create(deployed, now=now, conversation_id=sender.case.conversation_id)
        stepping.start(ctx.live, {}, clock=self._clock)
        return ctx

    def _keep(self, db: Session | UnitOfWork, sender: StepContext, thrown: Thrown, key: str, pool: str, now: datetime) -> None:
        kept = BufferedMessage(
            thrown.name,
            key,
            pool,
            sender.case.conversation_id,
            thrown.correlations,
            thrown.payload,
            sender.case.id,
            thrown.element_id,
            _lane(sender.deployed, thrown.element_id),
            now,
            now + self._message_ttl,
        )
        self._port(db).buffer.add(kept)

    def _waiting_receivers(
        self, db: Session | UnitOfWork, delivery: Delivery, sender: StepContext, thrown: Thrown, key: str
    ) -> list[int]:
        """Ids of the running cases of `key` that wait for the message and belong with the sender."""
        found = [
            c.case.id
            for c in delivery.active.values()
            if c is not sender
            and c.deployed.key == key
            and stepping.waits_for_message(c.live, thrown.name)
            and belongs(c, sender.case.conversation_id, thrown.correlations)
        ]
        for case_id in waiting_cases(
            self._port(db), key, thrown.name, conversation=sender.case.conversation_id, correlations=thrown.correlations
        ):
            if case_id not in delivery.active and case_id != sender.case.id:
                found.append(case_id)
        return found


def waiting_for_message(text: str | None, name: str) -> bool:
    return any(e.kind == "message" and e.message == name for e in waiting_from_json(text))


def waiting_cases(
    uow: UnitOfWork, key: str, name: str, *, conversation: str | None, correlations: dict[str, Any] | None = None
) -> list[int]:
    """Running cases of process `key` that wait for message `name` and match any key of
    `correlations`, or, for a case that holds none of those keys, the `conversation`. Oldest first."""
    values = {k: correlation_value(v) for k, v in (correlations or {}).items()}
    found = uow.messages.waiting(key, name, values=values, conversation=conversation)
    return sorted(case_id for case_id, waits in found.items() if waiting_for_message(waits, name))


def _lane(deployed: DeployedVersion, element_id: str | None) -> str | None:
    info = deployed.elements.get(element_id or "")
    return info.actor if info else None


def _element(ctx: StepContext, thrown: Thrown) -> str:
    """'Send application' (Throw_app) of process 'Front_office': the throwing element as its author named it."""
    info = ctx.deployed.elements.get(thrown.element_id or "")
    name = info.name if info and info.name else thrown.element_id
    return f"'{name}' ({thrown.element_id}) of process '{ctx.deployed.key}'"
