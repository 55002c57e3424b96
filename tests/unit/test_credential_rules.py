"""Sessions' and API tokens' rules (engine.access.credentials) on the in-memory unit of work: only
hashes are stored, a session lasts SESSION_LIFETIME, a revocation keeps its first time, and another
user's token is "not found" so ids reveal nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.access import credentials
from engine.access.policy import Role
from engine.errors import InvalidDataError, NotFoundError
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import NewUser

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.directory.add_organisation("SEK", [], at=NOW)
    for name in ("sek.a", "sek.b"):
        fake.directory.add_user(NewUser(name, name, Role.ADVISOR, "SEK", "hash", NOW))
    return fake


def test_a_session_is_kept_by_its_hash_and_ends_after_its_lifetime(uow):
    sid = credentials.open_session(uow.credentials, "sek.a", NOW)
    assert sid not in uow.credentials.sessions and credentials.secret_hash(sid) in uow.credentials.sessions
    principal, until = uow.credentials.session_holder(credentials.secret_hash(sid), NOW)
    assert principal.username == "sek.a" and until == NOW + credentials.SESSION_LIFETIME
    assert uow.credentials.session_holder(credentials.secret_hash(sid), until) is None
    with pytest.raises(NotFoundError):
        credentials.open_session(uow.credentials, "nobody", NOW)


def test_a_token_is_shown_once_and_kept_by_its_hash(uow):
    token, info = credentials.new_token(
        uow.credentials, "sek.a", name="ci", now=NOW, expires_at=credentials.token_expiry(NOW, None)
    )
    assert token.startswith(credentials.TOKEN_PREFIX) and info.expires_at == NOW + credentials.TOKEN_LIFETIME
    assert [h for h, _ in uow.credentials.issued] == [credentials.secret_hash(token)]
    assert uow.credentials.token_holder(credentials.secret_hash(token), NOW)[0].username == "sek.a"


def test_a_revocation_keeps_its_first_time(uow):
    _, info = credentials.new_token(uow.credentials, "sek.a", name="ci", now=NOW, expires_at=NOW + timedelta(days=1))
    first = credentials.revoke(uow.credentials, info.id, NOW + timedelta(minutes=1))
    again = credentials.revoke(uow.credentials, info.id, NOW + timedelta(minutes=5), owner="sek.a")
    assert first.revoked_at == again.revoked_at == NOW + timedelta(minutes=1)
    assert uow.credentials.token(info.id).status(NOW + timedelta(hours=1)) == "revoked"


def test_another_users_token_is_not_found_and_stays_working(uow):
    token, info = credentials.new_token(uow.credentials, "sek.a", name="ci", now=NOW, expires_at=NOW + timedelta(days=1))
    with pytest.raises(NotFoundError, match="API token"):
        credentials.revoke(uow.credentials, info.id, NOW, owner="sek.b")
    with pytest.raises(NotFoundError):
        credentials.revoke(uow.credentials, info.id + 1, NOW)
    assert uow.credentials.token_holder(credentials.secret_hash(token), NOW) is not None


@pytest.mark.parametrize(
    ("expires", "field_error"),
    [
        (NOW - timedelta(seconds=1), "in the past"),
        (NOW + credentials.MAX_TOKEN_LIFETIME + timedelta(seconds=1), "at most 366 days ahead"),
        (datetime(2027, 1, 1), "no time zone"),
    ],
)
def test_a_tokens_expiry_is_bounded(expires, field_error):
    with pytest.raises(InvalidDataError) as raised:
        credentials.token_expiry(NOW, expires)
    assert raised.value.field_errors == {"expires": field_error}
