"""The directory's repository on SQLAlchemy (engine.persistence.ports.DirectoryRepository): users,
organisations and their lane mappings, over the use case's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.access.policy import Principal, Role
from engine.errors import ConflictError, NotFoundError
from engine.persistence.direct import DirectStatement
from engine.persistence.ports import NewUser
from engine.persistence.tables import LaneMappingRecord, OrganisationRecord, ProcessOwnerRecord, UserRecord

# the starter's role, read by the task rules of a customer's step: on the cursor (engine.persistence.direct)
_ROLE = DirectStatement(select(UserRecord.role).where(UserRecord.username == bindparam("username")))
_ROLES = {r.value for r in Role}


class SqlDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def role(self, username: str) -> Role | None:
        row = _ROLE.first(self._session.connection(), {"username": username})
        found = row.role if row is not None else None
        return Role(found) if found in _ROLES else None

    def principal(self, username: str) -> Principal | None:
        user = self.user_record(username)
        return self.principal_of(user) if user is not None else None

    def usernames(self) -> list[str]:
        return list(self._session.scalars(select(UserRecord.username).order_by(UserRecord.username)))

    def disabled(self) -> dict[str, datetime]:
        rows = self._session.execute(
            select(UserRecord.username, UserRecord.disabled_at).where(UserRecord.disabled_at.is_not(None))
        )
        return {name: at for name, at in rows.all() if at is not None}

    def organisations(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        orgs = self._session.scalars(select(OrganisationRecord).order_by(OrganisationRecord.name)).all()
        return [(o.name, self._mappings(o.id)) for o in orgs]

    def add_organisation(self, name: str, lanes: Sequence[tuple[str | None, str]], *, at: datetime) -> None:
        org = OrganisationRecord(name=name, created_at=at)
        self._session.add(org)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the use case's transaction is rolled back with the ConflictError
            raise ConflictError(f"organisation {name!r} exists already") from exc
        self._session.add_all([LaneMappingRecord(organisation_id=org.id, process_key=key, lane=lane) for key, lane in lanes])

    def map_lane(self, organisation: str, lane: str, *, process_key: str | None) -> None:
        self._session.add(LaneMappingRecord(organisation_id=self._org(organisation).id, process_key=process_key, lane=lane))

    def add_user(self, user: NewUser) -> None:
        org_id = self._org(user.organisation).id if user.organisation else None
        self._session.add(
            UserRecord(
                username=user.username,
                display_name=user.display_name,
                role=user.role.value,
                organisation_id=org_id,
                password_hash=user.password_hash,
                created_at=user.created_at,
            )
        )
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"user {user.username!r} exists already") from exc

    def set_language(self, username: str, language: str | None) -> None:
        self.user(username).language = language

    def owner_of(self, process_key: str) -> str | None:
        return self._session.scalars(
            select(OrganisationRecord.name)
            .join(ProcessOwnerRecord, ProcessOwnerRecord.organisation_id == OrganisationRecord.id)
            .where(ProcessOwnerRecord.process_key == process_key)
        ).first()

    def sign_in(self, username: str) -> tuple[str | None, bool] | None:
        user = self.user_record(username)
        return (user.password_hash, user.disabled_at is not None) if user is not None else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.user(username).password_hash = password_hash

    def set_disabled(self, username: str, at: datetime | None) -> None:
        self.user(username).disabled_at = at

    # -- the rows themselves, for what works on them in SQL (engine.persistence.sql_credentials) --

    def user_record(self, username: str) -> UserRecord | None:
        return self._session.scalars(select(UserRecord).where(UserRecord.username == username)).first()

    def user(self, username: str) -> UserRecord:
        """The user's row. Raises NotFoundError."""
        found = self.user_record(username)
        if found is None:
            raise NotFoundError("user", username)
        return found

    def principal_of(self, user: UserRecord) -> Principal:
        org = self._session.get(OrganisationRecord, user.organisation_id) if user.organisation_id else None
        owned = (
            self._session.scalars(
                select(ProcessOwnerRecord.process_key).where(ProcessOwnerRecord.organisation_id == org.id)
            ).all()
            if org
            else []
        )
        return Principal(
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            organisation=org.name if org else None,
            mapped_lanes=tuple(self._mappings(org.id)) if org else (),
            owned_processes=frozenset(owned),
            language=user.language,
        )

    def _org(self, name: str) -> OrganisationRecord:
        org = self._session.scalars(select(OrganisationRecord).where(OrganisationRecord.name == name)).first()
        if org is None:
            raise NotFoundError("organisation", name)
        return org

    def _mappings(self, org_id: int) -> list[tuple[str | None, str]]:
        rows = self._session.execute(
            select(LaneMappingRecord.process_key, LaneMappingRecord.lane).where(LaneMappingRecord.organisation_id == org_id)
        ).all()
        return [(k, lane) for k, lane in rows]
