"""API tokens expire and can be listed and revoked (CLI and HTTP); administrators manage users over
HTTP: add, disable and enable, reset a password."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from api.cli import main
from engine.access.directory import Directory
from engine.bootstrap import open_kapula
from engine.errors import AuthenticationError
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_pages import sign_in


def _token(client, username, **extra):
    r = client.post("/api/tokens", json={"username": username, "password": PASSWORD, **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return body, {"Authorization": f"Bearer {body['token']}"}


def test_a_token_stops_working_when_it_expires(client, tokens, clock):
    body, bearer = _token(client, "sek.neuvoja")
    assert datetime.fromisoformat(body["expires_at"]) == clock.now() + timedelta(days=90)
    short, short_bearer = _token(client, "sek.neuvoja", expires_at=(clock.now() + timedelta(hours=1)).isoformat())
    clock.advance(timedelta(minutes=59))
    assert client.get("/api/me", headers=short_bearer).status_code == 200
    clock.advance(timedelta(minutes=2))
    r = client.get("/api/me", headers=short_bearer)
    assert r.status_code == 401 and "expired" in r.json()["message"]
    assert client.get("/api/me", headers=bearer).status_code == 200
    listed = {t["id"]: t["status"] for t in client.get("/api/tokens", headers=bearer).json()}
    assert listed[short["id"]] == "expired" and listed[body["id"]] == "active"
    clock.advance(timedelta(days=90))
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_an_expiry_in_the_past_or_beyond_a_year_is_refused(client, tokens, clock):
    for when in (clock.now() - timedelta(seconds=1), clock.now() + timedelta(days=400)):
        r = client.post("/api/tokens", json={"username": "sek.neuvoja", "password": PASSWORD, "expires_at": when.isoformat()})
        assert r.status_code == 422 and r.json()["details"]["field_errors"]["expires"], r.text


def test_users_list_and_revoke_their_own_tokens_and_administrators_anyones(client, tokens):
    mine, bearer = _token(client, "sek.neuvoja")
    theirs, their_bearer = _token(client, "ely.neuvoja")
    assert [t["id"] for t in client.get("/api/tokens", headers=bearer).json()] == [
        t["id"] for t in client.get("/api/tokens", headers=tokens["admin"], params={"username": "sek.neuvoja"}).json()
    ]
    assert theirs["id"] not in {t["id"] for t in client.get("/api/tokens", headers=bearer).json()}
    assert client.get("/api/tokens", headers=bearer, params={"username": "ely.neuvoja"}).status_code == 403
    # another user's token: not found, so ids reveal nothing
    assert client.delete(f"/api/tokens/{theirs['id']}", headers=bearer).status_code == 404
    assert client.get("/api/me", headers=their_bearer).status_code == 200
    revoked = client.delete(f"/api/tokens/{mine['id']}", headers=bearer)  # a token may revoke itself
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.get("/api/me", headers=bearer).status_code == 401
    r = client.delete(f"/api/tokens/{theirs['id']}", headers=tokens["admin"])
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert client.get("/api/me", headers=their_bearer).status_code == 401


def test_cli_tokens_expire_list_and_revoke(database_url, quick_hashes):
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)

    assert cli("user", "add", "jarjestelma", "--role", "administrator", "--password", PASSWORD).exit_code == 0
    made = json.loads(cli("user", "token", "jarjestelma", "--name", "raportit", "--expires", "30d", "--json").output)
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    dated = json.loads(
        cli(
            "user", "token", "jarjestelma", "--expires", (datetime.now(UTC) + timedelta(days=10)).date().isoformat(), "--json"
        ).output
    )
    listed = json.loads(cli("user", "tokens", "jarjestelma", "--json").output)
    assert [(t["id"], t["name"], t["status"]) for t in listed] == [
        (made["id"], "raportit", "active"),
        (dated["id"], "api", "active"),
    ]
    assert "raportit" in cli("user", "tokens").output
    out = cli("user", "revoke", str(made["id"]))
    assert out.exit_code == 0 and "revoked" in out.output
    kapula = open_kapula(database_url)
    try:
        directory = Directory(kapula.sessions, kapula.clock)
        with pytest.raises(AuthenticationError):
            directory.principal_for_token(made["token"])
        assert directory.principal_for_token(dated["token"]).username == "jarjestelma"
    finally:
        kapula.close()
    assert json.loads(cli("user", "tokens", "jarjestelma", "--json").output)[0]["status"] == "revoked"
    for bad in ("huomenna", "400d", "2020-01-01"):
        r = cli("user", "token", "jarjestelma", "--expires", bad)
        assert r.exit_code == 6 and r.output.startswith("error: "), (bad, r.output)
    assert cli("user", "revoke", "9999").exit_code == 4


def test_administrators_add_users_over_http_and_others_may_not(client, tokens):
    new = {"username": "uusi.neuvoja", "password": "uusi-salasana-1", "role": "advisor", "organisation": "SEK"}
    r = client.post("/api/users", headers=tokens["omistaja"], json=new)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert client.get("/api/users", headers=tokens["sek.neuvoja"]).status_code == 403
    r = client.post("/api/users", headers=tokens["admin"], json=new)
    assert r.status_code == 201 and r.json() == {
        "username": "uusi.neuvoja",
        "display_name": "uusi.neuvoja",
        "role": "advisor",
        "organisation": "SEK",
        "disabled_at": None,
    }
    assert client.post("/api/users", headers=tokens["admin"], json=new).status_code == 409
    assert client.post("/api/users", headers=tokens["admin"], json={**new, "username": "x", "role": "king"}).status_code == 422
    assert (
        client.post("/api/users", headers=tokens["admin"], json={**new, "username": "y", "organisation": None}).status_code == 422
    )
    assert client.post("/api/tokens", json={"username": "uusi.neuvoja", "password": "uusi-salasana-1"}).status_code == 201
    assert "uusi.neuvoja" in {u["username"] for u in client.get("/api/users", headers=tokens["admin"]).json()}


def test_a_disabled_user_is_out_at_once_and_back_when_enabled(client, tokens):
    sign_in(client, "sek.neuvoja")
    assert client.get("/api/me").status_code == 200
    r = client.post("/api/users/sek.neuvoja/disable", headers=tokens["admin"])
    assert r.status_code == 200 and r.json()["disabled_at"]
    assert client.get("/api/me").status_code == 401  # the session ended
    assert client.get("/api/me", headers=tokens["sek.neuvoja"]).status_code == 401  # the token does not work
    r = client.post("/api/tokens", json={"username": "sek.neuvoja", "password": PASSWORD})
    assert r.status_code == 401  # nor the password
    assert client.post("/api/users/admin/disable", headers=tokens["admin"]).status_code == 403
    assert client.post("/api/users/nobody/disable", headers=tokens["admin"]).status_code == 404
    assert client.post("/api/users/sek.neuvoja/enable", headers=tokens["admin"]).json()["disabled_at"] is None
    assert client.get("/api/me", headers=tokens["sek.neuvoja"]).status_code == 200


def test_a_password_reset_ends_the_users_sessions(client, tokens):
    sign_in(client, "asiakas")
    r = client.put("/api/users/asiakas/password", headers=tokens["admin"], json={"password": "vaihdettu-123"})
    assert r.status_code == 204
    assert client.get("/api/me").status_code == 401
    assert client.post("/api/tokens", json={"username": "asiakas", "password": PASSWORD}).status_code == 401
    assert client.post("/api/tokens", json={"username": "asiakas", "password": "vaihdettu-123"}).status_code == 201
    assert client.put("/api/users/asiakas/password", headers=tokens["admin"], json={"password": "lyhyt"}).status_code == 422
    assert (
        client.put("/api/users/asiakas/password", headers=tokens["asiakas"], json={"password": "vaihdettu-456"}).status_code
        == 403
    )


def test_user_administration_and_tokens_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/users"]) and "put" in paths["/api/users/{username}/password"]
    assert "post" in paths["/api/users/{username}/disable"] and "delete" in paths["/api/tokens/{token_id}"]
    assert paths["/api/users"]["post"]["summary"] and "403" in paths["/api/users"]["post"]["responses"]


def test_control_characters_in_names_are_refused_not_a_server_error(client, tokens):
    # PostgreSQL refuses NUL in text: such input must be answered before it reaches a query
    assert client.post("/api/tokens", json={"username": "ad\x00min", "password": PASSWORD}).status_code == 401
    assert client.post("/api/tokens", json={"username": "admin", "password": PASSWORD, "name": "a\x00b"}).status_code == 422
    assert client.get("/api/tokens", headers=tokens["admin"], params={"username": "a\x00b"}).status_code == 422
    new = {"username": "uusi", "password": "uusi-salasana-1", "role": "customer"}
    for field in ("display_name", "organisation"):
        assert client.post("/api/users", headers=tokens["admin"], json={**new, field: "x\x00y"}).status_code == 422


def test_refused_user_administration_is_in_the_access_log(client, tokens):
    # the user and token endpoints refused without a trace, while every other refusal is logged
    new = {"username": "uusi.neuvoja", "password": "uusi-salasana-1", "role": "advisor", "organisation": "SEK"}
    assert client.post("/api/users", headers=tokens["omistaja"], json=new).status_code == 403
    assert client.get("/api/users", headers=tokens["sek.neuvoja"]).status_code == 403
    assert client.post("/api/users/admin/disable", headers=tokens["admin"]).status_code == 403
    assert client.get("/api/tokens", headers=tokens["sek.neuvoja"], params={"username": "admin"}).status_code == 403
    assert client.get("/api/users", headers=tokens["admin"]).status_code == 200  # allowed: nothing refused

    refused = [(e.user, e.action, e.refused, e.origin) for e in client.app.state.kapula.access_log(refused=True)]
    assert refused == [
        ("omistaja", "manage_users", "only administrators manage users", "POST /api/users from testclient"),
        ("sek.neuvoja", "manage_users", "only administrators manage users", "GET /api/users from testclient"),
        ("admin", "disable_user", "you cannot disable yourself", "POST /api/users/admin/disable from testclient"),
        ("sek.neuvoja", "list_tokens", "only administrators see other users' tokens", "GET /api/tokens from testclient"),
    ]
