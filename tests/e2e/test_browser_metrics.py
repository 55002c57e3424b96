"""In Chromium at a laptop's and a phone's width: the process page's drawing and the metrics page read
without overflow or tiny text; screenshots of both are kept in the test's temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_metrics_pages import logged  # noqa: F401  (fixture)
from tests.integration.metrics_log import KEY

WIDTHS = {"laptop": 1280, "phone": 390}


def open_as(browser: Browser, base: str, username: str, path: str, width: int, *, javascript: bool = True) -> Page:  # noqa: F811
    page = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript).new_page()
    page.goto(f"{base}/signin?next={path}")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(f"{base}{path}")
    return page


def _no_page_overflow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def _smallest_text_px(page: Page, selector: str) -> float:
    return float(
        page.evaluate(
            "sel => Math.min(...[...document.querySelectorAll(sel)].map(t => t.getBoundingClientRect().height))", selector
        )
    )


@pytest.mark.parametrize("device", list(WIDTHS))
def test_process_page_drawing_scales_on_a_laptop_and_scrolls_on_a_phone(server, browser, logged, device, tmp_path: Path):  # noqa: F811
    # the server's SVG, as shown without JavaScript (with it, bpmn-js: test_browser_diagram.py)
    page = open_as(browser, server, "omistaja", f"/processes/{KEY}", WIDTHS[device], javascript=False)
    drawing = page.locator("#diagram img")
    expect(drawing).to_be_visible()
    page.wait_for_function("() => document.querySelector('#diagram img').naturalWidth > 0")
    _no_page_overflow(page)
    box = page.evaluate(
        "() => { const s = document.querySelector('#diagram .scroll');"
        " return {scroll: s.scrollWidth, client: s.clientWidth, img: s.querySelector('img').width}; }"
    )
    if device == "laptop":
        assert box["img"] <= box["client"] and box["scroll"] <= box["client"], box  # scaled to the column
    else:
        assert box["scroll"] > box["client"] * 1.5, box  # legible size, the frame scrolls sideways
    expect(page.get_by_role("link", name="Mittarit ja kaaviot")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"process-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_metrics_page_reads_on_a_laptop_and_a_phone(server, browser, logged, device, tmp_path: Path):  # noqa: F811
    page = open_as(browser, server, "omistaja", f"/processes/{KEY}/metrics", WIDTHS[device])
    expect(page.locator('#case-counts [data-metric="started"]')).to_have_text("4")
    for chart in ("#lead-chart svg", "#throughput-chart svg", "#target-chart svg"):
        expect(page.locator(chart)).to_be_visible()
    _no_page_overflow(page)
    assert _smallest_text_px(page, "svg.chart text") >= 9, "chart labels too small to read"
    page.screenshot(path=str(tmp_path / f"metrics-{device}.png"), full_page=True)
    page.get_by_label("Asiakassegmentti").fill("founder")
    page.get_by_role("button", name="Rajaa").click()
    expect(page.locator('#case-counts [data-metric="started"]')).to_have_text("2")


@pytest.mark.parametrize("locale", ["fi-FI", "sv-FI", "en-GB"])
def test_the_stages_table_stays_inside_the_content_at_1280_px(server, browser, logged, locale):  # noqa: F811
    # English and Swedish durations ("22 hrs 55 mins") do not wrap: the nine columns were wider
    # than the content column and ran past its right edge; now the table scrolls in its own region
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale).new_page()
    page.goto(f"{server}/signin?next=/processes/{KEY}/metrics")
    page.locator("input[name=username]").fill("omistaja")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{server}/processes/{KEY}/metrics")
    _no_page_overflow(page)
    edges = page.evaluate(
        "() => { const main = document.querySelector('main'), t = document.querySelector('#stages');"
        " const region = t.closest('.scroll[role=region][tabindex]');"
        " const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);"
        " return {right, region: region && region.getBoundingClientRect().right}; }"
    )
    assert edges["region"] is not None and edges["region"] <= edges["right"] + 0.5, edges
