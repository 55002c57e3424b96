"""The pages in Finnish, Swedish and English: the browser's Accept-Language chooses first, a choice
on the switcher is kept in a cookie, and a signed-in user's choice is kept with the user (also on
another browser); <html lang> follows; engine errors and field errors read in the chosen language."""

from __future__ import annotations

import re

from tests.e2e.conftest import csrf_token, signin_form
from tests.e2e.test_pages import deployed, sign_in  # noqa: F401  (deployed is a fixture)


def _lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)">', html)
    assert match, html[:200]
    return match.group(1)


def _choose(client, language: str, next: str = "/signin"):
    return client.post(
        "/language", data={"language": language, "next": next, "csrf_token": csrf_token(client)}, follow_redirects=False
    )


def test_the_browsers_language_chooses_and_finnish_is_the_default(client):
    page = client.get("/signin")
    assert _lang(page.text) == "fi" and "<h1>Kirjaudu</h1>" in page.text
    page = client.get("/signin", headers={"Accept-Language": "sv-FI,sv;q=0.9,fi;q=0.8"})
    assert _lang(page.text) == "sv" and "<h1>Logga in</h1>" in page.text and "Användarnamn" in page.text
    assert page.headers["content-language"] == "sv"
    page = client.get("/signin", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert _lang(page.text) == "en" and "<h1>Sign in</h1>" in page.text
    assert _lang(client.get("/signin", headers={"Accept-Language": "de"}).text) == "fi"


def test_every_page_has_a_language_switcher_each_name_in_its_own_language(client, tokens):
    html = client.get("/signin", headers={"Accept-Language": "en"}).text
    nav = html.split('<nav class="languages" aria-label="Language">')[1].split("</nav>")[0]
    assert '<button class="link" name="language" value="fi" lang="fi">Suomi</button>' in nav
    assert '<button class="link" name="language" value="sv" lang="sv">Svenska</button>' in nav
    assert '<span class="current" lang="en" aria-current="true">English</span>' in nav
    sign_in(client, "sek.neuvoja")
    assert 'action="/language"' in client.get("/tasks").text and 'action="/language"' in client.get("/cases").text


def test_an_anonymous_choice_is_a_cookie_that_wins_over_the_browser(client):
    r = _choose(client, "sv", next="/signin?next=/tasks")
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/tasks"
    assert "kapula_lang=sv" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    assert _lang(client.get("/signin", headers={"Accept-Language": "en"}).text) == "sv"
    assert _choose(client, "en", next="//evil.example").headers["location"] == "/"  # only our own paths
    r = _choose(client, "de")
    assert r.status_code == 422 and "kapula_lang=de" not in r.headers.get("set-cookie", "")


def test_a_signed_in_users_choice_is_kept_with_the_user(client, tokens, directory):
    sign_in(client, "sek.neuvoja")
    assert _choose(client, "en", next="/tasks").status_code == 303
    assert directory.principal("sek.neuvoja").language == "en"
    page = client.get("/tasks")
    assert _lang(page.text) == "en" and ">Tasks<" in page.text and ">Sign out<" in page.text
    # another browser, Swedish by its Accept-Language: after signing in, the user's own choice
    client.cookies.clear()
    client.headers["Accept-Language"] = "sv"
    assert _lang(client.get("/signin").text) == "sv"
    r = client.post("/signin", data=signin_form(client, "sek.neuvoja"), follow_redirects=False)
    assert "kapula_lang=en" in r.headers["set-cookie"]  # the sign-in page after signing out stays English
    assert _lang(client.get("/tasks").text) == "en"


def test_refusals_and_field_errors_read_in_the_chosen_language(client, tokens, deployed):  # noqa: F811
    sign_in(client, "asiakas")
    _choose(client, "sv", next="/tasks")
    page = client.get("/cases/999")
    assert page.status_code == 404 and "Ärendet 999 hittades inte." in page.text and "Hittades inte" in page.text
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    task_id = case["ready_tasks"][0]["id"]
    r = client.post(f"/tasks/{task_id}/complete", data={"count": "abc"})
    assert r.status_code == 422 and "Kontrollera de markerade fälten." in r.text
    assert "Ange ett heltal, till exempel 3." in r.text
    assert "En obligatorisk uppgift saknas." in client.post(f"/tasks/{task_id}/complete", data={"count": "2"}).text
    _choose(client, "en", next="/tasks")
    r = client.post(f"/tasks/{task_id}/complete", data={"count": "0", "need": "kasvu"})
    assert r.status_code == 422 and "The smallest value allowed is 1." in r.text
    r = client.post("/signin", data=signin_form(client, "asiakas", "wrong"))
    assert r.status_code == 401 and "Wrong user name or password." in r.text
