"""Who is signed in to the pages (the session cookie), and how refusals look in a browser."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from api.http.deps import SESSION_USER, origin_of
from api.web import messages
from api.web.render import page
from engine.access.guarded import GuardedKapula
from engine.errors import AuthenticationError, KapulaError

_TITLES = {403: "Ei oikeutta", 404: "Ei löydy", 409: "Joku ehti ensin", 413: "Liian suuri tiedosto", 422: "Ei kelpaa"}


def page_service(request: Request) -> GuardedKapula:
    """The signed-in user's use cases. Raises AuthenticationError, which sends the browser to sign in."""
    username = request.session.get(SESSION_USER)
    if not username:
        raise AuthenticationError("sign in first")
    directory = request.app.state.directory
    principal = directory.principal(str(username))
    return GuardedKapula(request.app.state.kapula, directory, principal, origin=origin_of(request))


PageServiceDep = Annotated[GuardedKapula, Depends(page_service)]


def html_error(request: Request, exc: KapulaError, status: int) -> Response:
    """A refusal as a page: not signed in goes to the sign-in page, the rest says what happened."""
    if status == 401:
        request.session.pop(SESSION_USER, None)
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    user = None
    if request.session.get(SESSION_USER):
        try:
            user = request.app.state.directory.principal(str(request.session[SESSION_USER]))
        except AuthenticationError:
            user = None
    message, detail = messages.page_error(exc, status)  # the engine's English, in the page's words
    return page(request, "error.html", user, status_code=status, title=_TITLES.get(status, "Virhe"), message=message,
                detail=detail)
