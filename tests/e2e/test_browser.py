"""In a real browser (Debian's Chromium, headless): an advisor of one organisation completes a task
and the case arrives, without a reload, in the open inbox of the next organisation's advisor."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from api.http.app import create_app
from tests.conftest import read
from tests.e2e.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(kapula, tokens) -> Iterator[str]:
    """A real uvicorn server on a free port of 127.0.0.1, polling inboxes every second."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(kapula, secret_key="browser-test", poll_seconds=1)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:  # startup is real time: the server is a real server
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # the pages follow the browser's Accept-Language: these tests read them in Finnish, the
        # default, as a Finnish user's browser asks for them; a test of another language says so
        new_context = b.new_context
        b.new_context = lambda **options: new_context(**{"locale": "fi-FI", **options})  # type: ignore[method-assign]
        yield b
        b.close()


def sign_in(browser, base: str, username: str, *, width: int = 1100) -> Page:
    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(f"{base}/signin")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    expect(page.get_by_role("heading", name="Tehtävät", exact=False)).to_be_visible()
    return page


def test_a_task_completed_by_sek_appears_in_elys_open_inbox(kapula, server, browser, tmp_path: Path):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"}, user="asiakas")

    ely = sign_in(browser, server, "ely.neuvoja")
    expect(ely.locator("#inbox")).to_contain_text("Ei odottavia tehtäviä")

    sek = sign_in(browser, server, "sek.neuvoja", width=390)  # a phone
    sek.get_by_role("link", name="Valmistele käynti").click()
    sek.get_by_role("button", name="Ota työn alle").click()
    expect(sek.get_by_text("työn alla: sek.neuvoja")).to_be_visible()
    sek.get_by_label("Tiedot JSON-oliona").fill('{"needs_funding": true}')
    sek.get_by_role("button", name="Valmis").click()
    expect(sek.locator(".flash")).to_contain_text("siirtyi: ELY")
    sek.screenshot(path=str(tmp_path / "sek-phone.png"), full_page=True)

    # ELY's page was never reloaded: the inbox polls and shows the case's new task
    expect(ely.locator("#inbox")).to_contain_text("Rahoituspäätös", timeout=10_000)
    expect(ely.locator("#inbox")).to_contain_text(f"#{case.id}")
    ely.get_by_role("link", name="Rahoituspäätös").click()
    ely.get_by_role("button", name="Ota työn alle").click()
    ely.get_by_role("button", name="Valmis").click()
    expect(ely.locator(".flash")).to_contain_text("Rahoituspäätös: valmis")
    ely.goto(f"{server}/cases/{case.id}")
    expect(ely.locator("table.list").first).to_contain_text("SEK → ELY")
    ely.screenshot(path=str(tmp_path / "ely-case.png"), full_page=True)

    events = [(e.lifecycle.value, e.element_id, e.user) for e in kapula.history(case.id) if e.user]
    assert ("task_claimed", "Task_prepare", "sek.neuvoja") in events
    assert ("task_completed", "Task_funding", "ely.neuvoja") in events
