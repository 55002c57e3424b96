"""Who am I, and API tokens for systems: issue (with an expiry), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.http.deps import CallerDep, DirectoryDep, KapulaDep, PrincipalDep
from api.http.schemas import TEXT_PATTERN, ErrorPublic, Responses
from api.http.signin import signin_guard
from engine.access.policy import Principal
from engine.services.accounts import MAX_TOKEN_LIFETIME, Accounts, TokenInfo

router = APIRouter(prefix="/api", tags=["sign-in"])
TokenIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: Responses = {401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}, 404: {"model": ErrorPublic}}


def get_accounts(kapula: KapulaDep, directory: DirectoryDep, caller: CallerDep) -> Accounts:
    """The caller's user administration; its refusals are in the access log (the use case's)."""
    return kapula.accounts(directory, caller=caller)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


class TokenCreate(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="api", min_length=1, max_length=255, pattern=TEXT_PATTERN)
    expires_at: datetime | None = Field(
        default=None,
        description=f"when the token stops working, with a time zone; default 90 days, at most {MAX_TOKEN_LIFETIME.days}",
    )


class TokenPublic(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown only once")
    id: int
    username: str
    role: str
    expires_at: datetime


class TokenInfoPublic(BaseModel):
    """A token as listed: never the token itself."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: str = Field(description="active, expired or revoked")

    @classmethod
    def of(cls, info: TokenInfo, now: datetime) -> TokenInfoPublic:
        return cls(
            id=info.id,
            username=info.username,
            name=info.name,
            created_at=info.created_at,
            expires_at=info.expires_at,
            revoked_at=info.revoked_at,
            status=info.status(now),
        )


class MePublic(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str | None
    owned_processes: list[str]

    @classmethod
    def of(cls, p: Principal) -> MePublic:
        return cls(
            username=p.username,
            display_name=p.display_name,
            role=p.role.value,
            organisation=p.organisation,
            owned_processes=sorted(p.owned_processes),
        )


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenPublic,
    responses={401: {"model": ErrorPublic}, 422: {"model": ErrorPublic}, 429: {"model": ErrorPublic}},
)
async def create_token(request: Request, directory: DirectoryDep, body: TokenCreate) -> TokenPublic:
    """Sign in with a user name and password and get an API token for a system. The same attempt
    limits as the sign-in page apply (429 with Retry-After)."""
    principal = await signin_guard(request).authenticate(request, body.username, body.password)
    token, info = await run_in_threadpool(
        lambda: directory.new_token(principal.username, name=body.name, expires_at=body.expires_at)
    )
    return TokenPublic(
        token=token, id=info.id, username=principal.username, role=principal.role.value, expires_at=info.expires_at
    )


@router.get("/tokens", response_model=list[TokenInfoPublic], responses=_ERRORS)
def list_tokens(
    accounts: AccountsDep,
    directory: DirectoryDep,
    username: Annotated[str | None, Query(max_length=150, pattern=TEXT_PATTERN)] = None,
) -> list[TokenInfoPublic]:
    """Your tokens; an administrator sees everyone's, or one user's with `?username=`."""
    now = directory.now()
    return [TokenInfoPublic.of(t, now) for t in accounts.tokens(username)]


@router.delete("/tokens/{token_id}", response_model=TokenInfoPublic, responses=_ERRORS)
def revoke_token(accounts: AccountsDep, directory: DirectoryDep, token_id: TokenIdPath) -> TokenInfoPublic:
    """Revoke a token: it stops working at once. Your own, or anyone's for an administrator."""
    return TokenInfoPublic.of(accounts.revoke_token(token_id), directory.now())


@router.get("/me", response_model=MePublic, responses={401: {"model": ErrorPublic}})
def me(principal: PrincipalDep) -> MePublic:
    return MePublic.of(principal)
