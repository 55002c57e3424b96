"""Browser sessions and API tokens: random secrets of which only the SHA-256 is kept.

The rules (lifetimes, expiry limits, revocation) over the unit of work's credentials repository
(engine.persistence.ports.CredentialRepository), inside the caller's transaction; `Directory` opens
them. The rows are engine.persistence.sql_credentials' business.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.errors import InvalidDataError, NotFoundError

if TYPE_CHECKING:  # the port names TokenInfo: no import back at run time
    from engine.persistence.ports import CredentialRepository

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


def open_session(credentials: CredentialRepository, username: str, now: datetime) -> str:
    """A new session for the user; returns its id (the cookie's value), valid for SESSION_LIFETIME.
    Expired sessions of the same user are removed on the way, so the table holds only live sessions
    and recent leftovers. Raises NotFoundError (no such user)."""
    sid = secrets.token_urlsafe(32)
    credentials.open_session(username, secret_hash(sid), now=now, expires_at=now + SESSION_LIFETIME)
    return sid


# -- API tokens -------------------------------------------------------------------------------


def token_expiry(now: datetime, expires_at: datetime | None) -> datetime:
    """The expiry to store: `expires_at`, else 90 days from now. Raises InvalidDataError for a time
    in the past or more than 366 days ahead (a token that outlives its purpose is a standing risk)."""
    if expires_at is None:
        return now + TOKEN_LIFETIME
    if expires_at.tzinfo is None:
        raise InvalidDataError(
            "the expiry needs a time zone (e.g. 2027-01-31T00:00:00Z)", field_errors={"expires": "no time zone"}
        )
    if expires_at <= now:
        raise InvalidDataError("the expiry is in the past", field_errors={"expires": "in the past"})
    if expires_at > now + MAX_TOKEN_LIFETIME:
        raise InvalidDataError(
            f"a token lives at most {MAX_TOKEN_LIFETIME.days} days",
            field_errors={"expires": f"at most {MAX_TOKEN_LIFETIME.days} days ahead"},
        )
    return expires_at


def new_token(
    credentials: CredentialRepository, username: str, *, name: str, now: datetime, expires_at: datetime
) -> tuple[str, TokenInfo]:
    """A new token (the secret, shown once; only its hash is stored) and its listing entry. Raises
    NotFoundError (no such user)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, credentials.add_token(username, secret_hash(token), name=name, now=now, expires_at=expires_at)


def revoke(credentials: CredentialRepository, token_id: int, now: datetime, *, owner: str | None = None) -> TokenInfo:
    """Revoke a token (idempotent: an already revoked token keeps its first time); with `owner`, only
    that user's. Raises NotFoundError, also for another user's token, so ids reveal nothing."""
    found = credentials.token(token_id)
    if found is None or (owner is not None and found.username != owner):
        raise NotFoundError("API token", token_id)
    if found.revoked_at is not None:
        return found
    credentials.set_revoked(token_id, now)
    return replace(found, revoked_at=now)
