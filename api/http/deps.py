"""Dependencies of the routes: who is signed in (bearer token or session cookie) and their use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.access.directory import Directory
from engine.access.guarded import GuardedKapula
from engine.access.policy import Principal
from engine.errors import AuthenticationError
from engine.services import Kapula

SESSION_USER = "user"
_bearer = HTTPBearer(auto_error=False, description="an API token from `kapula user token NAME` or POST /api/tokens")


def get_kapula(request: Request) -> Kapula:
    kapula: Kapula = request.app.state.kapula
    return kapula


def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]


def get_principal(
    request: Request, directory: DirectoryDep, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The user of a bearer token, else of the session cookie. Raises AuthenticationError (401)."""
    if bearer is not None:
        return directory.principal_for_token(bearer.credentials)
    username = request.session.get(SESSION_USER) if "session" in request.scope else None
    if not username:
        raise AuthenticationError("sign in first (the /signin page), or send Authorization: Bearer <token>")
    return directory.principal(str(username))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def origin_of(request: Request) -> str:
    """The request as the access log records it: method, path and client address."""
    client = request.client.host if request.client else "-"
    return f"{request.method} {request.url.path} from {client}"


def get_service(request: Request, principal: PrincipalDep) -> GuardedKapula:
    return GuardedKapula(get_kapula(request), get_directory(request), principal, origin=origin_of(request))


ServiceDep = Annotated[GuardedKapula, Depends(get_service)]
