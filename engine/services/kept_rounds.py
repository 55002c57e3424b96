"""The timer round's handover of kept messages to cases that already wait for them (ADR 0008).

A step hands a kept message to a case only when the step leaves the case newly waiting for it
(engine.services.kept_messages). A case that began waiting in a transaction concurrent with the
sender's was handed it by neither: the sender saw no waiting case and kept the message, the case's
step did not see the kept message yet. So each timer round, before the expired messages are
deleted, looks at the unexpired kept messages, oldest first, and hands each to the oldest running
case of its process that waits for it and belongs with it (routing.waiting_cases, then
kept_messages.hand_over: the rule of a direct delivery), one message to one case, each in a
transaction of its own. A kept message that fails its case here (a condition or script of the
receiver on its payload) fails the case as an unattended step does: `failed`, with an open
incident that names the message, which is taken out of the buffer in the same transaction. A
person's step that would have handed it over ran on without it (without_failing_handoffs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from engine.errors import ConflictError, UnavailableError
from engine.persistence.ports import BufferedMessage, UnitOfWork
from engine.runtime import stepping
from engine.services.kept_messages import hand_over, handoffs_off
from engine.services.routing import waiting_cases
from engine.services.unattended import UnattendedSteps

log = logging.getLogger("kapula.timers")

# kept messages looked at per round (each costs a read of the waiting cases): the next round goes
# on after the last one looked at, so a long buffer is gone through in turn, none starved
HANDOVER_MAX = 1_000


@dataclass(frozen=True)
class Handovers:
    """What one round's handover did: messages handed over, and the cases that failed on theirs."""

    handed: int = 0
    failed: tuple[int, ...] = ()


class KeptRounds(UnattendedSteps):
    """The timer round's handover of kept messages to the cases that already wait for them."""

    # the id of the last kept message the previous round looked at, when it stopped at HANDOVER_MAX
    # (one timer round runs at a time in a process; several processes each go round on their own)
    _kept_after = 0

    def _hand_over_kept_messages(self, now: datetime) -> Handovers:
        """Hand each unexpired kept message (at most HANDOVER_MAX, from where the last round stopped)
        to a running case that already waits for it and belongs with it; see the module docstring.
        A failure to read is logged and left to the next round. Raises UnavailableError."""
        try:
            with self._reads() as session:
                uow = self._unit(session)
                batch = uow.buffer.unexpired(now=now, after=self._kept_after, limit=HANDOVER_MAX)
                found = [(kept, _waiting(uow, kept)) for kept in batch]
        except UnavailableError:
            raise
        except Exception:
            log.exception("kept messages could not be read for cases already waiting; the next round tries again")
            return Handovers()
        self._kept_after = batch[-1].id if len(batch) == HANDOVER_MAX else 0
        handed, failed, served = 0, [], set()
        # the round's own steps hand over nothing more: a case that begins waiting in one is found
        # by the next round, and a failure here is the receiving case's alone
        with handoffs_off():
            for kept, case_ids in found:
                # the stored rows are an index: the first case that, loaded, belongs with it takes it
                for case_id in (c for c in case_ids if c not in served):
                    outcome = self._hand_over_one(kept, case_id, now)
                    if outcome is None:
                        continue
                    served.add(case_id)
                    if outcome:
                        handed += 1
                    else:
                        failed.append(case_id)
                    break
        if handed:
            log.info("%d kept message(s) handed to cases already waiting for them", handed)
        return Handovers(handed, tuple(failed))

    def _hand_over_one(self, kept: BufferedMessage, case_id: int, now: datetime) -> bool | None:
        """True when the case took the kept message and ran on, False when it failed on it (recorded
        on the case), None when neither (it does not wait for it any more, another step took it or
        changed the case first, or Kapula itself failed: logged). Raises UnavailableError."""
        try:
            return self._deliver_kept(kept, case_id, now)
        except ConflictError:
            return None  # another step moved the case or took the message: the next round looks again
        except UnavailableError:
            raise
        except Exception:  # a fault in recording the failure: the message stays kept for the next round
            self._store.cache.discard(case_id)
            log.exception("case %s: kept message %s could not be handed over or its failure recorded", case_id, kept.id)
            return None

    def _deliver_kept(self, kept: BufferedMessage, case_id: int, now: datetime) -> bool | None:
        """One handover in its own transaction, the case's step in a savepoint: see _hand_over_one."""
        with self._sessions.begin() as session:
            ctx = self._load_for_step(session, case_id, now, trigger="message")
            if ctx is None:
                return None  # its stored state is broken, now recorded; the message stays kept
            if not stepping.waits_for_message(ctx.live, kept.name):
                self._store.release(ctx)
                return None
            buffer = self._unit(session).buffer
            handed = False
            try:
                with session.begin_nested():
                    handed = hand_over(buffer, ctx, kept, clock=self._clock)
                    done = self._save_step(session, ctx, now=now, user=None) if handed else None
            except (ConflictError, UnavailableError):
                self._store.cache.discard(case_id)
                raise
            except Exception as exc:
                self._store.cache.discard(case_id)  # the live workflow is half stepped: never reuse it
                # delivered, though to a case that failed on it: one message goes to one case
                if not buffer.take(kept.id):
                    raise ConflictError(f"kept message {kept.id} was taken meanwhile", case_id=case_id) from exc
                about = (
                    f"message '{kept.name}' from case {kept.from_case_id}, kept since {kept.created_at.isoformat()} "
                    "and now taken out of the buffer (retry the case, then send the message again)"
                )
                self._record_failure(session, ctx, exc, now, trigger="message", own_step=not handed, about=about)
                return False
            if done is None:
                self._store.release(ctx)
                return None
        self._store.remember(ctx)
        self._remember_receivers(done[1])
        return True


def _waiting(uow: UnitOfWork, kept: BufferedMessage) -> list[int]:
    """Running cases of the message's process that wait for it and may belong with it (the stored
    rows, as routing reads them for a direct delivery), oldest first; not the case that sent it."""
    found = waiting_cases(uow, kept.process_key, kept.name, conversation=kept.conversation_id, correlations=kept.correlations)
    return [case_id for case_id in found if case_id != kept.from_case_id]
