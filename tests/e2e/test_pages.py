"""The pages as a browser without JavaScript uses them: sign-in, upload with errors, inbox, forms, timeline."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BPMN
from tests.e2e.conftest import csrf_token, signin_form

FORM = {
    "title": "Kuvaa tarve",
    "type": "object",
    "properties": {
        "need": {
            "type": "string",
            "title": "Tarve",
            "enum": ["kasvu", "rekrytointi"],
            "x-labels": {"kasvu": "Kasvu ja kansainvälistyminen"},
        },
        "count": {"type": "integer", "title": "Henkilöitä", "minimum": 1},
        "urgent": {"type": "boolean", "title": "Kiireellinen"},
    },
    "required": ["need"],
}


def _files(*names, form=True):
    files = [("files", (n, (BPMN / n).read_bytes(), "application/xml")) for n in names]
    files += [
        ("files", (c.name, c.read_bytes(), "application/json"))
        for n in names
        if (c := BPMN / n.replace(".bpmn", ".card.json")).exists()
    ]  # a card offers the process to customers
    if form:
        files.append(("files", ("tarve.json", json.dumps(FORM).encode(), "application/json")))
    return files


def sign_in(client, username):
    """Sign in through the page; afterwards the client sends the new session's CSRF token as htmx does."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    r = client.post("/signin", data=signin_form(client, username), follow_redirects=False)
    assert r.status_code == 303, r.text
    client.headers["X-CSRF-Token"] = csrf_token(client)
    return client


@pytest.fixture
def deployed(client, tokens):
    r = client.post("/api/processes", headers=tokens["omistaja"], files=_files("three_lanes.bpmn"))
    assert r.status_code == 201, r.text


def test_pages_send_strangers_to_sign_in_and_wrong_password_says_so(client, tokens):
    r = client.get("/tasks", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/tasks"
    r = client.post("/signin", data=signin_form(client, "sek.neuvoja", "väärin"))
    assert r.status_code == 401 and "Väärä käyttäjätunnus tai salasana" in r.text
    r = client.post("/signin", data=signin_form(client, "sek.neuvoja", next="//evil.example"), follow_redirects=False)
    assert r.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/tasks"
    assert "htmx.min.js" in client.get("/tasks").text
    assert client.get("/tasks").headers["cache-control"] == "no-store"  # personal data: no copies kept
    assert client.get("/static/htmx.min.js").status_code == 200


def test_upload_shows_the_engines_errors_next_to_the_file(client, tokens):
    sign_in(client, "omistaja")
    r = client.post("/processes/upload", files=_files("not_xml.bpmn", form=False))
    assert r.status_code == 422
    assert "not_xml.bpmn" in r.text and 'id="upload-errors"' in r.text
    r = client.post("/processes/upload", files=_files("missing_target.bpmn", form=False))
    assert r.status_code == 200 and "vain dokumentaatio: 2 korjattavaa" in r.text
    page = client.get("/processes/Broken_target")
    assert 'id="to-fix"' in page.text and "Flow_2" in page.text and "rivi 13" in page.text
    # the engine's issues in the reader's language (they were English, marked lang="en", on Finnish pages)
    to_fix = page.text.split('id="to-fix"')[1].split("</section>")[0]
    assert "<span>Sekvenssivuo &#39;Flow_2&#39; viittaa elementtiin &#39;Task_missing&#39;, jota ei ole.</span>" in to_fix
    assert "<span>Tapahtuma &#39;EndEvent_1&#39;: siihen ei tule yhtään sekvenssivuota" in to_fix and 'lang="en"' not in to_fix
    english = client.get("/processes/Broken_target", headers={"Accept-Language": "en"}).text.split('id="to-fix"')[1]
    assert (
        "<span>Sequence flow &#39;Flow_2&#39; refers to &#39;Task_missing&#39;, an element that does not exist.</span>" in english
    )
    assert "Aloita tapaus" not in page.text
    r = client.post("/processes/upload", files=_files("three_lanes.bpmn"))
    assert r.status_code == 200 and 'id="upload-result"' in r.text and "Handoff_demo" in r.text
    assert '<a href="/processes/Handoff_demo">' in r.text.split('id="upload-result"')[1]  # the upload links to its process
    page = client.get("/processes/Handoff_demo")
    assert "v1" in page.text and "/api/processes/Handoff_demo/versions/1/xml" in page.text


def test_upload_refusals_and_code_issues_read_in_finnish_and_swedish(client, tokens):
    # a malformed file and a refused condition were shown in English, marked lang="en", on these pages
    sign_in(client, "omistaja")
    r = client.post("/processes/upload", files=_files("not_xml.bpmn", form=False))
    errors = r.text.split('id="upload-errors"')[1].split("</ul>")[0]
    assert "<span>Tiedosto ei ole kelvollista XML:ää: Opening and ending tag mismatch" in errors and 'lang="en"' not in errors
    r = client.post("/processes/upload", files=_files("not_xml.bpmn", form=False), headers={"Accept-Language": "sv"})
    errors = r.text.split('id="upload-errors"')[1].split("</ul>")[0]
    assert "<span>Filen är inte giltig XML: Opening and ending tag mismatch" in errors and 'lang="en"' not in errors
    assert client.post("/processes/upload", files=_files("condition_dunder.bpmn", form=False)).status_code == 200
    page = client.get("/processes/Condition_dunder", headers={"Accept-Language": "sv"}).text
    to_fix = page.split('id="to-fix"')[1].split("</section>")[0]
    assert (
        "villkoret på det utgående sekvensflödet &#39;Flow_evil&#39; godtas inte: namnet &#39;__import__&#39; används." in to_fix
    )
    assert 'lang="en"' not in to_fix


def test_customer_starts_a_case_and_fills_the_form_with_field_errors(client, tokens, deployed):
    sign_in(client, "asiakas")
    r = client.post("/processes/Handoff_demo/start")
    assert r.status_code == 200 and "Tapaus #1 aloitettu" in r.text
    inbox = client.get("/tasks").text
    assert "Kuvaa tarve" in inbox
    task_id = inbox.split('id="task-')[1].split('"')[0]
    form = client.get(f"/tasks/{task_id}").text
    # labels, required mark, enum choices with their labels, a checkbox for the boolean
    assert "Tarve" in form and 'title="pakollinen"' in form and "Kasvu ja kansainvälistyminen" in form
    assert 'type="checkbox" id="f-urgent" name="urgent"' in form
    r = client.post(f"/tasks/{task_id}/complete", data={"need": "kasvu", "count": "nolla"})
    assert r.status_code == 422 and 'id="error-count"' in r.text and "kokonaisluku" in r.text
    r = client.post(f"/tasks/{task_id}/complete", data={"need": "kasvu", "count": "0"})
    assert r.status_code == 422 and 'id="error-count"' in r.text
    r = client.post(f"/tasks/{task_id}/complete", data={"need": "kasvu", "count": "2", "urgent": "on"})
    assert r.status_code == 200 and "Kuvaa tarve: valmis" in r.text and "SEK" in r.text
    case = client.get("/cases/1").text
    assert (
        "Kapulan vaihdot" in case
        and '<span class="name">Asiakas</span> → <strong class="name">SEK</strong>' in case
        and "asiakas" in case
    )
    # values as people read them: the process's name, field titles, the choice's label, yes/no in words
    assert "Yrityskäynti ja kapulan vaihto" in case and "Handoff_demo v1" not in case
    facts = case.split('id="case-data"')[1].split("</dl>")[0]
    assert "<dt>Tarve</dt><dd>Kasvu ja kansainvälistyminen</dd>" in facts and "<dt>Kiireellinen</dt><dd>kyllä</dd>" in facts
    assert "<dt>Henkilöitä</dt><dd>2</dd>" in facts and "kasvu<" not in facts and "True" not in case


def test_inbox_list_shows_the_task_handed_to_the_lane(client, tokens, deployed):
    sign_in(client, "sek.neuvoja")
    assert "Ei odottavia tehtäviä" in client.get("/tasks/inbox").text
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    client.post(
        f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", headers=tokens["asiakas"], json={"data": {"need": "kasvu"}}
    )
    listed = client.get("/tasks/inbox").text
    assert "Valmistele käynti" in listed and 'hx-trigger="every 5s"' in listed
    task_id = listed.split('id="task-')[1].split('"')[0]
    r = client.post(f"/tasks/{task_id}/claim")
    assert 'työn alla: <strong id="claimed-by">sek.neuvoja</strong>' in r.text
    # no form for this task: a JSON box; invalid JSON is shown next to it
    r = client.post(f"/tasks/{task_id}/complete", data={"_json": "{nope"})
    assert r.status_code == 422 and "Ei kelvollista JSONia" in r.text
    r = client.post(f"/tasks/{task_id}/complete", data={"_json": '{"needs_funding": true}'})
    assert "siirtyi: ELY" in r.text


def test_a_customer_s_task_without_a_form_shows_just_the_complete_button(client, tokens):
    # a customer gives a step without a form no data (policy.gives_formless_data), yet the page
    # showed them the staff's JSON box, whose every field the completion then refused
    xml = (BPMN / "three_lanes.bpmn").read_text(encoding="utf-8").replace(' kapula:form="tarve.json"', "", 1)
    files = [("files", ("three_lanes.bpmn", xml.encode(), "application/xml"))]
    files.append(("files", ("three_lanes.card.json", (BPMN / "three_lanes.card.json").read_bytes(), "application/json")))
    assert client.post("/api/processes", headers=tokens["omistaja"], files=files).status_code == 201
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    task_id = case["ready_tasks"][0]["id"]
    sign_in(client, "asiakas")
    page = client.get(f"/tasks/{task_id}").text
    assert 'name="_json"' not in page and "JSON" not in page
    assert 'id="no-form"' in page and "Paina Valmis" in page and '<button class="primary">Valmis</button>' in page
    swedish = client.get(f"/tasks/{task_id}", headers={"Accept-Language": "sv"}).text
    assert "ingen blankett att fylla i" in swedish
    r = client.post(f"/tasks/{task_id}/complete", data={})
    assert r.status_code == 200 and "Kuvaa tarve: valmis" in r.text
    # staff keep the JSON box on a task without a form
    sek_task = client.get(f"/api/cases/{case['id']}", headers=tokens["admin"]).json()["ready_tasks"][0]["id"]
    sign_in(client, "sek.neuvoja")
    page = client.get(f"/tasks/{sek_task}").text
    assert 'name="_json"' in page and 'id="no-form"' not in page


def test_refusals_are_pages_with_status(client, tokens, deployed):
    case = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    sign_in(client, "te.neuvoja")
    r = client.get(f"/cases/{case['id']}")
    assert r.status_code == 403 and "Ei oikeutta" in r.text
    assert "Tämä ei ole sinun nähtäväsi" in r.text and 'lang="en"' in r.text  # the engine's words only as a detail
    missing = client.get("/cases/999")
    assert missing.status_code == 404 and "Tapausta 999 ei löydy." in missing.text and "was not found" not in missing.text
    sign_in(client, "toinen.asiakas")
    assert client.get(f"/cases/{case['id']}").status_code == 403
    assert client.post(f"/tasks/{case['ready_tasks'][0]['id']}/claim").status_code == 403


def test_process_page_embeds_the_drawing_and_links_the_card(client, tokens, deployed):
    sign_in(client, "omistaja")
    text = client.get("/processes/Handoff_demo").text
    assert 'src="/processes/Handoff_demo/swimlanes.svg"' in text and 'href="/processes/Handoff_demo/card"' in text
    drawing = client.get("/processes/Handoff_demo/swimlanes.svg")
    assert drawing.status_code == 200 and drawing.headers["content-type"] == "image/svg+xml"
    card = client.get("/processes/Handoff_demo/card")
    assert card.status_code == 200 and '<a class="back" href="/processes/Handoff_demo">' in card.text
    assert "@page{size:A4 landscape" in card.text  # prints on A4 landscape


def test_oversized_upload_and_unknown_pages_answer_with_pages(client, tokens):
    sign_in(client, "omistaja")
    r = client.post("/processes/upload", files=[("files", ("big.bpmn", b" " * 300_000, "application/xml"))])
    assert r.status_code == 413 and "Liian suuri tiedosto" in r.text and "<html" in r.text
    # as the upload form sends it (no htmx: the token in the form, which the CSRF check reads
    # before any route): the browser showed the API's JSON (the fresh tester's find)
    token = client.headers.pop("X-CSRF-Token")
    big = [("files", ("big.bpmn", b" " * 300_000, "application/xml"))]
    r = client.post("/processes/upload", data={"csrf_token": token}, files=big)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html"), r.text[:200]
    assert "Liian suuri tiedosto" in r.text and "Lähetys on liian suuri. Mitään ei tallennettu." in r.text
    assert 'lang="en"><small>the request body is larger than the limit of' in r.text
    client.headers["X-CSRF-Token"] = token
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "Ei löydy" in r.text
    assert client.get("/cases/abc").status_code == 422
    assert client.get("/api/no-such-thing").json()["code"] == "not_found"


def test_a_looping_case_s_page_shows_the_latest_rows_of_each_list_and_links_to_older_ones(client, tokens, kapula):
    """A case at 1,000 rounds made a 5.2 MB page: its timeline, stages and handoffs now show their
    latest timeline_pages.ROWS rows each, with a link to the older ones (the API's `*before`)."""
    import re

    from api.web.timeline_pages import ROWS
    from tests.conftest import FIXTURES

    kapula.deploy([(n, (FIXTURES / "loops" / n).read_bytes()) for n in ("call_loop.bpmn", "call_loop_check.bpmn")])
    case = kapula.start_case("Call_loop")
    for _ in range(ROWS):  # each round: two handoffs, three tasks
        for _ in range(3):
            [task] = kapula.ready_tasks(case_id=case.id)
            kapula.complete_task(task.id, {"accepted": False})
    sign_in(client, "admin")
    html = client.get(f"/cases/{case.id}").text
    t = kapula.timeline(case.id)
    assert html.count('<li class="ev-') == ROWS and len(t.events) > 2 * ROWS
    sections = {name: html.split(f'<h2 id="{name}">')[1].split("<h2")[0] for name in ("handoffs", "stages")}
    assert sections["handoffs"].count("<tr><td") == ROWS and len(t.handoffs) == 2 * ROWS
    assert sections["stages"].count("<tr><td") == ROWS
    older = re.search(r'href="(/cases/\d+\?handoffs_before=(\d+)#handoffs)"', html)
    assert older and int(older[2]) == t.handoffs[-ROWS].seq
    assert f"Näytä vanhemmat ({ROWS} lisää)" in sections["handoffs"]
    page = client.get(older[1].replace("#handoffs", "")).text
    oldest = page.split('<h2 id="handoffs">')[1].split("<h2")[0]
    assert oldest.count("<tr><td") == ROWS and "handoffs_before=" not in oldest and "Näytä uusimmat" in oldest
    assert client.get(f"/cases/{case.id}?stages_before=0").status_code == 422
