"""Managing users and API tokens as one signed-in principal may: administrators manage everyone;
every user lists and revokes their own tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engine.access.credentials import TokenInfo
from engine.access.directory import Directory
from engine.access.policy import Principal, Role
from engine.errors import AccessDeniedError


@dataclass(frozen=True)
class Account:
    """A user as the user administration shows them."""

    principal: Principal
    disabled_at: datetime | None


class Accounts:
    """The user administration of `principal`. Every method raises AccessDeniedError when the
    principal may not do it, after telling `refused` (the action and why: the access log's entry,
    engine.services.accounts); NotFoundError, InvalidDataError and ConflictError as Directory does."""

    def __init__(self, directory: Directory, principal: Principal, *, refused: Callable[[str, str], None] | None = None) -> None:
        self._directory = directory
        self.principal = principal
        self._refused = refused

    def _refuse(self, action: str, reason: str) -> AccessDeniedError:
        if self._refused is not None:
            self._refused(action, reason)
        return AccessDeniedError(reason, user=self.principal.username)

    @property
    def is_administrator(self) -> bool:
        return self.principal.role is Role.ADMINISTRATOR

    def _administrators_only(self) -> None:
        if not self.is_administrator:
            raise self._refuse("manage_users", "only administrators manage users")

    def accounts(self) -> list[Account]:
        self._administrators_only()
        disabled = self._directory.disabled_users()
        return [Account(p, disabled.get(p.username)) for p in self._directory.users()]

    def account(self, username: str) -> Account:
        self._administrators_only()
        return Account(self._directory.principal_or_not_found(username), self._directory.disabled_users().get(username))

    def add_user(
        self, username: str, password: str, *, role: Role, organisation: str | None = None, display_name: str | None = None
    ) -> Account:
        """A new user (argon2: slow on purpose, run it off the request threads)."""
        self._administrators_only()
        principal = self._directory.add_user(username, password, role=role, organisation=organisation, display_name=display_name)
        return Account(principal, None)

    def set_disabled(self, username: str, disabled: bool) -> Account:
        """Disable (sessions end, tokens stop working, sign-in refused) or enable a user. An
        administrator cannot disable themselves, so that one is always left."""
        self._administrators_only()
        if disabled and username == self.principal.username:
            raise self._refuse("disable_user", "you cannot disable yourself")
        self._directory.set_disabled(username, disabled)
        return self.account(username)

    def reset_password(self, username: str, password: str) -> None:
        """A new password set by an administrator; the user's browser sessions end."""
        self._administrators_only()
        self._directory.set_password(username, password)

    def set_language(self, language: str | None) -> None:
        """The principal's own language for the pages (every user chooses their own); None follows
        the browser. Raises InvalidDataError for a language Kapula has no catalog of."""
        self._directory.set_language(self.principal.username, language)

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        """The principal's own tokens; an administrator's view is everyone's, or `username`'s."""
        if not self.is_administrator:
            if username not in (None, self.principal.username):
                raise self._refuse("list_tokens", "only administrators see other users' tokens")
            username = self.principal.username
        return self._directory.tokens(username)

    def revoke_token(self, token_id: int) -> TokenInfo:
        """Revoke one of the principal's tokens (an administrator: anyone's). Another user's token
        is NotFoundError, so token ids reveal nothing."""
        owner = None if self.is_administrator else self.principal.username
        return self._directory.revoke_token(token_id, owner=owner)
