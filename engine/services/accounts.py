"""The accounts area: users and organisations (Directory), sign-in, sessions and API tokens
(Accounts), and the limits the adapters state to users. The adapters reach them here, not in
engine.access, whose modules hold the SQL (the import contract in pyproject.toml)."""

from __future__ import annotations

from engine.access.accounts import Account, Accounts
from engine.access.credentials import MAX_TOKEN_LIFETIME, SESSION_LIFETIME, TokenInfo
from engine.access.directory import MIN_PASSWORD, Directory, check_new_user
from engine.services.gate import Caller, entry
from engine.services.shared import ServiceBase

__all__ = [
    "MAX_TOKEN_LIFETIME",
    "MIN_PASSWORD",
    "SESSION_LIFETIME",
    "Account",
    "AccountUseCases",
    "Accounts",
    "Directory",
    "TokenInfo",
    "check_new_user",
]


class AccountUseCases(ServiceBase):
    """The user administration as a caller may do it, its refusals in the access log."""

    def accounts(self, directory: Directory, *, caller: Caller) -> Accounts:
        """`caller`'s user and token administration over `directory`: a refused attempt (not an
        administrator, disabling oneself, another user's tokens) is written to the access log with
        the caller's origin, like every other refusal, before AccessDeniedError is raised."""

        def refused(action: str, reason: str) -> None:
            self._audit([entry(caller, action, self._clock.now(), refused=reason)])

        return Accounts(directory, caller.principal, refused=refused)
