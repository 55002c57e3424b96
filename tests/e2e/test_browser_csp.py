"""In Chromium: no page of Kapula breaks its own Content-Security-Policy (no violation in the
console), and the stored BPMN file with a script in its documentation is downloaded, never run."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.conftest import read
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)

SECURITY = Path(__file__).resolve().parents[1] / "fixtures" / "security"


def _signed_in(browser: Browser, base: str, username: str, violations: list[str]) -> Page:  # noqa: F811
    page = browser.new_context(viewport={"width": 1100, "height": 800}, accept_downloads=True).new_page()

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    page.goto(f"{base}/signin")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_load_state("networkidle")
    return page


def test_no_page_violates_the_content_security_policy(kapula, server, browser):  # noqa: F811
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    task = case.ready_tasks[0].id
    violations: list[str] = []
    for username, paths in {
        "admin": [
            "/processes",
            "/processes/Handoff_demo",
            "/processes/Handoff_demo/metrics",
            "/processes/Handoff_demo/card",
            "/processes/Handoff_demo/swimlanes.svg",
            "/cases",
            f"/cases/{case.id}",
            "/tasks",
            "/cases/999999",
        ],
        "asiakas": ["/tasks", f"/tasks/{task}", "/cases", f"/cases/{case.id}", "/processes/Handoff_demo"],
    }.items():
        page = _signed_in(browser, server, username, violations)
        for path in paths:
            response = page.goto(f"{server}{path}")
            assert (
                response is not None
                and "script-src 'self'" in response.headers["content-security-policy"]
                or (path.endswith(".svg") and "sandbox" in response.headers["content-security-policy"])
            ), path
            page.wait_for_load_state("networkidle")
        if username == "asiakas":  # a boosted click and a form post through htmx, too
            page.goto(f"{server}/tasks/{task}")
            page.get_by_role("button", name="Ota työn alle").click()
            page.wait_for_load_state("networkidle")
        page.context.close()
    assert violations == []


def test_the_bpmn_file_link_downloads_the_file_and_its_script_never_runs(kapula, server, browser, tmp_path):  # noqa: F811
    kapula.deploy([("rt_xss2.bpmn", (SECURITY / "rt_xss2.bpmn").read_bytes())])
    violations: list[str] = []
    page = _signed_in(browser, server, "admin", violations)
    page.goto(f"{server}/processes/rt_xss2")
    with page.expect_download() as download:
        page.get_by_role("link", name="BPMN-tiedosto").click()
    saved = tmp_path / "saved.bpmn"
    download.value.save_as(saved)
    assert b"<h:script" in saved.read_bytes()  # the file itself, unchanged
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned === undefined && !document.documentElement.hasAttribute('data-pwned')")
    assert page.url == f"{server}/processes/rt_xss2"
    # opened directly, the file is still a download: no document of Kapula's origin runs it
    with page.expect_download():
        page.evaluate("url => { window.location.href = url }", f"{server}/api/processes/rt_xss2/versions/1/xml")
    assert page.evaluate("window.__pwned === undefined")
    page.context.close()


def test_htmx_swaps_break_no_content_security_policy(kapula, server, browser, directory):  # noqa: F811
    # every swap logged "Applying inline style violates … style-src 'self'" while htmx injected its
    # indicator <style>: the htmx-config meta tag turns that off (the indicator's CSS is in style.css)
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {}, user="asiakas")
    violations: list[str] = []
    page = _signed_in(browser, server, "sek.neuvoja", violations)
    page.goto(f"{server}/tasks")
    page.evaluate("() => { window.swaps = 0; document.body.addEventListener('htmx:afterSwap', () => { window.swaps += 1; }); }")
    page.wait_for_function("() => window.swaps >= 1", timeout=10_000)  # the inbox's poll
    page.get_by_role("link", name="Tapaukset").first.click()  # a boosted navigation
    page.wait_for_url(f"{server}/cases")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.swaps") >= 2
    assert page.evaluate("() => document.querySelectorAll('style, [style]').length") == 0
    assert violations == []
    page.context.close()
