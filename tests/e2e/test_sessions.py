"""Browser sessions live on the server: signing out ends a copied cookie at once, they expire, and
the cookie is `Secure` when the deployment says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.http.app import create_app
from engine.access.credentials import SESSION_LIFETIME
from engine.persistence.database import make_engine
from engine.persistence.migrate import upgrade
from tests.e2e.conftest import signin_form
from tests.e2e.test_pages import sign_in


def _stolen_copy(client: TestClient) -> TestClient:
    thief = TestClient(client.app, headers=dict(client.headers))
    thief.cookies.set("kapula_session", client.cookies["kapula_session"])
    return thief


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(client, tokens):
    sign_in(client, "admin")
    thief = _stolen_copy(client)
    assert thief.get("/api/me").json()["username"] == "admin"
    assert client.post("/signout", follow_redirects=False).status_code == 303
    r = thief.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "not_signed_in"
    r = thief.get("/cases", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")


def test_a_session_ends_after_its_lifetime(client, tokens, clock):
    sign_in(client, "sek.neuvoja")
    clock.advance(SESSION_LIFETIME - timedelta(minutes=1))
    assert client.get("/api/me").status_code == 200
    clock.advance(timedelta(minutes=2))
    assert client.get("/api/me").status_code == 401


def test_signing_in_again_gives_a_new_session_and_the_old_one_keeps_its_own_end(client, tokens):
    sign_in(client, "sek.neuvoja")
    first = client.cookies["kapula_session"]
    sign_in(client, "sek.neuvoja")
    assert client.cookies["kapula_session"] != first


def test_the_cookie_is_secure_when_the_setting_says_so(kapula, tokens, monkeypatch):
    for setting, secure in (("1", True), ("", False)):
        monkeypatch.setenv("KAPULA_SECURE_COOKIES", setting)
        with TestClient(
            create_app(kapula, secret_key="s"), base_url="https://testserver", headers={"Origin": "https://testserver"}
        ) as client:
            r = client.post("/signin", data=signin_form(client, "admin"), follow_redirects=False)
            assert r.status_code == 303
            cookie = r.headers["set-cookie"].lower()
            assert ("secure" in cookie.split("; ")) is secure, cookie


def test_tokens_made_before_expiry_existed_get_one_when_the_database_is_upgraded(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO app_user (id, username, display_name, role, created_at) "
                "VALUES (1, 'jarjestelma', 'J', 'administrator', :t)"
            ),
            {"t": now},
        )
        c.execute(text("INSERT INTO api_token (user_id, token_hash, name, created_at) VALUES (1, 'h', 'old', :t)"), {"t": now})
    upgrade(engine)
    with engine.connect() as c:
        (expires,) = c.execute(text("SELECT expires_at FROM api_token")).one()
    engine.dispose()
    assert expires is not None


def test_sign_in_sends_the_browser_only_to_kapulas_own_pages(client, tokens):
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/"):
        r = client.post("/signin", data=signin_form(client, "sek.neuvoja", next=target), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", target


def test_the_inbox_poll_after_the_session_ended_sends_the_whole_page_to_sign_in(client, tokens):
    # htmx followed the 303 and swapped the whole sign-in page, header and all, into the inbox
    # list, under a top bar still naming the user; now the browser itself goes to the sign-in page
    sign_in(client, "sek.neuvoja")
    assert client.get("/tasks/inbox").status_code == 200
    client.post("/signout", follow_redirects=False)  # e.g. in another tab; or the session's time ran out
    poll = {"HX-Request": "true", "HX-Current-URL": "http://testserver/tasks?lane=SEK"}
    r = client.get("/tasks/inbox?lane=SEK", headers=poll, follow_redirects=False)
    assert (r.status_code, r.headers["HX-Redirect"], r.text) == (401, "/signin?next=/tasks", "")
    r = client.get(
        "/tasks/inbox", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example//x"}, follow_redirects=False
    )
    assert r.headers["HX-Redirect"] == "/signin?next=/tasks/inbox"  # only a path of Kapula's own
    r = client.get("/tasks", follow_redirects=False)  # a plain visit is still redirected
    assert (r.status_code, r.headers["location"]) == (303, "/signin?next=/tasks")
