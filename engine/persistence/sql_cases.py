"""The cases' repository on SQLAlchemy (engine.persistence.ports.CaseRepository): CaseStore's load
and save over the use case's session. The step's write path stays in engine/case_store.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.case_store import CaseStore, SavedStep, StepContext
from engine.definitions import DeployedVersion
from engine.model import Lifecycle


class SqlCaseRepository:
    def __init__(self, session: Session, store: CaseStore) -> None:
        self._session = session
        self._store = store

    def create(self, deployed: DeployedVersion, *, now: datetime, conversation_id: str | None = None) -> StepContext:
        return self._store.create(self._session, deployed, now=now, conversation_id=conversation_id)

    def load(self, case_id: int, *, failed_too: bool = False) -> StepContext:
        return self._store.load(self._session, case_id, failed_too=failed_too)

    def save(
        self,
        ctx: StepContext,
        *,
        now: datetime,
        user: str | None,
        first_event: Lifecycle | None = None,
        last_event: Lifecycle | None = None,
        start_data: dict[str, Any] | None = None,
    ) -> SavedStep:
        return self._store.save(
            self._session, ctx, now=now, user=user, first_event=first_event, last_event=last_event, start_data=start_data
        )

    def save_migrated(
        self, ctx: StepContext, target: DeployedVersion, *, now: datetime, user: str | None, details: dict[str, Any]
    ) -> None:
        self._store.save_migrated(self._session, ctx, target, now=now, user=user, details=details)
