"""axe-core on every page and state of the main journey, as each role sees it: no serious or critical
WCAG 2.1 AA violation. And the journey by keyboard alone: sign in, open a task, claim it, fill in its
form with a mistake, fix it, complete it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import read
from tests.e2e.accessibility import violations
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_errors import FORM, signed_in  # noqa: F401  (signed_in is a fixture)


@pytest.fixture
def journey(kapula):
    """A case at the customer's form task, and one at SEK, with a timer case waiting at ELY."""
    kapula.deploy([read("three_lanes.bpmn"), ("tarve.json", json.dumps(FORM).encode())])
    at_customer = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    at_sek = kapula.start_case("Handoff_demo", {"customer": "Teuvan Taimi Oy"}, user="asiakas")
    kapula.complete_task(at_sek.ready_tasks[0].id, {"need": "kasvu", "count": 2}, user="asiakas")
    return {
        "customer_task": at_customer.ready_tasks[0].id,
        "customer_case": at_customer.id,
        "sek_case": at_sek.id,
        "sek_task": kapula.ready_tasks(case_id=at_sek.id)[0].id,
    }


def _check(page: Page, what: str, found: dict[str, list]) -> None:
    page.wait_for_load_state()
    problems = violations(page)
    if problems:
        found[what] = problems


def _context(browser: Browser):  # noqa: F811
    # axe is injected as a script of its own: the pages' content security policy does not allow that
    return browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)


def _as(browser: Browser, base: str, username: str, path: str) -> Page:  # noqa: F811
    page = _context(browser).new_page()
    page.goto(f"{base}/signin?next={path}")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(f"{base}{path}")
    return page


def test_no_serious_or_critical_violation_on_any_page(kapula, server, browser, journey):  # noqa: F811
    found: dict[str, list] = {}
    anonymous = _context(browser).new_page()
    anonymous.goto(f"{server}/signin")
    _check(anonymous, "sign-in", found)
    anonymous.get_by_label("Käyttäjätunnus").fill("asiakas")
    anonymous.get_by_label("Salasana").fill("wrong")
    anonymous.get_by_role("button", name="Kirjaudu").click()
    _check(anonymous, "sign-in refused", found)

    customer = _as(browser, server, "asiakas", "/tasks")
    _check(customer, "customer inbox", found)
    customer.goto(f"{server}/tasks/{journey['customer_task']}")
    _check(customer, "task form", found)
    customer.get_by_role("button", name="Valmis").click()
    expect(customer.locator("#form-error")).to_be_visible()
    _check(customer, "task form refused", found)
    customer.goto(f"{server}/cases")
    _check(customer, "customer cases", found)
    customer.goto(f"{server}/cases/{journey['customer_case']}")
    _check(customer, "customer case", found)

    kapula.claim_task(journey["sek_task"], user="sek.toinen")
    advisor = _as(browser, server, "sek.neuvoja", "/tasks")
    _check(advisor, "advisor inbox", found)
    advisor.goto(f"{server}/tasks/{journey['sek_task']}")
    _check(advisor, "task claimed by someone else", found)
    advisor.goto(f"{server}/cases/{journey['sek_case']}")
    _check(advisor, "advisor case", found)
    advisor.goto(f"{server}/processes")
    _check(advisor, "processes", found)
    advisor.goto(f"{server}/no-such-page")
    _check(advisor, "not found", found)

    admin = _as(browser, server, "admin", "/processes/Handoff_demo")
    _check(admin, "process page", found)
    admin.goto(f"{server}/processes/Handoff_demo/metrics")
    _check(admin, "metrics", found)
    admin.goto(f"{server}/cases/{journey['sek_case']}/cancel")
    _check(admin, "cancel confirmation", found)
    admin.get_by_role("button", name="Peru tapaus").click()
    expect(admin.locator("#form-error")).to_be_visible()
    _check(admin, "cancel refused", found)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_main_journey_by_keyboard_alone(kapula, server, browser, journey):  # noqa: F811
    page = _context(browser).new_page()
    page.goto(f"{server}/signin?next=/tasks/{journey['customer_task']}")
    page.keyboard.press("Tab") if not page.evaluate("document.activeElement.name === 'username'") else None
    page.keyboard.type("asiakas")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/tasks/{journey['customer_task']}")

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(el => {predicate})(document.activeElement)"):
                return
        raise AssertionError(f"no focusable element where {predicate}")

    tab_to("el.id === 'f-need'")
    page.keyboard.press("ArrowDown")  # choose the first choice in the select
    tab_to("el.id === 'f-count'")
    page.keyboard.type("abc")
    tab_to("el.tagName === 'BUTTON' && el.textContent.trim() === 'Valmis'")
    page.keyboard.press("Enter")
    expect(page.locator("#error-count")).to_contain_text("Anna kokonaisluku")
    expect(page.locator("#f-count")).to_be_focused()  # focus is where the mistake is
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    tab_to("el.tagName === 'BUTTON' && el.textContent.trim() === 'Valmis'")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Kuvaa tarve: valmis")
    assert kapula.get_case(journey["customer_case"]).data.get("count") == 3


def test_the_check_itself_finds_a_form_field_without_a_label(browser):  # noqa: F811
    page = _context(browser).new_page()
    page.set_content('<html lang="fi"><head><title>t</title></head><body><main><input name="x"></main></body></html>')
    assert [v["rule"] for v in violations(page)] == ["label"]
