"""A case stopped at a failed timer step, in Chromium: its page names the step and the error, passes
axe-core (no serious or critical WCAG 2.1 AA violation), and its retry button, used by keyboard,
answers with what happened; a customer sees that the case stopped, not the error."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.conftest import FIXTURES
from tests.e2e.accessibility import violations
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_a11y import _as

POISON = FIXTURES / "incidents" / "rt_timerpoison.bpmn"


def test_the_failed_case_page_names_the_step_passes_axe_and_retries_by_keyboard(kapula, clock, server, browser):  # noqa: F811
    kapula.deploy([(POISON.name, POISON.read_bytes())])
    case = kapula.start_case("rt_timerpoison", {"summa": 0}, user="asiakas")
    clock.advance(timedelta(seconds=5))
    assert kapula.fire_due_timers_round().failed == (case.id,)

    page = _as(browser, server, "admin", f"/cases/{case.id}")
    incident = page.locator("#incident")
    expect(incident).to_contain_text("Laske osuus")
    expect(incident).to_contain_text("division by zero")
    assert violations(page) == []
    retry = page.get_by_role("button", name="Yritä uudelleen")
    retry.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/cases/{case.id}")
    expect(page.get_by_role("status")).to_contain_text("uusi yritys epäonnistui")
    assert violations(page) == []

    customer = _as(browser, server, "asiakas", f"/cases/{case.id}")
    expect(customer.locator("#incident")).to_be_visible()
    expect(customer.locator("#incident")).not_to_contain_text("division by zero")
    expect(customer.get_by_role("button", name="Yritä uudelleen")).to_have_count(0)
