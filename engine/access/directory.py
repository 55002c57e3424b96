"""Users, organisations, lane mappings, sign-in sessions, API tokens and process ownership: each
method one transaction through the unit of work (engine.persistence.ports: the directory's,
credentials' and settings' repositories), with credentials.py's rules."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from engine.access import credentials
from engine.access.credentials import TokenInfo
from engine.access.passwords import hash_password, verify_password
from engine.access.policy import Principal, Role
from engine.access.principal_cache import PrincipalCache, forget_all
from engine.clock import Clock
from engine.display import LANGUAGES
from engine.errors import AuthenticationError, ConflictError, InvalidDataError, NotFoundError
from engine.persistence.ports import CredentialRepository, DirectoryRepository, NewUser
from engine.persistence.sql import SqlUnitOfWork

# reads a credential's holder and until when it holds, by the secret's hash (a CredentialRepository's
# session_holder or token_holder), or None
HolderUntil = Callable[[CredentialRepository, str, datetime], "tuple[Principal, datetime] | None"]

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,149}$")
MIN_PASSWORD = 8


class Directory:
    """Who is who. Every method is one transaction."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        # reads take no SQLite write lock (see persistence.database)
        self._reads = sessionmaker(sessions.kw["bind"].execution_options(kapula_readonly=True), expire_on_commit=False)
        self._clock = clock
        self._principals = PrincipalCache()  # by token or session: a request needs no read of its caller

    def now(self) -> datetime:
        """The directory's clock (expiry and lockout times are read against it)."""
        return self._clock.now()

    # -- organisations ------------------------------------------------------------------------

    def add_organisation(self, name: str, *, lanes: list[tuple[str | None, str]] | None = None) -> None:
        """An organisation; `lanes` maps lanes whose names differ from its own: (process key or None, lane)."""
        name = name.strip()
        if not name or len(name) > 255:
            raise InvalidDataError("an organisation needs a name of 1–255 characters", field_errors={"name": "required"})
        for key, lane in lanes or []:
            _check_lane(lane, process_key=key)
        with self._sessions.begin() as session:
            _people(session).add_organisation(name, lanes or [], at=self._clock.now())
        forget_all()

    def map_lane(self, organisation: str, lane: str, *, process_key: str | None = None) -> None:
        """The organisation also works `lane` (of `process_key`, or of every process). Raises
        InvalidDataError (an empty lane or key) or NotFoundError."""
        _check_lane(lane, process_key=process_key)
        with self._sessions.begin() as session:
            _people(session).map_lane(organisation, lane, process_key=process_key)
        forget_all()  # principals carry their lane mappings

    def organisations(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        with self._reads() as session:
            return _people(session).organisations()

    # -- users --------------------------------------------------------------------------------

    def add_user(
        self, username: str, password: str, *, role: Role, organisation: str | None = None, display_name: str | None = None
    ) -> Principal:
        """A user. Advisors and process owners need an organisation. Raises InvalidDataError, NotFoundError
        (organisation) or ConflictError (the name is taken)."""
        check_new_user(username, password, role=role, organisation=organisation)
        password_hash = hash_password(password)  # slow on purpose: not inside the write transaction
        with self._sessions.begin() as session:
            people = _people(session)
            people.add_user(NewUser(username, display_name or username, role, organisation, password_hash, self._clock.now()))
            added = people.principal(username)
        if added is None:  # never: added in this very transaction
            raise NotFoundError("user", username)
        return added

    def users(self) -> list[Principal]:
        with self._reads() as session:
            people = _people(session)
            return [p for p in map(people.principal, people.usernames()) if p is not None]

    def disabled_users(self) -> dict[str, datetime]:
        """User name → when an administrator disabled them."""
        with self._reads() as session:
            return _people(session).disabled()

    def principal(self, username: str) -> Principal:
        """The user as the access rules see them. Raises AuthenticationError if there is no such user."""
        with self._reads() as session:
            found = _people(session).principal(username)
        if found is None:
            raise AuthenticationError("no such user; sign in again")
        return found

    def principal_or_not_found(self, username: str) -> Principal:
        """The user as the access rules see them. Raises NotFoundError if there is no such user."""
        with self._reads() as session:
            found = _people(session).principal(username)
        if found is None:
            raise NotFoundError("user", username)
        return found

    def authenticate(self, username: str, password: str) -> Principal:
        """Raises AuthenticationError for an unknown name, a wrong password or a disabled user (one
        message for all three). Slow on purpose (argon2): call it off the request thread pool."""
        if not USERNAME.match(username):  # never a user's name (and PostgreSQL refuses NUL in a query)
            verify_password(None, password)  # as slow as any other refusal
            raise AuthenticationError("wrong user name or password")
        with self._reads() as session:
            people = _people(session)
            found = people.sign_in(username)
            if not verify_password(found[0] if found else None, password) or found is None or found[1]:
                raise AuthenticationError("wrong user name or password")
            principal = people.principal(username)
        if principal is None:  # never: read in this very transaction
            raise AuthenticationError("wrong user name or password")
        return principal

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable a user (their sessions end at once, their tokens stop working) or enable them again.
        Raises NotFoundError."""
        with self._sessions.begin() as session:
            unit = SqlUnitOfWork(session)
            if disabled:
                # the first time stays: a second "disable" is no new event
                unit.directory.set_disabled(username, unit.directory.disabled().get(username) or self._clock.now())
                unit.credentials.end_sessions_of(username)
            else:
                unit.directory.set_disabled(username, None)
        forget_all()  # a disabled user's tokens and sessions stop working at once

    def set_password(self, username: str, password: str) -> None:
        """A new password for the user; their browser sessions end. Raises InvalidDataError (too short)
        or NotFoundError."""
        if len(password) < MIN_PASSWORD:
            raise InvalidDataError(
                f"a password has at least {MIN_PASSWORD} characters",
                field_errors={"password": f"at least {MIN_PASSWORD} characters"},
            )
        password_hash = hash_password(password)
        with self._sessions.begin() as session:
            unit = SqlUnitOfWork(session)
            unit.directory.set_password_hash(username, password_hash)
            unit.credentials.end_sessions_of(username)
        forget_all()

    def set_language(self, username: str, language: str | None) -> None:
        """The language the user reads the pages in (engine.display.LANGUAGES), or None to follow
        the browser again. Raises InvalidDataError (not one of them) or NotFoundError."""
        if language is not None and language not in LANGUAGES:
            raise InvalidDataError(
                f"language {language!r} is not one of {', '.join(LANGUAGES)}",
                field_errors={"language": f"one of {', '.join(LANGUAGES)}"},
            )
        with self._sessions.begin() as session:
            _people(session).set_language(username, language)

    # -- browser sessions ---------------------------------------------------------------------

    def open_session(self, username: str) -> str:
        """A new browser session for the user (after `authenticate`); returns the id for the cookie."""
        with self._sessions.begin() as session:
            return credentials.open_session(SqlUnitOfWork(session).credentials, username, self._clock.now())

    def kept_principal(self, kind: str, secret: str) -> Principal | None:
        """The principal kept for this credential (`kind` "token" or "session") when it is fresh,
        else None; reads nothing, so an event loop may call it (the HTTP layer's dependencies).
        The credential's own check is `principal_for_token` / `principal_for_session`."""
        return self._principals.get(kind, credentials.secret_hash(secret), self._clock.now())

    def principal_for_session(self, sid: str) -> Principal:
        """The user of a live session. Raises AuthenticationError when it ended, expired or the user
        was disabled."""
        return self._principal_for("session", sid, _session_holder, "the session has ended; sign in again")

    def end_session(self, sid: str) -> None:
        """Sign out: the session's cookie stops working at once, wherever it was copied to."""
        with self._sessions.begin() as session:
            SqlUnitOfWork(session).credentials.end_session(credentials.secret_hash(sid))
        forget_all()

    # -- API tokens ---------------------------------------------------------------------------

    def issue_token(self, username: str, *, name: str = "api", expires_at: datetime | None = None) -> str:
        """A new API token for the user (see `new_token`); only the token."""
        return self.new_token(username, name=name, expires_at=expires_at)[0]

    def new_token(self, username: str, *, name: str = "api", expires_at: datetime | None = None) -> tuple[str, TokenInfo]:
        """A new API token for the user, valid until `expires_at` (default 90 days, at most 366), and
        its listing entry; the token is shown once, only its hash is stored. Raises NotFoundError or
        InvalidDataError."""
        now = self._clock.now()
        expiry = credentials.token_expiry(now, expires_at)
        with self._sessions.begin() as session:
            return credentials.new_token(SqlUnitOfWork(session).credentials, username, name=name, now=now, expires_at=expiry)

    def principal_for_token(self, token: str) -> Principal:
        """Raises AuthenticationError for an unknown, expired or revoked token or a disabled user."""
        return self._principal_for("token", token, _token_holder, "unknown, expired or revoked API token")

    def _principal_for(self, kind: str, secret: str, holder_until: HolderUntil, refusal: str) -> Principal:
        """The principal of a credential of `kind` ("session" or "token"): kept, or read with
        `holder_until` (its holder and until when the credential holds) and kept until then.
        Raises AuthenticationError with `refusal` when the credential holds no longer."""
        now = self._clock.now()
        key = credentials.secret_hash(secret)
        principal = self._principals.get(kind, key, now)
        if principal is not None:
            return principal
        with self._reads() as session:
            found = holder_until(SqlUnitOfWork(session).credentials, key, now)
        if found is None:
            raise AuthenticationError(refusal)
        principal, until = found
        self._principals.put(kind, key, principal, until)
        return principal

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        """The tokens of `username` (everyone's when None). Raises NotFoundError."""
        with self._reads() as session:
            return SqlUnitOfWork(session).credentials.tokens(username or None)

    def revoke_token(self, token_id: int, *, owner: str | None = None) -> TokenInfo:
        """The token stops working at once. With `owner`, only a token of that user is revoked.
        Raises NotFoundError (also for another user's token, so ids reveal nothing)."""
        with self._sessions.begin() as session:
            info = credentials.revoke(SqlUnitOfWork(session).credentials, token_id, self._clock.now(), owner=owner)
        forget_all()
        return info

    # -- process ownership and settings -------------------------------------------------------

    def owner_of(self, process_key: str) -> str | None:
        with self._reads() as session:
            return _people(session).owner_of(process_key)

    def claim_ownership(self, process_keys: list[str], organisation: str) -> None:
        """Record `organisation` as the owner of each key that has no owner yet."""
        with self._sessions.begin() as session:
            owners = SqlUnitOfWork(session).owners
            owners.claim([key for key, owner in owners.owners(process_keys).items() if owner is None], organisation)
        forget_all()  # principals carry their owned processes

    def session_secret(self) -> str:
        """The key that signs session cookies: generated on first use and kept in the database, so
        every worker and every restart shares it."""
        try:
            with self._sessions.begin() as session:
                settings = SqlUnitOfWork(session).settings
                value = settings.get("session_secret")
                if value is None:
                    value = secrets.token_urlsafe(48)
                    settings.add("session_secret", value)
        except ConflictError:
            # several server processes started at once and another one stored its secret first
            with self._sessions() as session:
                value = SqlUnitOfWork(session).settings.get("session_secret")
            if value is None:  # never: the conflict was its row
                raise
        return value


def check_new_user(username: str, password: str | None, *, role: Role, organisation: str | None) -> None:
    """Raise InvalidDataError naming each field a new user's details get wrong: the name's
    characters, the password's length (None: not asked for yet, so not checked), an advisor or
    process owner without an organisation."""
    problems = {}
    if not USERNAME.match(username):
        problems["username"] = "letters, digits and . _ @ - only, starting with a letter or digit"
    if password is not None and len(password) < MIN_PASSWORD:
        problems["password"] = f"at least {MIN_PASSWORD} characters"
    if role in (Role.ADVISOR, Role.PROCESS_OWNER) and not organisation:
        problems["organisation"] = f"{'an advisor' if role is Role.ADVISOR else 'a process owner'} belongs to an organisation"
    if problems:
        raise InvalidDataError(
            "the user cannot be created: " + "; ".join(f"{k}: {v}" for k, v in problems.items()), field_errors=problems
        )


def _check_lane(lane: str, *, process_key: str | None) -> None:
    """Raise InvalidDataError naming the value when a mapped lane, or its process key, is blank or
    longer than 255 characters (a blank lane matches no diagram's lane)."""
    for what, value in (("lane", lane), ("process key", process_key)):
        if value is not None and not 0 < len(value.strip()) <= 255:
            raise InvalidDataError(
                f"{what} {value!r} of a mapped lane: give 1–255 characters", field_errors={"lane": f"{what}: 1–255 characters"}
            )


def _people(session: Session) -> DirectoryRepository:
    return SqlUnitOfWork(session).directory


def _session_holder(found: CredentialRepository, id_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
    return found.session_holder(id_hash, now)


def _token_holder(found: CredentialRepository, token_hash: str, now: datetime) -> tuple[Principal, datetime] | None:
    return found.token_holder(token_hash, now)
