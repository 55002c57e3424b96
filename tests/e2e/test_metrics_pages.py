"""The process page's drawing and card, and the metrics page: the engine's numbers, in lane order, for the right people."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree, html

from api.web.render import duration, number
from tests.conftest import read
from tests.e2e.test_pages import sign_in
from tests.integration.metrics_log import KEY, build_log
from tests.integration.test_swimlane import lane_headers

SVG = "{http://www.w3.org/2000/svg}"
CARD = {
    "format": 1,
    "process": KEY,
    "name": "Siirtodemo",
    "owner": "SEK",
    "purpose": "Asiakas saa rahoituksen.",
    "start": "Asiakas kuvaa tarpeen.",
    "end": "Asiakas antaa palautteen.",
    "improvement": {"responsible": "SEK", "how": "palaute", "review": "vuosittain"},
    "customer_can_start": True,  # a service customers start: they see its drawing and card, without measurements
    "metrics": [
        {
            "id": "aloitetut",
            "name": "Aloitetut tapaukset",
            "target": 20,
            "unit": "kpl",
            "period": "year",
            "data_source": "tapahtumaloki",
            "processed_in": "ohjausryhmä",
            "measure": {"kind": "cases_started"},
        },
        {
            "id": "uudet",
            "name": "Uudet asiakkaat",
            "target": 8,
            "unit": "kpl",
            "period": "year",
            "data_source": "tapahtumaloki",
            "processed_in": "ohjausryhmä",
            "measure": {"kind": "field_true", "fields": ["new_customer"]},
        },
        {
            "id": "tyytyvaisyys",
            "name": "Tyytyväisyys",
            "target": 3,
            "unit": "1-4",
            "period": "year",
            "data_source": "palaute",
            "processed_in": "ohjausryhmä",
            "measure": {"kind": "field_mean", "field": "satisfaction"},
        },
    ],
}


@pytest.fixture
def logged(kapula, clock, directory, tokens):
    """The four cases of tests/integration/metrics_log.py, then a version with a card; SEK owns the process."""
    ids = build_log(kapula, clock)
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), (f"{KEY}.card.json", json.dumps(CARD).encode())])
    directory.claim_ownership([KEY], "SEK")
    return ids


def _page(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text
    return html.fromstring(r.text)


def _cells(doc, table_id):
    return [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td|./th")]
        for tr in doc.xpath(f'//table[@id="{table_id}"]/tbody/tr')
    ]


def test_metrics_page_shows_the_engines_numbers(client, kapula, logged):
    sign_in(client, "omistaja")
    doc = _page(client, f"/processes/{KEY}/metrics")
    m = kapula.metrics(KEY)
    shown = {dd.get("data-metric"): int(dd.text) for dd in doc.xpath('//dl[@id="case-counts"]//dd')}
    assert shown == {"started": 4, "completed": 2, "cancelled": 1, "in_progress": 1, "failed": 0, "incidents": 0} == vars(m.cases)
    lead = " ".join(doc.get_element_by_id("lead-time").text_content().split())
    assert m.lead_time.median == 33 * 3600 and duration(m.lead_time.median) == "1 pv 9 t"
    assert "Valmistuneita 2: mediaani 1 pv 9 t" in lead and "pisin 2 pv 11 t" in lead and "kohden mediaani 1,5" in lead

    stages = _cells(doc, "stages")
    assert [(row[0], row[1], int(row[2])) for row in stages] == [(s.name, s.lane, s.duration.count) for s in m.stages]
    prepare = next(row for row in stages if row[0] == "Valmistele käynti")
    stats = next(s for s in m.stages if s.element_id == "Task_prepare")
    # waiting (ready → claimed) and working (claimed → completed) apart: case 2 waited 1 h and worked 3 h
    assert prepare[6:8] == [duration(stats.waiting.median), duration(stats.working.median)] == ["1 t", "3 t"]

    # the matrix's lanes follow the process's lanes top to bottom, customer first
    header = [" ".join(th.text_content().split()) for th in doc.xpath('//table[@id="handoffs"]/thead/tr/th')][1:]
    assert header == ["Asiakas", "SEK", "ELY"]
    matrix = {}
    for tr in doc.xpath('//table[@id="handoffs"]/tbody/tr'):
        for to, td in zip(header, tr.xpath("./td"), strict=True):
            if td.xpath("./strong"):
                matrix[(tr.xpath("./th")[0].text_content(), to)] = (int(td.findtext("strong")), td.findtext("small"))
    assert matrix == {(h.from_lane, h.to_lane): (h.count, duration(h.pickup.median)) for h in m.handoffs}
    assert len(matrix) >= 3

    targets = {row[0]: row for row in _cells(doc, "targets")}
    started = next(t for t in m.targets if t.id == "aloitetut")
    assert (
        targets["Aloitetut tapaukset"][2:5]
        == ["4 kpl", "20 %", f"{number(started.projection)} kpl"]
        == ["4 kpl", "20 %", "199,1 kpl"]
    )
    assert targets["Tyytyväisyys"][2] == "3,5 1-4" and targets["Tyytyväisyys"][5] == "tavoitteessa"
    assert [row[0] for row in _cells(doc, "stuck")] == [f"#{s.case_id}" for s in m.stuck] == [f"#{logged[2]}"]
    assert doc.xpath('//table[@id="stuck"]//a/@href') == [f"/cases/{logged[2]}"]


def test_metrics_page_charts_are_inline_svg_with_titles_and_the_same_numbers(client, kapula, logged):
    sign_in(client, "admin")
    text = client.get(f"/processes/{KEY}/metrics").text
    doc = html.fromstring(text)
    assert "<script" not in text.split("</head>")[1]  # no charting library: the charts are drawn on the server
    lead = etree.fromstring(etree.tostring(doc.get_element_by_id("lead-chart")[0]))
    assert lead.findtext(f"{SVG}title") == "Läpimenoajan jakauma (valmistuneet tapaukset)"
    bars = [r.findtext(f"{SVG}title") for r in lead.iter(f"{SVG}rect")]
    # completed cases took 7 h and 59 h: six-hour bins 6–12 h and 54–60 h hold one each
    histogram = kapula.lead_time_distribution(KEY)
    assert (histogram.bin_seconds, histogram.total) == (6 * 3600, kapula.metrics(KEY).lead_time.count)
    assert [b for b in bars if not b.endswith(": 0")] == ["6–12 h: 1", "54–60 h: 1"]
    months = etree.fromstring(etree.tostring(doc.get_element_by_id("throughput-chart")[0]))
    assert "1/2026: aloitettu 4, valmistunut 2, peruttu 1" in months.findtext(f"{SVG}desc")
    progress = etree.fromstring(etree.tostring(doc.get_element_by_id("target-chart")[0]))
    tips = [r.findtext(f"{SVG}title") for r in progress.iter(f"{SVG}rect") if r.findtext(f"{SVG}title")]
    # Babel writes the percent sign after a no-break space in Finnish
    assert "Aloitetut tapaukset: saavutettu 20\xa0%" in tips and "Uudet asiakkaat: saavutettu 12\xa0%" in tips
    assert "Tyytyväisyys" not in progress.findtext(f"{SVG}desc")  # a mean has no share of a yearly total


def test_metrics_filters_narrow_the_numbers_like_the_engine(client, kapula, logged):
    sign_in(client, "admin")

    def counts(query):
        doc = _page(client, f"/processes/{KEY}/metrics?{query}")
        return {dd.get("data-metric"): int(dd.text) for dd in doc.xpath('//dl[@id="case-counts"]//dd')}

    assert counts("segment=founder")["started"] == kapula.metrics(KEY, segment="founder").cases.started == 2
    assert counts("version=1&lane=&segment=&since=&until=")["started"] == 4
    assert counts("version=2")["started"] == 0
    assert counts("since=2026-01-09")["started"] == 0 and counts("until=2026-01-08")["started"] == 4
    doc = _page(client, f"/processes/{KEY}/metrics?lane=SEK")
    assert {row[1] for row in _cells(doc, "stages")} == {"SEK"}
    assert doc.xpath('//select[@name="lane"]/option[@selected]/text()') == ["SEK"]
    r = client.get(f"/processes/{KEY}/metrics?since=8.1.2026")
    assert r.status_code == 422 and "VVVV-KK-PP" in r.text
    assert client.get(f"/processes/{KEY}/metrics?version=x").status_code == 422
    # the first day of year 1 in Helsinki is year 0 in UTC: a 500 (OverflowError) before
    r = client.get(f"/processes/{KEY}/metrics?since=0001-01-01")
    assert r.status_code == 422 and "<html" in r.text and "Traceback" not in r.text
    r = client.get(f"/processes/{KEY}/metrics?version=2147483647")
    assert r.status_code == 404 and f"{KEY} v2147483647" in r.text


def test_swimlane_route_draws_the_lanes_in_order_and_the_card_page_embeds_it(client, logged):
    sign_in(client, "sek.neuvoja")
    r = client.get(f"/processes/{KEY}/swimlanes.svg?view=tem")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert lane_headers(r.content) == ["Asiakas", "SEK", "ELY"]  # top to bottom, customer first
    assert re.search(r"\d× siirto", r.text) and "mediaani 2 t" in r.text  # with measured overlays
    laid_out = client.get(f"/processes/{KEY}/swimlanes.svg")  # by default as the file lays it out (BPMN DI)
    assert laid_out.status_code == 200 and 'class="kapula-diagram"' in laid_out.text
    assert re.search(r"\d× siirto", laid_out.text) and "mediaani 2 t" in laid_out.text
    card = client.get(f"/processes/{KEY}/card")
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
    assert 'src="swimlanes.svg"' in card.text and "Aloitetut tapaukset" in card.text


def test_process_page_embeds_the_drawing_and_links_card_and_metrics(client, logged):
    sign_in(client, "omistaja")
    doc = _page(client, f"/processes/{KEY}")
    assert doc.xpath('//figure[@id="diagram"]//img/@src') == [f"/processes/{KEY}/swimlanes.svg"]
    assert f"/processes/{KEY}/metrics" in doc.xpath("//a/@href") and f"/processes/{KEY}/card" in doc.xpath("//a/@href")
    sign_in(client, "asiakas")  # sees the process (its customer lane), not the figures of everyone's cases
    doc = _page(client, f"/processes/{KEY}")
    assert doc.xpath('//figure[@id="diagram"]//img/@src') and f"/processes/{KEY}/metrics" not in doc.xpath("//a/@href")


@pytest.mark.parametrize("user", ["te.neuvoja", "novago.omistaja"])
def test_who_may_not_see_the_process_is_refused_its_drawing_card_and_metrics(client, logged, user):
    sign_in(client, user)
    for path in ("", "/swimlanes.svg", "/card", "/metrics"):
        r = client.get(f"/processes/{KEY}{path}")
        assert r.status_code == 403 and "Ei oikeutta" in r.text and "Asiakas" not in r.text, path


def test_metrics_are_for_owners_admins_and_the_advisors_of_the_lanes(client, logged):
    for user in ("admin", "omistaja", "sek.neuvoja", "ely.neuvoja"):
        sign_in(client, user)
        assert client.get(f"/processes/{KEY}/metrics").status_code == 200, user
    sign_in(client, "asiakas")
    assert client.get(f"/processes/{KEY}/swimlanes.svg").status_code == 200
    assert client.get(f"/processes/{KEY}/metrics").status_code == 403
    assert client.get(f"/api/processes/{KEY}/metrics").status_code == 403  # the JSON API keeps the same rule
    client.cookies.clear()
    r = client.get(f"/processes/{KEY}/metrics", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    sign_in(client, "admin")
    assert client.get("/processes/nope/metrics").status_code == 404
