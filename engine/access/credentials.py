"""Browser sessions and API tokens: random secrets of which only the SHA-256 is kept.

Each function works inside the caller's transaction (a SQLAlchemy Session); `Directory` opens them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import InvalidDataError, NotFoundError
from engine.persistence.tables import ApiTokenRecord, UserRecord, WebSessionRecord

# a working day and then some: a browser session ends at the latest this long after sign-in
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_LIFETIME = timedelta(days=90)
MAX_TOKEN_LIFETIME = timedelta(days=366)
TOKEN_PREFIX = "kap_"


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a random secret (a session id or token): no salt or slow hash is needed for
    256-bit random values, and a stolen table gives no usable cookie or token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner and administrators see it (never the token itself)."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


# -- browser sessions -------------------------------------------------------------------------

def open_session(session: Session, user: UserRecord, now: datetime) -> str:
    """A new session for the user; returns its id (the cookie's value). Expired rows of the same
    user are removed on the way, so the table holds only live sessions and recent leftovers."""
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user.id, WebSessionRecord.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    session.add(WebSessionRecord(id_hash=secret_hash(sid), user_id=user.id, created_at=now, expires_at=now + SESSION_LIFETIME))
    return sid


def session_user_until(session: Session, sid: str, now: datetime) -> tuple[UserRecord, datetime] | None:
    """The enabled user of a live session and when the session expires, else None."""
    row = session.execute(
        select(UserRecord, WebSessionRecord.expires_at).join(WebSessionRecord, WebSessionRecord.user_id == UserRecord.id)
        .where(WebSessionRecord.id_hash == secret_hash(sid), WebSessionRecord.expires_at > now,
               UserRecord.disabled_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def end_session(session: Session, sid: str) -> None:
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.id_hash == secret_hash(sid)))


def end_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id))


# -- API tokens -------------------------------------------------------------------------------

def token_expiry(now: datetime, expires_at: datetime | None) -> datetime:
    """The expiry to store: `expires_at`, else 90 days from now. Raises InvalidDataError for a time
    in the past or more than 366 days ahead (a token that outlives its purpose is a standing risk)."""
    if expires_at is None:
        return now + TOKEN_LIFETIME
    if expires_at.tzinfo is None:
        raise InvalidDataError("the expiry needs a time zone (e.g. 2027-01-31T00:00:00Z)", field_errors={"expires": "no time zone"})
    if expires_at <= now:
        raise InvalidDataError("the expiry is in the past", field_errors={"expires": "in the past"})
    if expires_at > now + MAX_TOKEN_LIFETIME:
        raise InvalidDataError(f"a token lives at most {MAX_TOKEN_LIFETIME.days} days",
                               field_errors={"expires": f"at most {MAX_TOKEN_LIFETIME.days} days ahead"})
    return expires_at


def new_token(session: Session, user: UserRecord, *, name: str, now: datetime, expires_at: datetime) -> tuple[str, TokenInfo]:
    """A new token (the secret, shown once) and its listing entry."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiTokenRecord(user_id=user.id, token_hash=secret_hash(token), name=name, created_at=now, expires_at=expires_at)
    session.add(record)
    session.flush()  # assigns the id
    return token, _info(record, user.username)


def token_user_until(session: Session, token: str, now: datetime) -> tuple[UserRecord, datetime] | None:
    """The enabled user of an unexpired, unrevoked token and when the token expires, else None."""
    row = session.execute(
        select(UserRecord, ApiTokenRecord.expires_at).join(ApiTokenRecord, ApiTokenRecord.user_id == UserRecord.id)
        .where(ApiTokenRecord.token_hash == secret_hash(token), ApiTokenRecord.expires_at > now,
               ApiTokenRecord.revoked_at.is_(None), UserRecord.disabled_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def tokens(session: Session, user_id: int | None) -> list[TokenInfo]:
    """The tokens of one user (or everyone's when None), oldest first."""
    query = (select(ApiTokenRecord, UserRecord.username).join(UserRecord, UserRecord.id == ApiTokenRecord.user_id)
             .order_by(ApiTokenRecord.id))
    if user_id is not None:
        query = query.where(ApiTokenRecord.user_id == user_id)
    return [_info(t, username) for t, username in session.execute(query).all()]


def revoke(session: Session, token_id: int, now: datetime, *, owner: str | None = None) -> TokenInfo:
    """Revoke a token (idempotent: an already revoked token keeps its first time); with `owner`, only
    that user's. Raises NotFoundError."""
    row = session.execute(select(ApiTokenRecord, UserRecord.username).join(UserRecord, UserRecord.id == ApiTokenRecord.user_id)
                          .where(ApiTokenRecord.id == token_id).with_for_update()).first()
    if row is None or (owner is not None and row[1] != owner):
        raise NotFoundError("API token", token_id)
    record, username = row
    if record.revoked_at is None:
        record.revoked_at = now
    return _info(record, username)


def _info(record: ApiTokenRecord, username: str) -> TokenInfo:
    return TokenInfo(id=record.id, username=username, name=record.name, created_at=record.created_at,
                     expires_at=record.expires_at, revoked_at=record.revoked_at)
