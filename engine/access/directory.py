"""Users, organisations, lane mappings, API tokens and process ownership, in the database."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.access.passwords import hash_password, verify_password
from engine.access.policy import Principal, Role
from engine.clock import Clock
from engine.errors import AuthenticationError, ConflictError, InvalidDataError, NotFoundError
from engine.persistence.tables import (
    ApiTokenRecord,
    LaneMappingRecord,
    OrganisationRecord,
    ProcessOwnerRecord,
    SettingRecord,
    UserRecord,
)

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,149}$")
MIN_PASSWORD = 8
_TOKEN_PREFIX = "kap_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Directory:
    """Who is who. Every method is one transaction."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        # reads take no SQLite write lock (see persistence.database)
        self._reads = sessionmaker(sessions.kw["bind"].execution_options(kapula_readonly=True), expire_on_commit=False)
        self._clock = clock

    # -- organisations ------------------------------------------------------------------------

    def add_organisation(self, name: str, *, lanes: list[tuple[str | None, str]] | None = None) -> None:
        """An organisation; `lanes` maps lanes whose names differ from its own: (process key or None, lane)."""
        name = name.strip()
        if not name or len(name) > 255:
            raise InvalidDataError("an organisation needs a name of 1–255 characters", field_errors={"name": "required"})
        try:
            with self._sessions.begin() as session:
                org = OrganisationRecord(name=name, created_at=self._clock.now())
                session.add(org)
                session.flush()
                for key, lane in lanes or []:
                    session.add(LaneMappingRecord(organisation_id=org.id, process_key=key, lane=lane))
        except IntegrityError as exc:
            raise ConflictError(f"organisation {name!r} exists already") from exc

    def map_lane(self, organisation: str, lane: str, *, process_key: str | None = None) -> None:
        with self._sessions.begin() as session:
            org = self._org(session, organisation)
            session.add(LaneMappingRecord(organisation_id=org.id, process_key=process_key, lane=lane))

    def organisations(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        with self._reads() as session:
            orgs = session.scalars(select(OrganisationRecord).order_by(OrganisationRecord.name)).all()
            return [(o.name, self._mappings(session, o.id)) for o in orgs]

    # -- users --------------------------------------------------------------------------------

    def add_user(self, username: str, password: str, *, role: Role, organisation: str | None = None,
                 display_name: str | None = None) -> Principal:
        """A user. Advisors and process owners need an organisation. Raises InvalidDataError, NotFoundError
        (organisation) or ConflictError (the name is taken)."""
        problems = {}
        if not USERNAME.match(username):
            problems["username"] = "letters, digits and . _ @ - only, starting with a letter or digit"
        if len(password) < MIN_PASSWORD:
            problems["password"] = f"at least {MIN_PASSWORD} characters"
        if role in (Role.ADVISOR, Role.PROCESS_OWNER) and not organisation:
            problems["organisation"] = f"a {role.value.replace('_', ' ')} belongs to an organisation"
        if problems:
            raise InvalidDataError("the user cannot be created: " + "; ".join(f"{k}: {v}" for k, v in problems.items()),
                                   field_errors=problems)
        try:
            with self._sessions.begin() as session:
                org_id = self._org(session, organisation).id if organisation else None
                session.add(UserRecord(username=username, display_name=display_name or username, role=role.value,
                                       organisation_id=org_id, password_hash=hash_password(password),
                                       created_at=self._clock.now()))
        except IntegrityError as exc:
            raise ConflictError(f"user {username!r} exists already") from exc
        return self.principal(username)

    def users(self) -> list[Principal]:
        with self._reads() as session:
            names = session.scalars(select(UserRecord.username).order_by(UserRecord.username)).all()
        return [self.principal(n) for n in names]

    def principal(self, username: str) -> Principal:
        """The user as the access rules see them. Raises AuthenticationError if there is no such user."""
        with self._reads() as session:
            user = session.scalars(select(UserRecord).where(UserRecord.username == username)).first()
            if user is None:
                raise AuthenticationError("no such user; sign in again")
            return self._principal(session, user)

    def authenticate(self, username: str, password: str) -> Principal:
        """Raises AuthenticationError for an unknown name or a wrong password (one message for both)."""
        with self._reads() as session:
            user = session.scalars(select(UserRecord).where(UserRecord.username == username)).first()
            if not verify_password(user.password_hash if user else None, password) or user is None:
                raise AuthenticationError("wrong user name or password")
            return self._principal(session, user)

    # -- API tokens ---------------------------------------------------------------------------

    def issue_token(self, username: str, *, name: str = "api") -> str:
        """A new API token for the user; shown once, only its hash is stored."""
        token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            user = session.scalars(select(UserRecord).where(UserRecord.username == username)).first()
            if user is None:
                raise NotFoundError("user", username)
            session.add(ApiTokenRecord(user_id=user.id, token_hash=_token_hash(token), name=name, created_at=self._clock.now()))
        return token

    def principal_for_token(self, token: str) -> Principal:
        with self._reads() as session:
            user = session.scalars(
                select(UserRecord).join(ApiTokenRecord, ApiTokenRecord.user_id == UserRecord.id)
                .where(ApiTokenRecord.token_hash == _token_hash(token))
            ).first()
            if user is None:
                raise AuthenticationError("unknown API token")
            return self._principal(session, user)

    # -- process ownership and settings -------------------------------------------------------

    def owner_of(self, process_key: str) -> str | None:
        with self._reads() as session:
            return session.scalars(
                select(OrganisationRecord.name).join(ProcessOwnerRecord, ProcessOwnerRecord.organisation_id == OrganisationRecord.id)
                .where(ProcessOwnerRecord.process_key == process_key)
            ).first()

    def claim_ownership(self, process_keys: list[str], organisation: str) -> None:
        """Record `organisation` as the owner of each key that has no owner yet."""
        with self._sessions.begin() as session:
            org = self._org(session, organisation)
            for key in process_keys:
                if session.get(ProcessOwnerRecord, key) is None:
                    session.add(ProcessOwnerRecord(process_key=key, organisation_id=org.id))

    def session_secret(self) -> str:
        """The key that signs session cookies: generated on first use and kept in the database, so
        every worker and every restart shares it."""
        try:
            with self._sessions.begin() as session:
                row = session.get(SettingRecord, "session_secret")
                if row is None:
                    row = SettingRecord(name="session_secret", value=secrets.token_urlsafe(48))
                    session.add(row)
                value = row.value
        except IntegrityError:
            # several server processes started at once and another one stored its secret first
            with self._sessions() as session:
                stored = session.get(SettingRecord, "session_secret")
                assert stored is not None
                value = stored.value
        return value

    # -- helpers ------------------------------------------------------------------------------

    def _org(self, session: Session, name: str) -> OrganisationRecord:
        org = session.scalars(select(OrganisationRecord).where(OrganisationRecord.name == name)).first()
        if org is None:
            raise NotFoundError("organisation", name)
        return org

    def _mappings(self, session: Session, org_id: int) -> list[tuple[str | None, str]]:
        rows = session.execute(
            select(LaneMappingRecord.process_key, LaneMappingRecord.lane).where(LaneMappingRecord.organisation_id == org_id)
        ).all()
        return [(k, lane) for k, lane in rows]

    def _principal(self, session: Session, user: UserRecord) -> Principal:
        org = session.get(OrganisationRecord, user.organisation_id) if user.organisation_id else None
        owned = session.scalars(select(ProcessOwnerRecord.process_key).where(ProcessOwnerRecord.organisation_id == org.id)).all() if org else []
        return Principal(
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            organisation=org.name if org else None,
            mapped_lanes=tuple(self._mappings(session, org.id)) if org else (),
            owned_processes=frozenset(owned),
        )
