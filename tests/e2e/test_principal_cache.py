"""A request's caller is kept by token or session for a few seconds (engine.access.principal_cache,
issue 14): a second request reads no user, and a revoked token, a signed-out session, a disabled user
or a new lane mapping takes effect at the very next request, not when the entry expires."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from engine.access.directory import Directory
from engine.access.policy import Principal, Role
from engine.access.principal_cache import PrincipalCache, forget_all
from tests.e2e.conftest import upload
from tests.e2e.test_pages import sign_in
from tests.e2e.test_tokens_and_users import _token


@contextmanager
def user_reads(kapula):
    """Statements that read the user table, run inside the block."""
    engine = kapula.sessions.kw["bind"]
    seen: list[str] = []

    def on_execute(_conn, _cursor, sql, _params, _context, _many):
        if 'FROM "user"' in sql or "FROM user " in sql:
            seen.append(sql)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def test_a_second_request_with_the_same_token_or_session_reads_no_user(client, kapula, tokens):
    assert client.get("/api/me", headers=tokens["sek.neuvoja"]).status_code == 200
    with user_reads(kapula) as seen:
        assert client.get("/api/me", headers=tokens["sek.neuvoja"]).json()["username"] == "sek.neuvoja"
    assert seen == []
    sign_in(client, "asiakas")
    assert client.get("/api/me").status_code == 200
    with user_reads(kapula) as seen:
        assert client.get("/api/me").json()["username"] == "asiakas"
    assert seen == []


def test_a_revoked_token_is_refused_at_the_next_request(client, tokens):
    mine, bearer = _token(client, "sek.neuvoja")
    for _ in range(2):  # the second one came from the cache
        assert client.get("/api/me", headers=bearer).status_code == 200
    assert client.delete(f"/api/tokens/{mine['id']}", headers=tokens["admin"]).status_code == 200
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_a_signed_out_session_is_refused_at_the_next_request(client, tokens):
    sign_in(client, "admin")
    thief_cookie = client.cookies["kapula_session"]
    for _ in range(2):
        assert client.get("/api/me").status_code == 200
    assert client.post("/signout", follow_redirects=False).status_code == 303
    client.cookies.set("kapula_session", thief_cookie)  # a copy of the cookie kept from before
    assert client.get("/api/me").status_code == 401


def test_a_user_disabled_through_another_directory_of_this_process_is_out_at_once(client, kapula, tokens):
    """The CLI and the app each have their own Directory; a change through either forgets the kept
    principals of both."""
    for _ in range(2):
        assert client.get("/api/me", headers=tokens["te.neuvoja"]).status_code == 200
    Directory(kapula.sessions, kapula.clock).set_disabled("te.neuvoja", True)
    assert client.get("/api/me", headers=tokens["te.neuvoja"]).status_code == 401


def test_a_new_lane_mapping_or_owned_process_shows_in_the_next_request(client, kapula, tokens):
    app_directory = client.app.state.directory
    token = tokens["te.neuvoja"]["Authorization"].removeprefix("Bearer ")
    before = app_directory.principal_for_token(token)
    assert app_directory.principal_for_token(token) is before  # kept
    Directory(kapula.sessions, kapula.clock).map_lane("TE-toimisto", "Asiakaspalvelu")
    assert (None, "Asiakaspalvelu") in app_directory.principal_for_token(token).mapped_lanes
    owner = tokens["omistaja"]["Authorization"].removeprefix("Bearer ")
    assert "Handoff_demo" not in app_directory.principal_for_token(owner).owned_processes
    assert upload(client, tokens["omistaja"]).status_code == 201  # the upload records its owner
    assert "Handoff_demo" in app_directory.principal_for_token(owner).owned_processes


def test_a_kept_principal_lasts_the_ttl_and_never_past_its_credential():
    ticks = [0.0]
    cache = PrincipalCache(ttl=5.0, timer=lambda: ticks[0])
    who = Principal(username="u", display_name="u", role=Role.ADVISOR)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cache.put("token", "h", who, now + timedelta(hours=1))
    assert cache.get("token", "h", now) == who
    assert cache.get("token", "h", now + timedelta(hours=1)) is None, "the token expired: not served"
    cache.put("token", "h", who, now + timedelta(hours=1))
    ticks[0] = 5.1
    assert cache.get("token", "h", now) is None, "older than the TTL: read again"
    cache.put("session", "s", who, now + timedelta(hours=1))
    forget_all()
    assert cache.get("session", "s", now) is None
