"""In Chromium, at laptop and phone size: the advisor's inbox and the case list with their filters,
sort and pages (by keyboard), the customer's portal (their landing page: services to start, their
tasks, their cases and where each is now), and a cancellation's reason in the timeline. axe-core
finds no serious or critical violation in any of these states; the screenshots are the guides'
(docs/guide/) (issue 15, items 5–7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.access.policy import Role
from tests.conftest import read
from tests.e2e.accessibility import violations
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_browser_errors import SCREENSHOTS

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def network(kapula, clock, directory):
    """The handoff process offered to customers; cases at the customer, at SEK (one taken), at ELY,
    waiting on a timer, and enough more for a second page of the case list."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), read("three_lanes.card.json")])
    directory.claim_ownership(["Handoff_demo"], "SEK")
    ids = {"konepaja": kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas").id}
    for name, starter in [("Teuvan Taimi Oy", "asiakas"), ("Närpiön Ääni Ab", "toinen.asiakas"), ("Isojoen Iso Oy", "demo")]:
        clock.advance(hours=5)
        c = kapula.start_case("Handoff_demo", {"customer": name}, user=starter)
        ids[name] = kapula.complete_task(c.ready_tasks[0].id, {}, user=starter).id
    c = kapula.complete_task(
        kapula.get_case(ids["Närpiön Ääni Ab"]).ready_tasks[0].id, {"needs_funding": True}, user="sek.neuvoja"
    )
    ids["ely"] = c.id
    clock.advance(hours=3)
    c = kapula.start_case("Handoff_demo", {"customer": "Kurikan Kone Oy"}, user="demo")
    c = kapula.complete_task(c.ready_tasks[0].id, {}, user="demo")
    c = kapula.complete_task(c.ready_tasks[0].id, {"needs_funding": True}, user="sek.neuvoja")
    ids["timer"] = kapula.complete_task(c.ready_tasks[0].id, {}, user="ely.neuvoja").id
    clock.advance(timedelta(days=1, hours=20))  # the timer is due within hours: marked "soon"
    kapula.claim_task(kapula.get_case(ids["Isojoen Iso Oy"]).ready_tasks[0].id, user="sek.toinen")
    for i in range(24):
        kapula.start_case("Handoff_demo", {"customer": f"Jonon Yritys {i:02d} Oy"}, user="demo")
    return ids


def _as(browser: Browser, base: str, username: str, path: str = "/", viewport=LAPTOP) -> Page:  # noqa: F811
    # axe is injected as a script of its own: the pages' content security policy does not allow that
    page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
    page.goto(f"{base}/signin?next={path}")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_load_state()
    return page


def _clean(page: Page, what: str) -> None:
    page.wait_for_load_state()
    assert violations(page) == [], what


def _fits(page: Page) -> None:
    """Nothing wider than the screen: a phone reads the list without scrolling sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_advisor_filters_the_inbox_by_keyboard(server, browser, network):  # noqa: F811
    page = _as(browser, server, "sek.neuvoja", "/tasks")
    rows = page.locator("#inbox tbody tr.task")
    expect(rows).to_have_count(2)  # SEK's two tasks; the customers' own tasks are theirs
    _clean(page, "inbox")
    page.get_by_label("Haku").focus()
    page.keyboard.type("taimi")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/tasks?q=taimi")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Teuvan Taimi Oy")
    page.get_by_label("Haku").fill("")
    page.get_by_label("Työn alla").select_option("others")
    page.get_by_label("Järjestys").select_option("newest")
    page.get_by_role("button", name="Näytä").press("Enter")
    expect(page).to_have_url(f"{server}/tasks?sort=newest&claimed=others")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("sek.toinen")
    _clean(page, "inbox filtered")
    page.goto(f"{server}/tasks")
    page.screenshot(path=str(SCREENSHOTS / "inbox-filters.png"), full_page=True)
    # the list polls with its query: a filtered inbox stays filtered
    page.goto(f"{server}/tasks?claimed=free")
    expect(page.locator("#inbox")).to_have_attribute("hx-get", "/tasks/inbox?claimed=free")
    page.wait_for_timeout(1500)
    expect(rows).to_have_count(1)


def test_the_inbox_and_case_list_on_a_phone(server, browser, network):  # noqa: F811
    page = _as(browser, server, "sek.neuvoja", "/tasks", viewport=PHONE)
    expect(page.locator("#inbox tbody tr.task")).to_have_count(2)
    _fits(page)
    _clean(page, "inbox on a phone")
    page.screenshot(path=str(SCREENSHOTS / "inbox-phone.png"), full_page=True)
    page.goto(f"{server}/cases?lane=SEK")
    expect(page.locator("#cases tbody tr[id]")).to_have_count(2)
    _fits(page)
    _clean(page, "case list on a phone")


def test_the_case_list_filters_marks_due_times_and_pages(server, browser, network):  # noqa: F811
    page = _as(browser, server, "admin", "/cases")
    rows = page.locator("#cases tbody tr[id]")
    expect(rows).to_have_count(25)
    expect(page.locator("nav.pager")).to_contain_text("Sivu 1/2 · 29 riviä")
    _clean(page, "case list")
    page.get_by_role("link", name="Seuraava").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/cases?page=2")
    expect(rows).to_have_count(4)
    page.goto(f"{server}/cases?sort=due")
    first = rows.first
    expect(first).to_have_id(f"case-{network['timer']}")
    expect(first.locator(".tag-soon")).to_have_text("pian")
    page.set_viewport_size({"width": 1280, "height": 640})
    page.screenshot(path=str(SCREENSHOTS / "cases-filters.png"))  # the first rows: the due mark
    page.get_by_label("Missä nyt").select_option("SEK")
    page.get_by_role("button", name="Näytä").click()
    expect(page).to_have_url(f"{server}/cases?lane=SEK&sort=due")
    expect(rows).to_have_count(2)
    _clean(page, "case list filtered")


def test_the_customer_lands_on_the_portal_and_starts_a_service(kapula, server, browser, network):  # noqa: F811
    page = _as(browser, server, "asiakas")
    expect(page).to_have_url(f"{server}/portal")
    expect(page.get_by_role("heading", name="Oma asiointi")).to_be_visible()
    expect(page.locator("ul.services li")).to_have_count(1)
    expect(page.locator("ul.portal-tasks li")).to_have_count(1)  # their own case waiting for them
    own = page.locator("#own-cases tbody tr[id]")
    expect(own).to_have_count(2)
    expect(page.locator(f"#case-{network['Teuvan Taimi Oy']}")).to_contain_text("SEK")
    expect(page.locator(f"#case-{network['konepaja']}")).to_contain_text("sinulla")
    expect(page.locator("main")).not_to_contain_text("Närpiön")  # another customer's case
    _clean(page, "portal")
    page.screenshot(path=str(SCREENSHOTS / "portal.png"), full_page=True)
    page.get_by_role("button", name="Aloita").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("aloitettu")
    page.goto(f"{server}/portal")
    expect(own).to_have_count(3)
    expect(page.locator("ul.portal-tasks li")).to_have_count(2)
    phone = _as(browser, server, "asiakas", viewport=PHONE)
    expect(phone).to_have_url(f"{server}/portal")
    _fits(phone)
    _clean(phone, "portal on a phone")
    phone.screenshot(path=str(SCREENSHOTS / "portal-phone.png"), full_page=True)


@pytest.mark.parametrize("language, heading", [("sv", "Min e-tjänst"), ("en", "My services")])
def test_the_portal_and_the_lists_in_swedish_and_english(server, browser, network, language, heading):  # noqa: F811
    page = _as(browser, server, "asiakas")
    page.get_by_role("button", name={"sv": "Svenska", "en": "English"}[language]).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    _clean(page, f"portal ({language})")
    page.goto(f"{server}/cases")
    _clean(page, f"own cases ({language})")
    advisor = _as(browser, server, "sek.neuvoja", "/tasks")
    advisor.get_by_role("button", name={"sv": "Svenska", "en": "English"}[language]).click()
    expect(advisor.get_by_role("button", name={"sv": "Visa", "en": "Show"}[language])).to_be_visible()
    _clean(advisor, f"inbox ({language})")
    advisor.goto(f"{server}/cases?sort=due")
    expect(advisor.locator(".tag-soon")).to_have_text({"sv": "snart", "en": "soon"}[language])
    _clean(advisor, f"case list ({language})")


def test_a_cancellations_reason_is_in_the_timeline(server, browser, network):  # noqa: F811
    page = _as(browser, server, "omistaja", f"/cases/{network['konepaja']}")
    page.get_by_role("link", name="Peru tapaus…").click()
    page.get_by_label("Syy").fill("Asiakas perui käynnin puhelimessa.")
    page.get_by_role("button", name="Peru tapaus").click()
    expect(page.locator(".note-cancel")).to_contain_text("Asiakas perui käynnin puhelimessa.")
    expect(page.locator(".note-cancel")).to_contain_text("omistaja")
    _clean(page, "timeline with a reason")
    page.locator(".note-cancel").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "cancel-reason-in-timeline.png"), full_page=True)


def test_a_long_unbroken_name_wraps_on_a_phone(kapula, server, browser, network):  # noqa: F811
    # a 300-letter customer name (a pasted register extract, a careless import) pushed the inbox
    # card, the task page and the case page sideways: the phone scrolled horizontally
    long_name = "Pitkäniminen" + "osakeyhtiö" * 30
    case = kapula.start_case("Handoff_demo", {"customer": long_name}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {"need": long_name}, user="asiakas")
    task = kapula.get_case(case.id).ready_tasks[0]
    page = _as(browser, server, "sek.neuvoja", "/tasks", viewport=PHONE)
    expect(page.locator("#inbox")).to_contain_text(long_name[:40])
    _fits(page)
    page.goto(f"{server}/tasks/{task.id}")
    page.locator("details summary").click()
    _fits(page)
    page.goto(f"{server}/cases/{case.id}")
    _fits(page)


def test_the_process_card_fits_a_phone(server, browser, network):  # noqa: F811
    # the card's own style sheet had no side padding and its tables pushed the page sideways
    # (scrollWidth 640 px on a 390 px screen for the reference model's card)
    page = _as(browser, server, "admin", "/processes/Handoff_demo/card", viewport=PHONE)
    expect(page.locator("h1")).to_contain_text("Kapulan vaihto")
    _fits(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).paddingLeft)") >= 12


# every word of a cell, with the number of lines it spans: a word on two lines was broken mid-word
_BROKEN_WORDS = """(table) => {
  const broken = [];
  for (const cell of table.querySelectorAll("th, td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (m[0].length < 40 && lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


# the longest lane name a diagram may have (engine/bpmn_xml/validate.py) and an organisation's
LONG_LANE, LONG_ORGANISATION = "Ö" * 200, "Ä" * 255

# the handoff matrix in its frame: whether the frame scrolls and can (overflow), whether any box
# between the table and the page cuts it off (overflow hidden or clip), where its last column is and
# how wide the first row's lane name is
_MATRIX = """(table) => {
  const frame = table.closest('.scroll'), box = frame.getBoundingClientRect();
  const cells = table.querySelectorAll('tr:first-child > *');
  const clipping = [];
  for (let e = table.parentElement; e; e = e.parentElement) {
    if (e !== frame && ['hidden', 'clip'].includes(getComputedStyle(e).overflowX)) clipping.push(e.tagName);
  }
  return {scrolls: frame.scrollWidth > frame.clientWidth + 1, overflow: getComputedStyle(frame).overflowX,
          atEnd: frame.scrollLeft + frame.clientWidth >= frame.scrollWidth - 1,
          lastRight: cells[cells.length - 1].getBoundingClientRect().right, frameLeft: box.left, frameRight: box.right,
          frameWidth: box.width, label: table.querySelector('tbody th').getBoundingClientRect().width, clipping};
}"""


@pytest.fixture
def long_lane(kapula, directory):
    """Three_lanes.bpmn with ELY's lane named 200 × "Ö", worked by an organisation with a 255-letter
    name: one case waiting in that lane (handed over Asiakas → SEK → it), one waiting at SEK."""
    filename, bpmn = read("three_lanes.bpmn")
    kapula.deploy(
        [
            (filename, bpmn.replace(b'name="ELY"', f'name="{LONG_LANE}"'.encode())),
            read("tarve.json"),
            read("three_lanes.card.json"),
        ]
    )
    directory.add_organisation(LONG_ORGANISATION, lanes=[(None, LONG_LANE)])
    directory.add_user("pitka.neuvoja", PASSWORD, role=Role.ADVISOR, organisation=LONG_ORGANISATION)
    case = kapula.start_case("Handoff_demo", {"customer": "Kauhajoen Konepaja Oy"}, user="asiakas")
    case = kapula.complete_task(case.ready_tasks[0].id, {}, user="asiakas")
    case = kapula.complete_task(case.ready_tasks[0].id, {"needs_funding": True}, user="sek.neuvoja")
    other = kapula.start_case("Handoff_demo", {"customer": "Teuvan Taimi Oy"}, user="asiakas")
    kapula.complete_task(other.ready_tasks[0].id, {}, user="asiakas")
    return {"case": case.id, "task": case.ready_tasks[0].id}


def _matrix_is_reachable(page: Page, width: int, tmp_path) -> None:
    """The handoff matrix scrolls in its own named region, by keyboard to its last column, and a
    lane's name leaves room for its row's counts (200 × "Ö" made the table 5,233 px wide, the counts
    2,000 px to the right of the name)."""
    matrix = page.locator("table.matrix")
    frame = page.get_by_role("region", name="Siirrot kaistalta toiselle")
    expect(frame).to_have_attribute("tabindex", "0")
    shown = matrix.evaluate(_MATRIX)
    assert shown["overflow"] == "auto" and shown["clipping"] == [], shown
    assert shown["label"] <= shown["frameWidth"] / 2, shown
    if width >= 1280:
        assert not shown["scrolls"], shown  # three lanes fit a laptop's column
    frame.focus()
    for _ in range(100):
        if matrix.evaluate(_MATRIX)["atEnd"]:
            break
        page.keyboard.press("ArrowRight")
    shown = matrix.evaluate(_MATRIX)
    assert shown["atEnd"] and shown["frameLeft"] <= shown["lastRight"] <= shown["frameRight"] + 1, shown
    matrix.screenshot(path=str(tmp_path / f"long-lane-matrix-{width}.png"))


def test_a_long_unbroken_lane_name_wraps_on_a_phone(server, browser, long_lane, tmp_path):  # noqa: F811
    # a lane named 200 × "Ö" pushed the case page (its lane badge, scrollWidth 2191 at 375 px), the
    # process page (the legend's lane pair, 2156) and the header and inbox (the organisation's name)
    # sideways, and at 1280 px widened the case page's and the process list's tables; in the
    # metrics page's handoff matrix the name made the table over 5,000 px wide, its counts off screen
    pages = [
        ("admin", f"/cases/{long_lane['case']}"),
        ("admin", "/processes/Handoff_demo"),
        ("admin", "/processes/Handoff_demo/metrics"),
        ("admin", "/processes"),
        ("admin", "/cases"),
        ("pitka.neuvoja", "/tasks"),
        ("pitka.neuvoja", f"/tasks/{long_lane['task']}"),
        ("asiakas", "/portal"),
    ]
    for width in (375, 1280):
        for who, path in pages:
            page = _as(browser, server, who, path, viewport={"width": width, "height": 900})
            expect(page.locator("main")).to_contain_text(LONG_LANE[:40])
            page.screenshot(path=str(tmp_path / f"long-lane-{who}-{path[1:].replace('/', '-')}-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (path, width)
            for table in page.locator("main table").all():
                assert table.evaluate(_BROKEN_WORDS) == [], (path, width)  # ordinary words stay whole
            if width >= 1280:  # a laptop's list tables fit their frames: nothing to scroll sideways
                for frame in page.locator("main .scroll:has(> table.list)").all():
                    assert frame.evaluate("f => f.scrollWidth <= f.clientWidth + 1"), (path, width)
            if path.endswith("/metrics"):
                _matrix_is_reachable(page, width, tmp_path)
            page.context.close()
    # the process card (its own page, for printing): the lane's name made its table 2,722 px wide at
    # 1280 px; on a phone its table scrolls by itself
    for width in (1280, 375):
        page = _as(browser, server, "admin", "/processes/Handoff_demo/card", viewport={"width": width, "height": 900})
        expect(page.locator("table").first).to_be_visible()
        page.screenshot(path=str(tmp_path / f"long-lane-card-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, ("card", width)
        for table in page.locator("table").all():
            assert table.evaluate(_BROKEN_WORDS) == [], ("card", width)
        page.context.close()
    # without JavaScript the process page shows the server's drawing: wider than a phone, it scrolls
    # in its own named region, never the page
    page = browser.new_context(viewport={"width": 375, "height": 900}, java_script_enabled=False).new_page()
    page.goto(f"{server}/signin?next=/processes/Handoff_demo")
    page.get_by_label("Käyttäjätunnus").fill("admin")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    drawing = page.get_by_role("region", name="Prosessikaavio", exact=False)
    expect(drawing.locator("img")).to_be_visible()
    expect(drawing).to_have_attribute("tabindex", "0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    page.screenshot(path=str(tmp_path / "long-lane-process-without-javascript-375.png"), full_page=True)


def test_a_long_name_stays_in_its_column_on_a_laptop(kapula, server, browser, network, tmp_path):  # noqa: F811
    # a 300-letter customer and process name widened the laptop's inbox and case tables past the
    # window; wrapping every cell anywhere instead broke ordinary words mid-word at 800 px: only the
    # name columns break a long word, so every other word stays whole
    long_name = "Pitkäniminen" + "osakeyhtiö" * 30
    filename, bpmn = read("three_lanes.bpmn")
    bpmn = bpmn.replace('name="Yrityskäynti ja kapulan vaihto"'.encode(), f'name="{long_name}"'.encode())
    kapula.deploy([(filename, bpmn), read("tarve.json"), read("three_lanes.card.json")])
    case = kapula.start_case("Handoff_demo", {"customer": long_name}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {}, user="asiakas")
    for who, path, table in [("sek.neuvoja", "/tasks", "#inbox table"), ("admin", "/cases?sort=newest", "#cases")]:
        for width in (1280, 800, 700, 375):
            page = _as(browser, server, who, path, viewport={"width": width, "height": 900})
            listing = page.locator(table)
            expect(listing).to_contain_text(long_name[:40])
            # the eight columns' ordinary words needed 815-854 px at 800 px: the page scrolled sideways
            _fits(page)
            frame = listing.locator("xpath=..")
            box, main = frame.bounding_box(), page.locator("main").bounding_box()
            assert box is not None and main is not None and box["x"] + box["width"] <= main["x"] + main["width"]
            if width != 700:  # narrower than ~750 px the table scrolls inside its own frame, not the page
                assert frame.evaluate("f => f.scrollWidth <= f.clientWidth + 1"), (path, width)
            assert listing.evaluate(_BROKEN_WORDS) == [], (path, width)
            page.screenshot(path=str(tmp_path / f"long-name-{path[1:6]}-{width}.png"), full_page=True)
            page.context.close()


def test_the_lists_fit_a_narrow_laptop_in_every_language(server, browser, network):  # noqa: F811
    # at 800 px the Finnish inbox (854 px, the claim button), the Swedish one (884 px) and the English
    # case list sorted by due time (820 px) were wider than the window
    for language, locale in [("fi", "fi-FI"), ("sv", "sv-FI"), ("en", "en-GB")]:
        for who, path, table in [("sek.neuvoja", "/tasks", "#inbox table"), ("admin", "/cases?sort=due", "#cases")]:
            page = browser.new_context(viewport={"width": 800, "height": 900}, bypass_csp=True, locale=locale).new_page()
            page.goto(f"{server}/signin?next={path}")
            page.locator("input[name=username]").fill(who)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("input[name=password]").press("Enter")
            expect(page.locator(table)).to_be_visible()
            assert page.evaluate("document.documentElement.lang") == language
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (language, path)
            _clean(page, f"{path} at 800 px ({language})")
            page.context.close()


def test_ordinary_long_words_stay_whole_where_there_is_room(kapula, server, browser, tmp_path):  # noqa: F811
    # "Yrityspalveluprose|ssi" in the 1280 px portal and "jälkihoitosu|unnitelma" in the inbox:
    # the name box's cap broke a 21-letter word although the table had room for it
    filename, bpmn = read("three_lanes.bpmn")
    bpmn = bpmn.replace('name="Yrityskäynti ja kapulan vaihto"'.encode(), b'name="Yrityspalveluprosessi"')
    kapula.deploy([(filename, bpmn), read("tarve.json"), read("three_lanes.card.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Jälkihoitosuunnitelma Oy"}, user="asiakas")
    kapula.complete_task(case.ready_tasks[0].id, {}, user="asiakas")
    for who, path, table in [("asiakas", "/", "table"), ("sek.neuvoja", "/tasks", "#inbox table")]:
        for width in (1280, 1024):
            page = _as(browser, server, who, path, viewport={"width": width, "height": 900})
            listing = page.locator(table).first
            expect(listing).to_be_visible()
            page.screenshot(path=str(tmp_path / f"words-{who}-{width}.png"), full_page=True)
            assert listing.evaluate(_BROKEN_WORDS) == [], (path, width)
            _fits(page)
            page.context.close()


# the select's own width for its longest option (a copy with width auto, off the page)
_SORT_ROOM = """() => { const s = document.querySelector('#f-sort'), copy = s.cloneNode(true);
  copy.style.width = 'auto'; copy.style.position = 'absolute'; copy.style.left = '-9999px';
  document.body.append(copy); const need = copy.getBoundingClientRect().width; copy.remove();
  return {has: s.getBoundingClientRect().width, need}; }"""


def test_the_order_select_shows_its_whole_words_on_a_laptop(server, browser, network):  # noqa: F811
    # at 1280 px the order was a fifth of the filter row: "longest waiting fir", "pisimpään odottar"
    for locale in ("fi-FI", "sv-FI", "en-GB"):
        for who, path in [("sek.neuvoja", "/tasks"), ("admin", "/cases")]:
            page = browser.new_context(viewport=LAPTOP, locale=locale).new_page()
            page.goto(f"{server}/signin?next={path}")
            page.locator("input[name=username]").fill(who)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("input[name=password]").press("Enter")
            expect(page.locator("#f-sort")).to_be_visible()
            room = page.evaluate(_SORT_ROOM)
            assert room["has"] >= room["need"] - 0.5, (locale, path, room)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (locale, path)
            page.context.close()
