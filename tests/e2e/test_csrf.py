"""Cross-site request forgery: a page of another origin (here a same-site page on another port,
which SameSite=Lax alone lets through) cannot change anything in a signed-in user's name, nor sign
a browser in to an account of the attacker's choosing (login CSRF)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from tests.e2e.conftest import ORIGIN, PASSWORD, csrf_token, signin_form, upload
from tests.e2e.test_pages import sign_in

SAME_SITE_OTHER_PORT = {"Origin": "http://testserver:8081"}


@pytest.fixture
def case_id(client, tokens) -> int:
    assert upload(client, tokens["omistaja"]).status_code == 201
    r = client.post(
        "/api/cases", headers=tokens["admin"], json={"process_key": "Handoff_demo", "data": {"customer": "Oy Asiakas"}}
    )
    return int(r.json()["id"])


def _status(client, tokens, case_id) -> tuple[str, dict]:
    case = client.get(f"/api/cases/{case_id}", headers=tokens["admin"]).json()
    return case["status"], case["data"]


def test_a_page_on_another_port_cannot_cancel_a_case_or_erase_data_in_the_admins_name(client, tokens, case_id):
    sign_in(client, "admin")
    token = client.headers.pop("X-CSRF-Token")  # the forging page cannot read it; below it is tried anyway
    forged = [
        ("/cases/{id}/cancel", {"data": {"reason": "x"}}),  # the page's own form, no token
        ("/cases/{id}/cancel", {"data": {"reason": "x", "csrf_token": "guess"}}),
        ("/cases/{id}/cancel", {"data": {"reason": "x", "csrf_token": token}}),  # even the right token: wrong origin
        ("/cases/{id}/erase", {"data": {"reason": "x"}}),
        ("/api/cases/{id}/cancel", {}),  # fetch(…, {credentials: "include"})
        ("/api/cases/{id}/erase", {}),
        ("/api/cases/{id}/erase", {"content": b'{"fields": ["customer"]}', "headers": {"Content-Type": "text/plain"}}),
        ("/api/cases/{id}/erase", {"json": {"fields": ["customer"]}}),  # JSON, but from the other origin
    ]
    for path, kwargs in forged:
        headers = {**SAME_SITE_OTHER_PORT, **kwargs.pop("headers", {})}
        r = client.post(path.format(id=case_id), headers=headers, follow_redirects=False, **kwargs)
        assert r.status_code == 403, (path, r.status_code, r.text[:200])
    assert _status(client, tokens, case_id) == ("running", {"customer": "Oy Asiakas"})
    # the API answers in its JSON error shape, the pages with a page
    r = client.post(f"/api/cases/{case_id}/cancel", headers=SAME_SITE_OTHER_PORT)
    assert r.json()["code"] == "csrf_failed" and r.headers["content-type"].startswith("application/json")
    r = client.post(f"/cases/{case_id}/cancel", data={"reason": "x"}, headers=SAME_SITE_OTHER_PORT)
    assert "text/html" in r.headers["content-type"] and "Ei oikeutta" in r.text


def test_without_origin_or_referer_a_cookie_authenticated_change_is_refused(client, tokens, case_id):
    sign_in(client, "admin")
    del client.headers["Origin"]
    assert client.post(f"/cases/{case_id}/cancel", data={"reason": "x"}, follow_redirects=False).status_code == 403
    r = client.post(
        f"/cases/{case_id}/cancel",
        data={"reason": "x"},
        headers={"Referer": f"http://testserver/cases/{case_id}"},
        follow_redirects=False,
    )
    assert r.status_code == 303  # a browser that sends only the Referer still works
    assert _status(client, tokens, case_id)[0] == "cancelled"


def test_the_pages_own_forms_and_htmx_work(client, tokens, case_id):
    sign_in(client, "admin")
    token = client.headers.pop("X-CSRF-Token")
    page = client.get(f"/cases/{case_id}/cancel").text  # the page that asks for a reason
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page  # htmx sends it with every request
    assert f'name="csrf_token" value="{token}"' in page  # and every form, for browsers without script
    r = client.post(f"/cases/{case_id}/cancel", data={"csrf_token": token, "reason": "asiakas perui"}, follow_redirects=False)
    assert r.status_code == 303 and _status(client, tokens, case_id)[0] == "cancelled"


def test_signed_in_api_calls_need_json_and_bearer_calls_are_unaffected(client, tokens, case_id):
    sign_in(client, "admin")
    del client.headers["X-CSRF-Token"]
    assert client.post(f"/api/cases/{case_id}/erase").status_code == 403  # no body: no JSON
    r = client.post(f"/api/cases/{case_id}/erase", json={"fields": ["customer"], "reason": "pyyntö"})  # same origin, JSON
    assert r.status_code == 200, r.text
    bearer = TestClient(client.app, headers=tokens["admin"])  # a system: no Origin at all
    assert bearer.post(f"/api/cases/{case_id}/cancel", json={"reason": "pyyntö"}).status_code == 200


def test_login_csrf_is_refused(client, tokens):
    # a page of another origin posts the attacker's name and password into the victim's browser
    r = client.post("/signin", data=signin_form(client, "sek.neuvoja"), headers=SAME_SITE_OTHER_PORT, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/api/me").status_code == 401
    # a browser that never opened the sign-in page has no token to send
    fresh = TestClient(client.app, headers=ORIGIN)
    r = fresh.post("/signin", data={"username": "sek.neuvoja", "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert r.status_code == 403 and fresh.get("/api/me").status_code == 401


def test_the_token_is_renewed_at_sign_in(client, tokens):
    before = csrf_token(client)
    sign_in(client, "sek.neuvoja")
    assert client.headers["X-CSRF-Token"] != before


def test_forms_that_cannot_be_read_are_refused_not_a_500(client, tokens):
    sign_in(client, "omistaja")
    del client.headers["X-CSRF-Token"]
    bodies = [
        (b"\xff\xfe csrf_token=\xff", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"--x\r\n", "multipart/form-data"),
        ("&".join(f"f{i}=1" for i in range(20_000)).encode(), "application/x-www-form-urlencoded"),
    ]
    for body, content_type in bodies:
        r = client.post("/processes/upload", content=body, headers={"Content-Type": content_type})
        assert r.status_code == 403, (content_type, r.status_code)


def test_allowed_origins_setting_admits_the_public_address_behind_a_proxy(kapula, tokens, monkeypatch):
    monkeypatch.setenv("KAPULA_ALLOWED_ORIGINS", "https://kapula.example.fi")
    with TestClient(create_app(kapula, secret_key="s"), headers={"Origin": "https://kapula.example.fi"}) as c:
        r = c.post("/signin", data=signin_form(c, "admin"), follow_redirects=False)
        assert r.status_code == 303


def test_a_refused_form_says_it_is_stale_not_that_it_is_someone_elses(client, tokens):
    # the page said "this belongs to another organisation's lane or another customer's case" (the
    # 403 of the access rules) to a form sent from a page older than the sign-in, in every language
    sign_in(client, "omistaja")
    stale = {"csrf_token": "from-before-the-sign-in", "language": "en", "next": "/"}
    del client.headers["X-CSRF-Token"]
    r = client.post("/language", data=stale, headers={"Accept-Language": "en"})
    assert r.status_code == 403
    assert "The form is out of date or came from another site. Nothing was saved" in r.text
    assert "another organisation" not in r.text
    r = client.post("/language", data=stale, headers=SAME_SITE_OTHER_PORT | {"Accept-Language": "fi"})
    assert r.status_code == 403 and "Lomake on vanhentunut tai tuli toiselta sivustolta" in r.text
