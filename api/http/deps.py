"""Dependencies of the routes: who is signed in (bearer token or session cookie), as the caller of the use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.services.accounts import Directory
from engine.access.policy import Principal
from engine.errors import AuthenticationError
from engine.services import Kapula
from engine.services.gate import Caller

# the key in the signed session cookie that holds the server-side session's id
SESSION_ID = "sid"
_bearer = HTTPBearer(auto_error=False, description="an API token from `kapula user token NAME` or POST /api/tokens")


def get_kapula(request: Request) -> Kapula:
    kapula: Kapula = request.app.state.kapula
    return kapula


def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]


def session_principal(request: Request) -> Principal | None:
    """The user of the browser session the cookie names, None without one. Raises AuthenticationError
    when the session has ended (signed out, expired, user disabled)."""
    sid = request.session.get(SESSION_ID) if "session" in request.scope else None
    if not sid:
        return None
    return get_directory(request).principal_for_session(str(sid))


def get_principal(
    request: Request, directory: DirectoryDep, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The user of a bearer token, else of the session cookie. Raises AuthenticationError (401)."""
    if bearer is not None:
        return directory.principal_for_token(bearer.credentials)
    principal = session_principal(request)
    if principal is None:
        raise AuthenticationError("sign in first (the /signin page), or send Authorization: Bearer <token>")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def origin_of(request: Request) -> str:
    """The request as the access log records it: method, path and client address."""
    client = request.client.host if request.client else "-"
    return f"{request.method} {request.url.path} from {client}"


def get_caller(request: Request, principal: PrincipalDep) -> Caller:
    """The signed-in user and the request, as the use cases take them."""
    return Caller(principal, origin=origin_of(request))


KapulaDep = Annotated[Kapula, Depends(get_kapula)]
CallerDep = Annotated[Caller, Depends(get_caller)]
