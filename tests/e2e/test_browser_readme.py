"""The README's walk-through, in Chromium, on the demo data: SEK's advisor finds the demo case of
Kauhajoen Kehräämö Oy waiting at SEK, claims its follow-up, completes the form sending the customer
to ELY, and ELY's advisor finds the case in the ELY inbox. The demo's advisors claimed their tasks
before completing them, so waiting and working time are measured apart."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from engine.demo import demo_clock, run_demo
from engine.model import Lifecycle
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_errors import SCREENSHOTS, signed_in

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
CUSTOMER = "Kauhajoen Kehräämö Oy"  # named in README.md
FOLLOW_UP = "Tee jälkihoitosuunnitelma ja ohjaa asiakas"


def test_the_readme_walk_through_on_the_demo_data(kapula, clock, server, browser):  # noqa: F811
    clock.set(demo_clock().now())
    run_demo(kapula, clock, BPMN_DIR, progress=lambda _m: None)
    case = next(c for c in kapula.cases(process_key="suupohja_yrityskaynti") if c.data.get("asiakas") == CUSTOMER)
    assert [(t.name, t.lane) for t in case.ready_tasks] == [(FOLLOW_UP, "SEK")]
    events = [e for c in kapula.cases() for e in kapula.history(c.id)]
    claimed = {e.task_id for e in events if e.lifecycle is Lifecycle.TASK_CLAIMED}
    completed = [e for e in events if e.lifecycle is Lifecycle.TASK_COMPLETED and e.user and e.user.startswith("demo.")]
    assert completed and all(e.task_id in claimed for e in completed)  # claimed first, after a wait

    sek = signed_in(browser, server, "sek.neuvoja", "/tasks")
    row = sek.locator("#inbox tr", has_text=f"#{case.id}")
    row.get_by_role("button", name="Ota työn alle").click()
    expect(sek.get_by_role("heading", name=FOLLOW_UP, level=1)).to_be_visible()
    expect(sek.locator("#claimed-by")).to_have_text("sek.neuvoja")
    sek.locator("details summary").click()
    expect(sek.locator("details")).to_contain_text(CUSTOMER)
    sek.get_by_label("Seurantasuunnitelma").fill("Soitetaan kuukauden päästä.")
    sek.get_by_label("Ovatko sovitut toimenpiteet toteutuneet suunnitellusti?").check()
    sek.get_by_role("checkbox", name="ELY", exact=True).check()
    sek.screenshot(path=str(SCREENSHOTS / "readme-sek-follow-up.png"), full_page=True)
    sek.get_by_role("button", name="Valmis").click()
    expect(sek.locator(".flash")).to_contain_text("siirtyi: ELY")

    ely = signed_in(browser, server, "ely.neuvoja", "/tasks")
    expect(ely.locator("#inbox")).to_contain_text("Käsittele liidi: ELY")
    expect(ely.locator("#inbox tr", has_text=f"#{case.id}")).to_contain_text("Käsittele liidi: ELY")
    ely.screenshot(path=str(SCREENSHOTS / "readme-ely-inbox.png"), full_page=True)
