"""In Chromium: nothing irreversible in one click (cancel and erase ask first, with a reason), no
personal data left behind after sign-out (Back shows the sign-in page), and a case waiting on a
timer says so and until when."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.conftest import read
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_errors import SCREENSHOTS, signed_in

CUSTOMER = "Kauhajoen Konepaja Oy"


def _case_at_sek(kapula) -> int:
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": CUSTOMER}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"}, user="asiakas")
    return case.id


def test_back_after_sign_out_shows_no_personal_data(kapula, server, browser):  # noqa: F811
    case_id = _case_at_sek(kapula)
    page = signed_in(browser, server, "sek.neuvoja", f"/cases/{case_id}")
    expect(page.locator("main")).to_contain_text(CUSTOMER)
    page.get_by_role("link", name="Tehtävät").click()  # an htmx-boosted move: the one htmx would cache
    expect(page.locator("#inbox")).to_contain_text("Valmistele käynti")
    page.get_by_role("button", name="Kirjaudu ulos").click()
    expect(page.get_by_role("heading", name="Kirjaudu")).to_be_visible()
    for _ in range(2):
        page.go_back()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="Kirjaudu")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(CUSTOMER)
        expect(page.locator("body")).not_to_contain_text("Valmistele käynti")
    stored = page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert "htmx-history-cache" not in stored and CUSTOMER not in stored


def test_cancelling_asks_for_a_reason_first(kapula, server, browser):  # noqa: F811
    case_id = _case_at_sek(kapula)
    page = signed_in(browser, server, "admin", f"/cases/{case_id}")
    page.get_by_role("link", name="Peru tapaus…").click()
    expect(page.get_by_role("heading", name=f"Peru tapaus: tapaus #{case_id}?")).to_be_visible()
    assert kapula.get_case(case_id).status.value == "running"  # asking changed nothing
    page.get_by_role("button", name="Peru tapaus").click()
    expect(page.locator("#form-error")).to_contain_text("Kirjoita syy")
    assert page.get_by_label("Syy").get_attribute("aria-invalid") == "true"
    assert kapula.get_case(case_id).status.value == "running"
    page.screenshot(path=str(SCREENSHOTS / "cancel-asks-for-reason.png"), full_page=True)
    page.get_by_label("Syy").fill("Asiakas perui hakemuksen puhelimessa.")
    page.get_by_role("button", name="Peru tapaus").click()
    expect(page.locator(".flash")).to_contain_text(f"Tapaus #{case_id} peruttu")
    assert kapula.get_case(case_id).status.value == "cancelled"


def test_a_case_waiting_on_a_timer_says_until_when(kapula, server, browser, clock):  # noqa: F811
    case_id = _case_at_sek(kapula)
    for user, data in (("sek.neuvoja", {"needs_funding": True}), ("ely.neuvoja", {})):
        kapula.complete_task(kapula.ready_tasks(case_id=case_id)[0].id, data, user=user)
    due = kapula.get_case(case_id).next_timer_due
    assert due is not None and due - clock.now() == timedelta(days=2)
    page = signed_in(browser, server, "ely.neuvoja", f"/cases/{case_id}")
    local = due.astimezone(ZoneInfo("Europe/Helsinki"))
    shown = f"{local.day}.{local.month}.{local.year} {local:%H.%M}"  # Finnish as Babel writes it, Helsinki time
    expect(page.locator("#waiting")).to_contain_text(f"ajastin, erääntyy {shown}")  # the event it waits for, with its due time
    page.goto(f"{server}/cases")
    # the list names the timer where the case is now, and its due time as the case's deadline
    expect(page.locator(f"#case-{case_id}")).to_contain_text("Odota 2 päivää (ajastin)")
    expect(page.locator(f"#case-{case_id} .due")).to_contain_text(shown)
    expect(page.locator("table.list")).not_to_contain_text("–")
