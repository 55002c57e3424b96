"""User administration over HTTP, for administrators: list, add, disable and enable, reset a password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from starlette.responses import Response

from api.http.routes.auth import AccountsDep
from api.http.schemas import TEXT_PATTERN, ErrorPublic, Responses
from api.http.signin import hashing_pool
from engine.access.policy import Role
from engine.services.accounts import MIN_PASSWORD, Account

router = APIRouter(prefix="/api/users", tags=["users"])
UsernamePath = Annotated[str, Path(min_length=1, max_length=150, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]
_ERRORS: Responses = {
    401: {"model": ErrorPublic},
    403: {"model": ErrorPublic},
    404: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)
    role: Role
    organisation: str | None = Field(
        default=None, max_length=255, pattern=TEXT_PATTERN, description="required for advisors and process owners"
    )
    display_name: str | None = Field(default=None, max_length=255, pattern=TEXT_PATTERN)


class PasswordReset(BaseModel):
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class UserPublic(BaseModel):
    username: str
    display_name: str
    role: Role
    organisation: str | None
    disabled_at: datetime | None = Field(description="set while the user is disabled")

    @classmethod
    def of(cls, account: Account) -> UserPublic:
        p = account.principal
        return cls(
            username=p.username,
            display_name=p.display_name,
            role=p.role,
            organisation=p.organisation,
            disabled_at=account.disabled_at,
        )


@router.get("", response_model=list[UserPublic], responses=_ERRORS)
def list_users(accounts: AccountsDep) -> list[UserPublic]:
    """Every user with role, organisation and whether they are disabled."""
    return [UserPublic.of(a) for a in accounts.accounts()]


@router.post("", status_code=201, response_model=UserPublic, responses={**_ERRORS, 409: {"model": ErrorPublic}})
async def add_user(accounts: AccountsDep, body: UserCreate) -> UserPublic:
    """Add a user (409 if the name is taken). The password is stored as an argon2 hash."""
    account = await hashing_pool().run(
        lambda: accounts.add_user(
            body.username, body.password, role=body.role, organisation=body.organisation, display_name=body.display_name
        )
    )
    return UserPublic.of(account)


@router.post("/{username}/disable", response_model=UserPublic, responses=_ERRORS)
def disable_user(accounts: AccountsDep, username: UsernamePath) -> UserPublic:
    """Disable a user: their browser sessions end at once, their API tokens stop working and they
    cannot sign in until enabled again. An administrator cannot disable themselves."""
    return UserPublic.of(accounts.set_disabled(username, True))


@router.post("/{username}/enable", response_model=UserPublic, responses=_ERRORS)
def enable_user(accounts: AccountsDep, username: UsernamePath) -> UserPublic:
    """Enable a disabled user again (their tokens work again unless expired or revoked)."""
    return UserPublic.of(accounts.set_disabled(username, False))


@router.put("/{username}/password", status_code=204, response_class=Response, responses=_ERRORS)
async def reset_password(accounts: AccountsDep, username: UsernamePath, body: PasswordReset) -> Response:
    """Set a new password for the user; their browser sessions end."""
    await hashing_pool().run(accounts.reset_password, username, body.password)
    return Response(status_code=204)
