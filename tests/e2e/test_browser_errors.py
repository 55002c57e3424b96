"""In Chromium: every refused submit shows its message where the user looks. A required field left
empty, `abc` in a number field, the customer's incomplete start form (422) and a task someone else
claimed (409, and the task shown read-only with who holds it). htmx drops 4xx answers by default;
api/web/static/kapula.js makes it swap them in."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from engine.bundles import model_bundle
from tests.conftest import read
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
FORM = {
    "title": "Kuvaa tarve",
    "type": "object",
    "properties": {
        "need": {"type": "string", "title": "Tarve", "enum": ["kasvu", "rekrytointi"], "x-labels": {"kasvu": "Kasvu"}},
        "count": {"type": "integer", "title": "Henkilöitä", "minimum": 1},
    },
    "required": ["need"],
}


def signed_in(browser: Browser, base: str, username: str, path: str = "/", *, width: int = 1100) -> Page:  # noqa: F811
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/signin?next={path}")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_load_state()
    return page


def _describe_task(kapula) -> str:
    kapula.deploy([read("three_lanes.bpmn"), ("tarve.json", json.dumps(FORM).encode())])
    case = kapula.start_case("Handoff_demo", {}, user="asiakas")
    return case.ready_tasks[0].id


def _described_by(page: Page, field: str) -> str:
    ids = page.locator(f"#f-{field}").get_attribute("aria-describedby") or ""
    return " ".join(page.locator(f"#{i}").inner_text() for i in ids.split())


def test_a_required_field_left_empty_is_marked_next_to_the_field(kapula, server, browser):  # noqa: F811
    task_id = _describe_task(kapula)
    page = signed_in(browser, server, "asiakas", f"/tasks/{task_id}")
    page.get_by_role("button", name="Valmis").click()
    expect(page.locator("#form-error")).to_contain_text("Tarkista merkityt kentät")
    expect(page.locator("#error-need")).to_have_text("Pakollinen tieto puuttuu.")
    assert page.locator("#f-need").get_attribute("aria-invalid") == "true"
    assert "Pakollinen tieto puuttuu" in _described_by(page, "need")
    expect(page.locator("#f-need")).to_be_focused()  # the keyboard is taken to what went wrong
    assert page.url.endswith(f"/tasks/{task_id}") or page.url.endswith("/complete")
    page.screenshot(path=str(SCREENSHOTS / "task-required-missing.png"), full_page=True)


def test_letters_in_a_number_field_are_refused_with_the_value_kept(kapula, server, browser):  # noqa: F811
    task_id = _describe_task(kapula)
    page = signed_in(browser, server, "asiakas", f"/tasks/{task_id}", width=390)
    page.get_by_label("Tarve").select_option("kasvu")
    page.get_by_label("Henkilöitä").fill("abc")
    page.get_by_role("button", name="Valmis").click()
    expect(page.locator("#error-count")).to_contain_text("Anna kokonaisluku")
    expect(page.get_by_label("Henkilöitä")).to_have_value("abc")
    expect(page.get_by_label("Tarve")).to_have_value("kasvu")
    assert "Anna kokonaisluku" in _described_by(page, "count")
    page.get_by_label("Henkilöitä").fill("0")  # a number, but below the form's minimum: the engine's rule
    page.get_by_role("button", name="Valmis").click()
    expect(page.locator("#error-count")).to_have_text("Pienin sallittu arvo on 1.")
    page.screenshot(path=str(SCREENSHOTS / "task-number-refused-phone.png"), full_page=True)
    page.get_by_label("Henkilöitä").fill("2")
    page.get_by_role("button", name="Valmis").click()
    expect(page.locator(".flash")).to_contain_text("Kuvaa tarve: valmis")


def test_a_task_someone_else_claimed_is_read_only_and_says_who_holds_it(kapula, server, browser):  # noqa: F811
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"}, user="asiakas")
    task_id = kapula.ready_tasks(case_id=case.id)[0].id

    page = signed_in(browser, server, "sek.neuvoja", f"/tasks/{task_id}")
    expect(page.get_by_role("button", name="Ota työn alle")).to_be_visible()
    kapula.claim_task(task_id, user="sek.toinen")  # a colleague is quicker
    page.get_by_role("button", name="Ota työn alle").click()
    expect(page.locator("#form-error")).to_contain_text("käyttäjän sek.toinen työn alla")
    expect(page.locator("#read-only")).to_contain_text("sek.toinen")
    expect(page.get_by_role("button", name="Valmis")).to_have_count(0)
    expect(page.get_by_role("button", name="Ota työn alle")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "task-claimed-by-someone-else.png"), full_page=True)

    page.reload()  # opened afresh, the task is read-only too
    expect(page.locator("#read-only")).to_contain_text("sek.toinen")
    expect(page.locator("form.task-form")).to_have_count(0)


def test_the_customers_incomplete_start_form_shows_what_is_missing(kapula, server, browser):  # noqa: F811
    kapula.deploy(model_bundle(ROOT / "bpmn" / "lansi_uusimaa_yrityspalvelu.bpmn", ROOT / "forms"))
    page = signed_in(browser, server, "asiakas", "/processes/lansi_uusimaa_yrityspalvelu/start")
    expect(page.get_by_role("heading", name="Aloita tapaus")).to_be_visible()
    page.get_by_label("Asiakas").fill("Kauhajoen Konepaja Oy")
    page.get_by_role("button", name="Aloita").click()
    expect(page.locator("#form-error")).to_contain_text("Tarkista merkityt kentät")
    expect(page.locator("#error-kanava")).to_have_text("Pakollinen tieto puuttuu.")
    expect(page.get_by_label("Asiakas")).to_have_value("Kauhajoen Konepaja Oy")
    assert not kapula.cases()
    page.screenshot(path=str(SCREENSHOTS / "start-form-incomplete.png"), full_page=True)
    page.get_by_label("Yhteydenottokanava").select_option("puhelin")
    page.get_by_role("button", name="Aloita").click()
    expect(page.locator(".flash")).to_contain_text("aloitettu")
    assert len(kapula.cases()) == 1
