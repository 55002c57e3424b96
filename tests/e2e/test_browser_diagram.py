"""In Chromium: the process page shows the diagram in bpmn-js (bpmn.io's viewer, served from the
app's own static files) with the measured overlays, pans and zooms, and a click on a task opens its
stage statistics; without JavaScript the server's SVG is shown. The screenshot is kept in
docs/screenshots/ (or $KAPULA_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_metrics import open_as
from tests.e2e.test_metrics_pages import logged  # noqa: F401  (fixture)
from tests.integration.metrics_log import KEY

ROOT = Path(__file__).resolve().parents[2]


def test_process_page_shows_bpmn_js_with_the_overlays(server, browser, logged):  # noqa: F811
    page = open_as(browser, server, "omistaja", f"/processes/{KEY}", 1400)
    outside: list[str] = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith(server) and not r.url.startswith("data:") else None
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.reload()
    expect(page.locator("#diagram.viewer-ready")).to_be_attached(timeout=15_000)
    expect(page.locator("#bpmn-viewer .djs-container svg")).to_be_visible()
    expect(page.locator("#diagram .fallback")).to_be_hidden()
    assert page.evaluate("typeof window.BpmnJS") == "function"
    # the overlays: medians on the measured tasks, tasks waiting now, handoff counts on flows
    expect(page.locator(".kapula-median").first).to_be_visible()
    assert page.locator(".kapula-median").count() >= 4
    expect(page.locator(".kapula-waiting")).to_have_text("1")
    assert page.locator(".kapula-handoff-count").count() >= 1
    expect(page.locator("#diagram .legend")).to_contain_text("→")
    # pan and zoom: the navigated viewer has them
    before = page.evaluate("window.kapulaViewer.get('canvas').viewbox().scale")
    page.evaluate("window.kapulaViewer.get('canvas').zoom(1.5)")
    assert page.evaluate("window.kapulaViewer.get('canvas').viewbox().scale") != before
    page.evaluate("window.kapulaViewer.get('canvas').zoom('fit-viewport')")
    assert page.evaluate("!!window.kapulaViewer.get('zoomScroll') && !!window.kapulaViewer.get('moveCanvas')")
    # a click on a task opens its stage statistics
    page.locator('#bpmn-viewer [data-element-id="Task_describe"]').click()
    panel = page.locator("#stage-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Kuvaa tarve")
    expect(panel).to_contain_text("mediaani")
    assert outside == [], "everything comes from the app's own origin (no CDN)"
    assert errors == []
    shots = Path(os.environ.get("KAPULA_SCREENSHOTS", ROOT / "docs" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "process-page-bpmn-js.png"), full_page=True)


def test_without_javascript_the_svg_is_shown(server, browser, logged):  # noqa: F811
    page = open_as(browser, server, "omistaja", f"/processes/{KEY}", 1280, javascript=False)
    expect(page.locator("#diagram .fallback img")).to_be_visible()
    expect(page.locator("#bpmn-viewer")).to_be_hidden()
    page.wait_for_function("() => document.querySelector('#diagram img').naturalWidth > 0")


STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def test_the_viewer_works_under_a_strict_content_security_policy(server, browser, logged):  # noqa: F811
    """No inline script and no eval: bpmn-js and diagram.js run with scripts from the app's origin only."""
    page = open_as(browser, server, "omistaja", f"/processes/{KEY}", 1280)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{m.text} at {m.location}") if "Content Security Policy" in m.text else None)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route(f"{server}/processes/**", with_csp)
    page.reload()
    expect(page.locator("#diagram.viewer-ready")).to_be_attached(timeout=15_000)
    expect(page.locator(".kapula-median").first).to_be_visible()
    page.locator('#bpmn-viewer [data-element-id="Task_describe"]').click()
    expect(page.locator("#stage-panel")).to_contain_text("Kuvaa tarve")
    # none at all: htmx's indicator <style> too is off (the htmx-config meta tag; its CSS is in style.css)
    assert violations == [], violations


def test_the_viewer_opens_the_diagram_of_the_process_in_a_file_of_several(server, browser, kapula, directory):  # noqa: F811
    """MIWG C.4.0 holds four BPMNDiagrams; each process page opens the one that shows its process."""
    from lxml import etree

    model = ROOT / "tests" / "fixtures" / "miwg" / "C.4.0.bpmn"
    kapula.deploy([(model.name, model.read_bytes())])
    di = "{http://www.omg.org/spec/BPMN/20100524/DI}"
    planes = {d.get("id"): d.find(f"{di}BPMNPlane").get("bpmnElement") for d in etree.parse(str(model)).iter(f"{di}BPMNDiagram")}
    seen = set()
    for process in etree.parse(str(model)).iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        page = open_as(browser, server, "admin", f"/processes/{process.get('id')}", 1280)
        expect(page.locator("#diagram.viewer-ready")).to_be_attached(timeout=15_000)
        diagram = page.locator("#bpmn-viewer").get_attribute("data-diagram-id")
        assert page.evaluate("window.kapulaViewer.get('canvas').getRootElement().id") == planes[diagram]
        seen.add(diagram)
        page.context.close()
    assert len(seen) > 1


BUNDLE = "bpmn-navigated-viewer.min.js"


def test_a_boosted_link_to_the_process_page_starts_the_viewer_once(server, browser, logged):  # noqa: F811
    """htmx runs no <script> of a boosted page: diagram.js, in every page's head, starts the viewer
    after the swap, once per container, and a viewer whose page was swapped out is destroyed."""
    page = open_as(browser, server, "omistaja", "/processes", 1280)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.evaluate("window.notReloaded = true")
    for _ in range(2):
        page.locator(f'main a[href="/processes/{KEY}"]').first.click()
        page.wait_for_url(f"{server}/processes/{KEY}")
        expect(page.locator("#diagram.viewer-ready")).to_be_attached(timeout=15_000)
        expect(page.locator("#bpmn-viewer .djs-container svg")).to_be_visible()
        expect(page.locator('#bpmn-viewer [data-element-id="Task_describe"]')).to_be_visible()
        expect(page.locator(".kapula-median").first).to_be_visible()
        expect(page.locator("#diagram .fallback")).to_be_hidden()
        # another htmx:load on the page starts nothing more
        page.evaluate("htmx.trigger(document.body, 'htmx:load')")
        page.wait_for_timeout(300)
        assert page.locator(".djs-container").count() == 1
        page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Prosessit").click()
        page.wait_for_url(f"{server}/processes")
    assert page.evaluate("window.notReloaded === true"), "the links were boosted, no page was loaded whole"
    assert page.locator(f'script[src$="{BUNDLE}"]').count() == 1, "the viewer bundle is fetched once"
    page.locator(f'main a[href="/processes/{KEY}"]').first.click()
    expect(page.locator("#diagram.viewer-ready")).to_be_attached(timeout=15_000)
    page.locator('#bpmn-viewer [data-element-id="Task_describe"]').click()
    expect(page.locator("#stage-panel")).to_contain_text("Kuvaa tarve")
    assert errors == [], errors


def test_when_bpmn_js_fails_to_load_the_drawing_is_shown(server, browser, logged):  # noqa: F811
    """Whole page or boosted: without the viewer bundle the server's drawing stays, and no empty frame."""
    page = open_as(browser, server, "omistaja", "/processes", 1280)
    page.route(f"**/{BUNDLE}", lambda route: route.abort())
    page.locator(f'main a[href="/processes/{KEY}"]').first.click()
    page.wait_for_url(f"{server}/processes/{KEY}")
    expect(page.locator("#diagram .fallback img")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#diagram .fallback img').naturalWidth > 0")
    expect(page.locator("#bpmn-viewer")).to_be_hidden()
    assert page.locator("#diagram.viewer-ready").count() == 0
    page.reload()
    expect(page.locator("#diagram .fallback img")).to_be_visible()
    page.wait_for_timeout(500)
    expect(page.locator("#bpmn-viewer")).to_be_hidden()
    assert page.locator(".djs-container").count() == 0
