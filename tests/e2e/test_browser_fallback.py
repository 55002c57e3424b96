"""In Chromium: the process page whose drawing is the server's own SVG (a diagram without DI, and a
name with markup in it) passes axe-core at a laptop's and a phone's width: the scroll frame around
the drawing is a named region a keyboard can reach and scroll (scrollable-region-focusable)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import violations
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)

KEY = "hostile_name"
NAME = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; Yrityspalveluprosessi"
BPMN = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">'
    f'<bpmn:process id="{KEY}" name="{NAME}" isExecutable="true">'
    '<bpmn:laneSet id="LS"><bpmn:lane id="L1" name="Asiakas"><bpmn:flowNodeRef>S</bpmn:flowNodeRef></bpmn:lane>'
    '<bpmn:lane id="L2" name="SEK"><bpmn:flowNodeRef>T</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
    '<bpmn:startEvent id="S" name="Asiakas ottaa yhteyttä yrityspalveluihin ja kertoo tarpeensa"/>'
    '<bpmn:userTask id="T" name="Käsittele yhteydenotto"/><bpmn:endEvent id="E" name="Valmis"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/><bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="E"/>'
    "</bpmn:process></bpmn:definitions>"
)


@pytest.fixture
def hostile(kapula, directory, tokens):
    kapula.deploy([(f"{KEY}.bpmn", BPMN.encode())])
    directory.claim_ownership([KEY], "SEK")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_fallback_drawing_is_a_named_region_a_keyboard_reaches(server, browser, hostile, width, tmp_path):  # noqa: F811
    # axe is injected as a script of its own: the pages' content security policy does not allow that
    page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
    page.goto(f"{server}/signin?next=/processes/{KEY}")
    page.get_by_label("Käyttäjätunnus").fill("omistaja")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(f"{server}/processes/{KEY}")
    frame = page.locator("#diagram .scroll.fallback")
    expect(frame).to_be_visible()
    page.wait_for_function("() => document.querySelector('#diagram .fallback img').naturalWidth > 0")
    assert violations(page) == []
    page.screenshot(path=str(tmp_path / f"fallback-{width}.png"), full_page=True)
    region = page.get_by_role("region", name="Prosessikaavio")
    expect(region).to_have_attribute("tabindex", "0")
    for _ in range(40):  # Tab reaches the frame
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#diagram .scroll.fallback')"):
            break
    else:
        raise AssertionError("Tab never reached the drawing's frame")
