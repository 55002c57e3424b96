"""POST /api/processes/{key}/migrations: the owner moves running cases; others are refused."""

from __future__ import annotations

from tests.conftest import BPMN
from tests.e2e.conftest import upload

THREE_LANES = (BPMN / "three_lanes.bpmn").read_text()


def upload_v2(client, headers):
    """Version 2 of Handoff_demo: the same diagram under another name (a new content hash)."""
    text = THREE_LANES.replace('name="', 'name="v2 ', 1)
    return client.post(
        "/api/processes", headers=headers, files=[("files", ("three_lanes.bpmn", text.encode(), "application/xml"))]
    )


def test_the_owner_dry_runs_then_moves_and_others_are_refused(client, tokens, kapula):
    assert upload(client, tokens["omistaja"]).status_code == 201
    started = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    body = {"from_version": 1, "to_version": 2, "dry_run": True}

    for who in ("novago.omistaja", "sek.neuvoja", "asiakas"):
        r = client.post("/api/processes/Handoff_demo/migrations", headers=tokens[who], json=body)
        assert r.status_code == 403 and r.json()["code"], who
    assert client.post("/api/processes/Handoff_demo/migrations", json=body).status_code == 401

    dry = client.post("/api/processes/Handoff_demo/migrations", headers=tokens["omistaja"], json=body)
    assert dry.status_code == 200, dry.text
    assert dry.json()["cases"] == [{"case_id": started["id"], "moves": True, "reasons": [], "moved": False, "skipped": None}]
    assert kapula.get_case(started["id"]).version == 1

    done = client.post("/api/processes/Handoff_demo/migrations", headers=tokens["omistaja"], json={**body, "dry_run": False})
    assert done.status_code == 200 and done.json()["moved"] == 1
    assert kapula.get_case(started["id"]).version == 2
    log = client.get(f"/api/cases/{started['id']}/access-log", headers=tokens["admin"]).json()
    assert [e["action"] for e in log if e["action"] == "migrate"] == ["migrate"]


def test_bad_plans_and_versions_are_clear_errors(client, tokens):
    assert upload(client, tokens["omistaja"]).status_code == 201
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    url = "/api/processes/Handoff_demo/migrations"
    r = client.post(url, headers=tokens["admin"], json={"from_version": 1, "to_version": 9})
    assert r.status_code == 404 and "v9" in r.json()["message"]
    r = client.post(url, headers=tokens["admin"], json={"from_version": 1, "to_version": 2, "mapping": {"nope": "Task_prepare"}})
    assert r.status_code == 422 and "'nope' is not an element" in r.json()["message"]
    r = client.post(url, headers=tokens["admin"], json={"from_version": 1, "to_version": 1})
    assert r.status_code == 422
    assert client.post(url, headers=tokens["admin"], json={"from_version": "x"}).status_code == 422
    # a version number past 32 bits overflowed the database driver: a 500 (the page's form too)
    huge = 99999999999999999999999
    r = client.post(url, headers=tokens["admin"], json={"from_version": huge, "to_version": 2})
    assert r.status_code in (404, 422) and r.json()["code"] in ("not_found", "invalid_request"), r.text
    from tests.e2e.test_pages import sign_in

    sign_in(client, "omistaja")
    page = client.post("/processes/Handoff_demo/migrate", data={"from_version": str(huge), "to_version": "2", "plan": ""})
    assert page.status_code in (404, 422) and "<html" in page.text and "Traceback" not in page.text


def test_the_process_page_offers_the_owner_a_dry_run_and_a_move(client, tokens, kapula):
    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    started = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    sign_in(client, "omistaja")
    assert "/processes/Handoff_demo/migrate" in client.get("/processes/Handoff_demo").text
    form = client.get("/processes/Handoff_demo/migrate")
    assert form.status_code == 200 and 'name="plan"' in form.text
    dry = client.post(
        "/processes/Handoff_demo/migrate", data={"from_version": "1", "to_version": "2", "plan": "", "dry_run": "1"}
    )
    assert dry.status_code == 200 and "siirtyy" in dry.text and kapula.get_case(started["id"]).version == 1
    bad = client.post("/processes/Handoff_demo/migrate", data={"from_version": "1", "to_version": "2", "plan": "{oops"})
    assert bad.status_code == 422 and "Vastaavuudet eivät ole JSONia." in bad.text and 'role="alert"' in bad.text
    moved = client.post(
        "/processes/Handoff_demo/migrate", data={"from_version": "1", "to_version": "2", "plan": "", "execute": "1"}
    )
    assert moved.status_code == 200 and "siirretty" in moved.text and kapula.get_case(started["id"]).version == 2
    sign_in(client, "sek.neuvoja")
    assert "/migrate" not in client.get("/processes/Handoff_demo").text
    refused = client.post("/processes/Handoff_demo/migrate", data={"from_version": "2", "to_version": "1", "execute": "1"})
    assert refused.status_code == 403


def test_the_migration_form_is_refused_to_an_advisor_like_its_post(client, tokens):
    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    sign_in(client, "sek.neuvoja")
    form = client.get("/processes/Handoff_demo/migrate")
    assert form.status_code == 403
    assert 'name="plan"' not in form.text and "Ei oikeutta" in form.text and "Traceback" not in form.text
    # logged like the POST's refusal and every other one (it was not: the page refused on its own)
    refused = [(e.user, e.action, e.process_key, e.origin) for e in client.app.state.kapula.access_log(refused=True)]
    assert refused == [("sek.neuvoja", "migrate", "Handoff_demo", "GET /processes/Handoff_demo/migrate from testclient")]


def test_why_a_case_cannot_move_is_in_the_readers_language(client, tokens):
    # the engine's reasons were shown in English, marked lang="en", inside the Finnish page
    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"})
    renamed = THREE_LANES.replace('name="', 'name="v2 ', 1).replace("Task_describe", "Task_tell")
    files = [("files", ("three_lanes.bpmn", renamed.encode(), "application/xml"))]
    assert client.post("/api/processes", headers=tokens["omistaja"], files=files).status_code == 201
    sign_in(client, "omistaja")
    form = {"from_version": "1", "to_version": "2", "plan": "", "dry_run": "1"}
    finnish = client.post("/processes/Handoff_demo/migrate", data=form)
    assert finnish.status_code == 200 and "ei voi siirtää" in finnish.text
    assert "<span>Tapaus on kohdassa &#39;Kuvaa tarve&#39; (Task_describe), jota uudessa versiossa ei ole" in finnish.text
    assert 'lang="en"' not in finnish.text.split("<table")[-1]
    english = client.post("/processes/Handoff_demo/migrate", data=form, headers={"Accept-Language": "en"})
    assert "<span>The case is at &#39;Kuvaa tarve&#39; (Task_describe), which the new version does not have" in english.text


def test_a_moved_case_says_so_on_its_page(client, tokens):
    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    started = client.post("/api/cases", headers=tokens["asiakas"], json={"process_key": "Handoff_demo"}).json()
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    body = {"from_version": 1, "to_version": 2}
    assert client.post("/api/processes/Handoff_demo/migrations", headers=tokens["omistaja"], json=body).json()["moved"] == 1
    sign_in(client, "omistaja")
    page = client.get(f"/cases/{started['id']}")
    assert page.status_code == 200 and "siirretty uuteen versioon" in page.text and "v1 → v2" in page.text


def test_why_a_plan_cannot_be_applied_is_in_the_readers_language(client, tokens):
    # the 422 box showed the engine's English, marked lang="en", inside the Finnish page
    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    sign_in(client, "omistaja")
    form = {"from_version": "1", "to_version": "2", "plan": '{"nope": "Task_prepare"}', "dry_run": "1"}
    finnish = client.post("/processes/Handoff_demo/migrate", data=form)
    alert = finnish.text.split('role="alert"')[1].split("</div>")[0]
    assert finnish.status_code == 422 and "Tapauksia ei siirretty." in alert and 'lang="en"' not in alert
    assert "Elementtiä &#39;nope&#39; ei ole siinä versiossa, jossa tapaukset ovat." in alert
    english = client.post("/processes/Handoff_demo/migrate", data=form, headers={"Accept-Language": "en"})
    assert "&#39;nope&#39; is not an element of the version the cases are on." in english.text
    same = client.post("/processes/Handoff_demo/migrate", data={**form, "to_version": "1", "plan": ""})
    assert same.status_code == 422 and "Tapaukset ovat jo tässä versiossa: valitse kaksi eri versiota." in same.text
    assert 'lang="en"' not in same.text.split('role="alert"')[1].split("</div>")[0]
    # a refusal's engine message stays as logged, in English, under the technical label
    sign_in(client, "sek.neuvoja")
    refused = client.post("/processes/Handoff_demo/migrate", data=form)
    assert refused.status_code == 403
    assert '<summary>Tekninen kuvaus</summary><p lang="en"><small>sek.neuvoja: only the owner of' in refused.text


def test_the_plan_box_shows_the_whole_example_in_each_language(client, tokens):
    """The placeholder is the catalog's JSON example, quotes and all (they ended the attribute: '{')."""
    from lxml import html

    from tests.e2e.test_pages import sign_in

    assert upload(client, tokens["omistaja"]).status_code == 201
    assert upload_v2(client, tokens["omistaja"]).status_code == 201
    sign_in(client, "omistaja")
    examples = {"fi": '{"Task_vanha": "Task_uusi"}', "sv": '{"Task_gammal": "Task_ny"}', "en": '{"Task_old": "Task_new"}'}
    for language, example in examples.items():
        page = client.get("/processes/Handoff_demo/migrate", headers={"Accept-Language": language})
        assert page.status_code == 200
        box = html.fromstring(page.text).get_element_by_id("plan")
        assert box.get("placeholder") == example, language
        assert set(box.attrib) == {"id", "name", "rows", "aria-describedby", "placeholder"}
