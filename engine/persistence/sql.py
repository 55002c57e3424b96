"""The unit of work on SQLAlchemy: the repositories of engine.persistence.ports over the use case's
session (its transaction is the use case's own)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.access.access_log import AccessEntry, write_entries
from engine.access.principal_cache import forget_all
from engine.errors import ConflictError, NotFoundError
from engine.persistence.tables import AccessLogRecord, OrganisationRecord, ProcessOwnerRecord, ProcessVersionRecord


class SqlOwnerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def owners(self, keys: Iterable[str]) -> dict[str, str | None]:
        wanted = list(dict.fromkeys(keys))
        rows = self._session.execute(
            select(ProcessOwnerRecord.process_key, OrganisationRecord.name)
            .join(OrganisationRecord, OrganisationRecord.id == ProcessOwnerRecord.organisation_id)
            .where(ProcessOwnerRecord.process_key.in_(wanted))
        ).all()
        found = {key: name for key, name in rows}
        return {key: found.get(key) for key in wanted}

    def deployed(self, keys: Iterable[str]) -> set[str]:
        query = select(ProcessVersionRecord.key).where(ProcessVersionRecord.key.in_(list(keys))).distinct()
        return set(self._session.scalars(query))

    def organisations(self) -> list[str]:
        return list(self._session.scalars(select(OrganisationRecord.name).order_by(OrganisationRecord.name)))

    def claim(self, keys: Sequence[str], organisation: str) -> None:
        org_id = self._session.scalars(select(OrganisationRecord.id).where(OrganisationRecord.name == organisation)).first()
        if org_id is None:
            raise NotFoundError("organisation", organisation)
        if not keys:
            return
        try:
            # a savepoint, so the failed INSERT leaves the use case's transaction usable for its refusal
            with self._session.begin_nested():
                self._session.execute(insert(ProcessOwnerRecord), [{"process_key": k, "organisation_id": org_id} for k in keys])
            # the owners' principals carry their processes: forget the kept ones once this commits
            event.listen(self._session, "after_commit", _forget_principals, once=True)
        except IntegrityError as exc:
            raise ConflictError(f"another upload of {', '.join(keys)} was stored at the same moment; "
                                "nothing of this upload was stored") from exc


def _forget_principals(_session: Session) -> None:
    forget_all()


class SqlAccessLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entries: Sequence[AccessEntry]) -> None:
        write_entries(self._session, entries)

    def entries(self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None,
                limit: int = 1000) -> list[AccessEntry]:
        query = select(AccessLogRecord).order_by(AccessLogRecord.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(AccessLogRecord.case_id == case_id)
        if user is not None:
            query = query.where(AccessLogRecord.user_name == user)
        if refused is not None:
            query = query.where(AccessLogRecord.refused.is_not(None) if refused else AccessLogRecord.refused.is_(None))
        records = self._session.scalars(query).all()
        return [AccessEntry(r.at, r.user_name, r.case_id, r.action, r.task_id, r.origin, r.process_key, r.refused,
                            r.reason)
                for r in reversed(records)]


class SqlUnitOfWork:
    """The repositories over one session; the session's transaction is the unit."""

    def __init__(self, session: Session) -> None:
        self.owners = SqlOwnerRepository(session)
        self.access_log = SqlAccessLog(session)
