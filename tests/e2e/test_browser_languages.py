"""In Chromium, the pages in Swedish and English: a browser asking for Swedish (sv-FI) or English
(en-GB) gets them so (<html lang>, the words, dates in that locale), axe-core finds no serious or
critical WCAG 2.1 AA violation on the main pages and states in either language, and the switcher on
a Finnish page turns it Swedish and keeps the choice. Screenshots of a page in each language go to
docs/screenshots/ (or $KAPULA_SCREENSHOTS)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.accessibility import violations
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_a11y import journey  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("KAPULA_SCREENSHOTS", ROOT / "docs" / "screenshots"))

# per language: the browser's locale, and the words the tests look for
WORDS = {
    "sv": {
        "locale": "sv-FI",
        "user": "Användarnamn",
        "password": "Lösenord",
        "sign_in": "Logga in",
        "tasks": "Uppgifter",
        "done": "Klar",
        "check": "Kontrollera de markerade fälten.",
        "cancel": "Avbryt ärendet",
        "case": "Ärende",
        "menu": "Huvudmeny",
    },
    "en": {
        "locale": "en-GB",
        "user": "User name",
        "password": "Password",
        "sign_in": "Sign in",
        "tasks": "Tasks",
        "done": "Done",
        "check": "Check the marked fields.",
        "cancel": "Cancel the case",
        "case": "Case",
        "menu": "Main menu",
    },
}


def _context(browser: Browser, language: str, *, width: int = 1100):  # noqa: F811
    # axe is injected as a script of its own: the pages' content security policy does not allow that
    return browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True, locale=WORDS[language]["locale"])


def _as(browser: Browser, base: str, language: str, username: str, path: str, *, width: int = 1100) -> Page:  # noqa: F811
    words = WORDS[language]
    page = _context(browser, language, width=width).new_page()
    page.goto(f"{base}/signin?next={path}")
    page.get_by_label(words["user"]).fill(username)
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(f"{base}{path}")
    return page


def _check(page: Page, language: str, what: str, found: dict[str, list]) -> None:
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)
    problems = violations(page)
    if problems:
        found[f"{language}: {what}"] = problems


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_main_pages_in_swedish_and_english_have_no_serious_violation(kapula, server, browser, journey, language):  # noqa: F811
    words, found = WORDS[language], {}
    anonymous = _context(browser, language).new_page()
    anonymous.goto(f"{server}/signin")
    _check(anonymous, language, "sign-in", found)
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(words["sign_in"])

    customer = _as(browser, server, language, "asiakas", "/tasks")
    _check(customer, language, "customer inbox", found)
    expect(customer.get_by_role("navigation", name=words["menu"]).get_by_role("link", name=words["tasks"])).to_be_visible()
    customer.goto(f"{server}/tasks/{journey['customer_task']}")
    _check(customer, language, "task form", found)
    customer.get_by_role("button", name=words["done"], exact=True).click()
    expect(customer.locator("#form-error")).to_contain_text(words["check"])
    _check(customer, language, "task form refused", found)
    customer.screenshot(path=str(SHOTS / f"task-refused-{language}.png"), full_page=True)
    customer.goto(f"{server}/cases")
    _check(customer, language, "customer cases", found)
    customer.goto(f"{server}/cases/{journey['customer_case']}")
    _check(customer, language, "customer case", found)

    kapula.claim_task(journey["sek_task"], user="sek.toinen")
    advisor = _as(browser, server, language, "sek.neuvoja", "/tasks")
    _check(advisor, language, "advisor inbox", found)
    advisor.goto(f"{server}/tasks/{journey['sek_task']}")
    _check(advisor, language, "task claimed by someone else", found)
    advisor.goto(f"{server}/cases/{journey['sek_case']}")
    _check(advisor, language, "advisor case", found)
    advisor.screenshot(path=str(SHOTS / f"case-{language}.png"), full_page=True)
    advisor.goto(f"{server}/processes")
    _check(advisor, language, "processes", found)
    advisor.goto(f"{server}/no-such-page")
    _check(advisor, language, "not found", found)

    admin = _as(browser, server, language, "admin", "/processes/Handoff_demo")
    _check(admin, language, "process page", found)
    admin.goto(f"{server}/processes/Handoff_demo/metrics")
    _check(admin, language, "metrics", found)
    admin.goto(f"{server}/processes/Handoff_demo/card")  # the card, rendered by the engine in the reader's language
    _check(admin, language, "process card", found)
    admin.goto(f"{server}/cases/{journey['sek_case']}/cancel")
    _check(admin, language, "cancel confirmation", found)
    admin.get_by_role("button", name=words["cancel"]).click()
    expect(admin.locator("#form-error")).to_be_visible()
    _check(admin, language, "cancel refused", found)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_switcher_turns_a_finnish_page_swedish_and_the_choice_stays(kapula, server, browser, journey):  # noqa: F811
    page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()  # a phone, Finnish by its browser
    page.goto(f"{server}/signin")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    languages = page.get_by_role("navigation", name="Kieli")
    languages.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    page.get_by_label("Användarnamn").fill("sek.neuvoja")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppgifter")).to_be_visible()
    expect(page.get_by_role("navigation", name="Språk").locator('[aria-current="true"]')).to_have_text("Svenska")
    page.goto(f"{server}/cases/{journey['sek_case']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Ärende #{journey['sek_case']}")
    # a signed-in choice is the user's: English now, also after signing out and in on another browser
    page.get_by_role("navigation", name="Språk").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    other = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    other.goto(f"{server}/signin")
    other.get_by_label("Käyttäjätunnus").fill("sek.neuvoja")
    other.get_by_label("Salasana").fill(PASSWORD)
    other.get_by_role("button", name="Kirjaudu").click()
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.get_by_role("navigation", name="Main menu").get_by_role("link", name="Tasks")).to_be_visible()
