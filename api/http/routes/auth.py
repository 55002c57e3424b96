"""Who am I, and API tokens for systems."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.http.deps import DirectoryDep, PrincipalDep
from api.http.schemas import ErrorPublic
from api.http.signin import signin_guard
from engine.access.policy import Principal


router = APIRouter(prefix="/api", tags=["sign-in"])


class TokenCreate(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="api", min_length=1, max_length=255)


class TokenPublic(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown only once")
    username: str
    role: str


class MePublic(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str | None
    owned_processes: list[str]

    @classmethod
    def of(cls, p: Principal) -> MePublic:
        return cls(username=p.username, display_name=p.display_name, role=p.role.value, organisation=p.organisation,
                   owned_processes=sorted(p.owned_processes))


@router.post("/tokens", status_code=201, response_model=TokenPublic, responses={401: {"model": ErrorPublic}, 429: {"model": ErrorPublic}})
async def create_token(request: Request, directory: DirectoryDep, body: TokenCreate) -> TokenPublic:
    """Sign in with a user name and password and get an API token for a system. The same attempt
    limits as the sign-in page apply (429 with Retry-After)."""
    principal = await signin_guard(request).authenticate(request, body.username, body.password)
    token = await run_in_threadpool(directory.issue_token, principal.username, name=body.name)
    return TokenPublic(token=token, username=principal.username, role=principal.role.value)


@router.get("/me", response_model=MePublic, responses={401: {"model": ErrorPublic}})
def me(principal: PrincipalDep) -> MePublic:
    return MePublic.of(principal)
