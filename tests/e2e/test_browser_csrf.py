"""CSRF in a real browser (Chromium): a page served from another port of the same host (same
site, so SameSite=Lax cookies go along) tries to cancel a case and erase its personal data in a
signed-in administrator's name. Kapula refuses both; its own button, sent by htmx, still works."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from engine.model import CaseStatus
from tests.conftest import read
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401 - fixtures

ATTACK = """<!doctype html><html><body>
<form id="f" method="post" action="{kapula}/cases/{case}/cancel"><input name="reason" value="forged"></form>
<script>
fetch("{kapula}/api/cases/{case}/erase", {{method: "POST", credentials: "include", mode: "no-cors",
       headers: {{"Content-Type": "text/plain"}}, body: '{{"fields": ["customer"]}}'}})
  .finally(() => {{ document.title = "sent"; document.getElementById("f").submit(); }});
</script></body></html>"""


@pytest.fixture
def attacker(server) -> Iterator[callable]:  # noqa: F811
    """A site on another port of 127.0.0.1 whose page fires the forged requests when opened."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def page_for(case_id: int) -> str:
        pages["/attack.html"] = ATTACK.format(kapula=server, case=case_id)
        return f"http://127.0.0.1:{httpd.server_address[1]}/attack.html"

    yield page_for
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_a_same_site_page_on_another_port_cannot_cancel_or_erase(kapula, server, browser, attacker):  # noqa: F811
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    page = browser.new_context().new_page()
    page.goto(f"{server}/signin")
    page.get_by_label("Käyttäjätunnus").fill("admin")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(f"{server}/processes")

    page.goto(attacker(case.id))
    page.wait_for_url(lambda url: url.startswith(f"{server}/cases/"))  # the forged form landed on Kapula
    after = kapula.get_case(case.id)
    assert after.status is CaseStatus.RUNNING and after.data["customer"] == "Kauhajoen Konepaja Oy"
    expect(page.get_by_role("heading", name="Ei oikeutta")).to_be_visible()  # refused, and the page says so

    # the administrator's own button (htmx, with the session's token) still works
    page.goto(f"{server}/cases/{case.id}/cancel")
    page.get_by_label("Syy").fill("asiakas perui")
    page.get_by_role("button", name="Peru tapaus").click()
    expect(page.locator(".flash")).to_contain_text("peruttu")
    assert kapula.get_case(case.id).status is CaseStatus.CANCELLED
