"""Who is signed in to the pages (a server-side session named by the cookie), and how refusals look
in a browser."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.http.csrf import TOKEN_FIELD, csrf_token
from api.http.deps import SESSION_ID, origin_of, session_principal
from api.web import i18n, messages
from api.web.render import page, templates
from engine.access.policy import Principal
from engine.errors import AuthenticationError, KapulaError
from engine.services.gate import Caller


@pass_context
def _csrf_token(context: Context) -> str:
    """The session's CSRF token: base.html hands it to htmx (`hx-headers`) for every request it sends."""
    return csrf_token(context["request"].session)


@pass_context
def _csrf_input(context: Context) -> Markup:
    """The hidden field every form sends, so forms work without JavaScript too."""
    return Markup(f'<input type="hidden" name="{TOKEN_FIELD}" value="{escape(_csrf_token(context))}">')


templates.env.globals.update(csrf_token=_csrf_token, csrf_input=_csrf_input)


def page_caller(request: Request) -> Caller:
    """The signed-in user, as the use cases take them. Raises AuthenticationError, which sends the
    browser to sign in."""
    principal = session_principal(request)
    if principal is None:
        raise AuthenticationError("sign in first")
    return Caller(principal, origin=origin_of(request))


PageCallerDep = Annotated[Caller, Depends(page_caller)]


def signed_in(request: Request) -> Principal | None:
    """The user of the request's live session, or None (never signed in, signed out, expired)."""
    try:
        return session_principal(request)
    except AuthenticationError:
        return None


async def start_session(request: Request, principal: Principal) -> None:
    """After a successful sign-in: a new server-side session and a new cookie content (no value of
    the anonymous session, the CSRF token included, carries over: session fixation)."""
    sid = await run_in_threadpool(request.app.state.directory.open_session, principal.username)
    request.session.clear()
    request.session[SESSION_ID] = sid


async def end_session(request: Request) -> None:
    """Sign out: the server forgets the session, so a copy of the cookie stops working too."""
    sid = request.session.get(SESSION_ID)
    if sid:
        await run_in_threadpool(request.app.state.directory.end_session, str(sid))
    request.session.clear()


def html_error(request: Request, exc: KapulaError, status: int) -> Response:
    """A refusal as a page: not signed in goes to the sign-in page, the rest says what happened."""
    if status == 401:
        request.session.pop(SESSION_ID, None)
        if request.headers.get("HX-Request") == "true":
            # htmx (the inbox's poll, a boosted form) would follow a 303 and swap the whole sign-in
            # page into the list; the browser goes to it instead, back to the page it was on
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = current.path if current.path.startswith("/") and not current.path.startswith("//") else request.url.path
            return Response(status_code=401, headers={"HX-Redirect": f"/signin?next={quote(back)}"})
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    user = signed_in(request)
    # the engine's English, in the reader's words
    title, message, detail = messages.page_error(exc, status, i18n.words(request, user))
    return page(request, "error.html", user, status_code=status, title=title, message=message, detail=detail)
