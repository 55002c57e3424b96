"""Dependencies of the routes: who is signed in (bearer token or session cookie), as the caller of the use cases.

They are coroutines: FastAPI runs each synchronous dependency in the thread pool, a hand-over to
a thread and back that cost more than the dependency itself (issue 14). A principal read from the
database (a credential not kept in the principal cache) is the one part that goes to a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.http.head import ORIGINAL_METHOD
from engine.access.policy import Principal
from engine.errors import AuthenticationError
from engine.services import Kapula
from engine.services.accounts import Directory
from engine.services.gate import Caller

_T = TypeVar("_T")

# the key in the signed session cookie that holds the server-side session's id
SESSION_ID = "sid"
_bearer = HTTPBearer(auto_error=False, description="an API token from `kapula user token NAME` or POST /api/tokens")


async def get_kapula(request: Request) -> Kapula:
    kapula: Kapula = request.app.state.kapula
    return kapula


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]


def _session_id(request: Request) -> str | None:
    sid = request.session.get(SESSION_ID) if "session" in request.scope else None
    return str(sid) if sid else None


def session_principal(request: Request) -> Principal | None:
    """The user of the browser session the cookie names, None without one. Raises AuthenticationError
    when the session has ended (signed out, expired, user disabled). Reads the database (call it
    from a thread)."""
    sid = _session_id(request)
    if sid is None:
        return None
    directory: Directory = request.app.state.directory
    return directory.principal_for_session(sid)


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _principal(request: Request, directory: Directory, bearer: HTTPAuthorizationCredentials | None) -> Principal:
    if bearer is not None:
        kept = directory.kept_principal("token", bearer.credentials)
        return kept if kept is not None else await run_in_threadpool(directory.principal_for_token, bearer.credentials)
    sid = _session_id(request)
    if sid is None:
        raise AuthenticationError("sign in first (the /signin page), or send Authorization: Bearer <token>")
    kept = directory.kept_principal("session", sid)
    return kept if kept is not None else await run_in_threadpool(directory.principal_for_session, sid)


async def get_principal(request: Request, directory: DirectoryDep, bearer: BearerDep) -> Principal:
    """The user of a bearer token, else of the session cookie. Raises AuthenticationError (401)."""
    return await _principal(request, directory, bearer)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def origin_of(request: Request) -> str:
    """The request as the access log records it: method, path and client address.

    The path is the request's own (the scope's), with '?', '#' and '\\' escaped as Starlette's
    `request.url` escapes them; building `request.url` cost ~18 µs a request (issue 14)."""
    scope = request.scope
    client = scope.get("client")
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    method = scope.get(ORIGINAL_METHOD, scope["method"])  # a HEAD run as a GET (api/http/head.py) is logged as HEAD
    return f"{method} {path} from {client[0] if client else '-'}"


async def get_caller(request: Request, bearer: BearerDep) -> Caller:
    """The signed-in user and the request, as the use cases take them. One dependency besides the
    bearer scheme (not get_principal over get_directory): FastAPI's solving of each dependency
    cost a request more than the dependency's own work (issue 14)."""
    directory: Directory = request.app.state.directory
    return Caller(await _principal(request, directory, bearer), origin=origin_of(request))


KapulaDep = Annotated[Kapula, Depends(get_kapula)]
CallerDep = Annotated[Caller, Depends(get_caller)]


async def in_thread(call: Callable[[], _T]) -> _T:
    """Run a use case (it blocks on the database) and build its answer in the thread pool.

    The busiest routes are coroutines that hand their work to a thread once: a synchronous route
    with a response model goes to the thread pool twice (the endpoint, then FastAPI's validation of
    its answer), and each hand-over cost a bare app about 0.08 ms of server CPU (issue 14)."""
    return await run_in_threadpool(call)
