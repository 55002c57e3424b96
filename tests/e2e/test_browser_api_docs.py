"""/docs works without internet: Swagger UI's assets are served by Kapula itself (npm's swagger-ui-dist,
shipped in api/web/static/swagger), never a CDN; started by a static script, no inline script."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)


def test_the_api_docs_page_refers_only_to_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert not re.search(r"(src|href)=\"https?://", page.text) and "<script>" not in page.text
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered


def test_the_api_docs_render_with_the_internet_cut_off(server, browser):  # noqa: F811
    context = browser.new_context()
    outside: list[str] = []

    def only_here(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    violations: list[str] = []  # the strict CSP (api/http/headers.py) allows the page as it is
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{server}/docs")
    expect(page.get_by_text("/api/cases").first).to_be_visible(timeout=15_000)
    assert outside == [] and not violations
    expect(page.get_by_text("Unable to render")).to_have_count(0)
