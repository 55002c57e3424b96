"""The accounts area: users and organisations (Directory), sign-in, sessions and API tokens
(Accounts), and the limits the adapters state to users. The adapters reach them here, not in
engine.access, whose modules hold the SQL (the import contract in pyproject.toml)."""

from __future__ import annotations

from engine.access.accounts import Account, Accounts
from engine.access.credentials import MAX_TOKEN_LIFETIME, SESSION_LIFETIME, TokenInfo
from engine.access.directory import MIN_PASSWORD, Directory

__all__ = ["MAX_TOKEN_LIFETIME", "MIN_PASSWORD", "SESSION_LIFETIME", "Account", "Accounts", "Directory", "TokenInfo"]
