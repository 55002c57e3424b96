"""Sign-in sessions, API tokens and generated settings on SQLAlchemy
(engine.persistence.ports.CredentialRepository and SettingRepository), over the use case's session.
Only the SHA-256 of a session id or token reaches these (engine.access.credentials hashes them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.access.credentials import TokenInfo
from engine.access.policy import Principal
from engine.errors import ConflictError
from engine.persistence.sql_directory import SqlDirectoryRepository
from engine.persistence.tables import ApiTokenRecord, SettingRecord, UserRecord, WebSessionRecord


class SqlCredentialRepository:
    def __init__(self, session: Session, directory: SqlDirectoryRepository) -> None:
        self._session = session
        self._directory = directory

    def open_session(self, username: str, id_hash: str, *, now: datetime, expires_at: datetime) -> None:
        user = self._directory.user(username)
        self._session.execute(
            delete(WebSessionRecord).where(WebSessionRecord.user_id == user.id, WebSessionRecord.expires_at <= now)
        )
        self._session.add(WebSessionRecord(id_hash=id_hash, user_id=user.id, created_at=now, expires_at=expires_at))

    def session_holder(self, id_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        row = self._session.execute(
            select(UserRecord, WebSessionRecord.expires_at)
            .join(WebSessionRecord, WebSessionRecord.user_id == UserRecord.id)
            .where(WebSessionRecord.id_hash == id_hash, WebSessionRecord.expires_at > now, UserRecord.disabled_at.is_(None))
        ).first()
        return (self._directory.principal_of(row[0]), row[1]) if row else None

    def end_session(self, id_hash: str) -> None:
        self._session.execute(delete(WebSessionRecord).where(WebSessionRecord.id_hash == id_hash))

    def end_sessions_of(self, username: str) -> None:
        self._session.execute(
            delete(WebSessionRecord).where(
                WebSessionRecord.user_id.in_(select(UserRecord.id).where(UserRecord.username == username))
            )
        )

    def add_token(self, username: str, token_hash: str, *, name: str, now: datetime, expires_at: datetime) -> TokenInfo:
        record = ApiTokenRecord(
            user_id=self._directory.user(username).id, token_hash=token_hash, name=name, created_at=now, expires_at=expires_at
        )
        self._session.add(record)
        self._session.flush()  # assigns the id
        return _info(record, username)

    def token_holder(self, token_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
        row = self._session.execute(
            select(UserRecord, ApiTokenRecord.expires_at)
            .join(ApiTokenRecord, ApiTokenRecord.user_id == UserRecord.id)
            .where(
                ApiTokenRecord.token_hash == token_hash,
                ApiTokenRecord.expires_at > now,
                ApiTokenRecord.revoked_at.is_(None),
                UserRecord.disabled_at.is_(None),
            )
        ).first()
        return (self._directory.principal_of(row[0]), row[1]) if row else None

    def tokens(self, username: str | None) -> list[TokenInfo]:
        query = (
            select(ApiTokenRecord, UserRecord.username)
            .join(UserRecord, UserRecord.id == ApiTokenRecord.user_id)
            .order_by(ApiTokenRecord.id)
        )
        if username is not None:
            query = query.where(ApiTokenRecord.user_id == self._directory.user(username).id)
        return [_info(t, name) for t, name in self._session.execute(query).all()]

    def token(self, token_id: int) -> TokenInfo | None:
        # locked: two revocations at once both see it unrevoked, and the first time is kept by the rule
        row = self._session.execute(
            select(ApiTokenRecord, UserRecord.username)
            .join(UserRecord, UserRecord.id == ApiTokenRecord.user_id)
            .where(ApiTokenRecord.id == token_id)
            .with_for_update()
        ).first()
        return _info(row[0], row[1]) if row else None

    def set_revoked(self, token_id: int, at: datetime) -> None:
        self._session.execute(
            update(ApiTokenRecord)
            .where(ApiTokenRecord.id == token_id)
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )


def _info(record: ApiTokenRecord, username: str) -> TokenInfo:
    return TokenInfo(
        id=record.id,
        username=username,
        name=record.name,
        created_at=record.created_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
    )


class SqlSettingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> str | None:
        row = self._session.get(SettingRecord, name)
        return row.value if row is not None else None

    def add(self, name: str, value: str) -> None:
        self._session.add(SettingRecord(name=name, value=value))
        try:
            self._session.flush()
        except IntegrityError as exc:  # the use case's transaction is rolled back with the ConflictError
            raise ConflictError(f"setting {name!r} was stored by another process at the same moment") from exc
