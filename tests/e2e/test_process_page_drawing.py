"""The process page's drawing part: the bpmn-js viewer's data (the version's BPMN file, overlays as
JSON for those who see the metrics), the SVG beneath it, the TEM view and PNG/PDF downloads."""

from __future__ import annotations

import json

from lxml import html

from tests.conftest import read
from tests.e2e.test_metrics_pages import logged  # noqa: F401  (fixture)
from tests.e2e.test_pages import sign_in
from tests.integration.metrics_log import KEY


def _viewer(client):
    r = client.get(f"/processes/{KEY}")
    assert r.status_code == 200
    doc = html.fromstring(r.text)
    (holder,) = doc.xpath('//div[@id="bpmn-viewer"]')
    return doc, holder


def test_the_owner_gets_the_viewer_with_overlays_svg_tem_png_and_pdf(client, logged):  # noqa: F811
    sign_in(client, "omistaja")
    doc, holder = _viewer(client)
    xml = client.get(holder.get("data-xml-url"))
    assert xml.status_code == 200 and b"bpmndi:BPMNDiagram" in xml.content
    assert (
        f'<bpmndi:BPMNDiagram id="{holder.get("data-diagram-id")}"'.encode() in xml.content
    )  # the diagram that shows the process
    overlays = json.loads(holder.get("data-overlays"))
    assert overlays["elements"]["Task_prepare"]["waiting"] == 1 and overlays["elements"]["Task_describe"]["median"] == "1 t"
    assert {(h["from"], h["to"]) for h in overlays["handoffs"]} <= {(p["from"], p["to"]) for p in overlays["pairs"]}
    assert overlays["handoffs"]  # the counts sit on flows of the drawing
    assert not doc.xpath("//script[not(@src)]")  # no inline script on the page
    links = {a.text_content().strip(): a.get("href") for a in doc.xpath('//figure[@id="diagram"]//a')}
    for name, kind in (("PNG", "image/png"), ("PDF", "application/pdf")):
        r = client.get(links[name])
        assert r.status_code == 200 and r.headers["content-type"] == kind, name
    tem = client.get(next(href for text, href in links.items() if text.startswith("TEM")))
    assert tem.status_code == 200 and "tools&#45;band" in tem.text
    assert 'class="kapula-diagram"' in client.get(doc.xpath('//figure[@id="diagram"]//img/@src')[0]).text


def test_a_customer_gets_the_viewer_without_measured_values(client, logged):  # noqa: F811
    sign_in(client, "asiakas")
    _, holder = _viewer(client)
    overlays = json.loads(holder.get("data-overlays"))
    assert overlays["elements"] == {} and overlays["handoffs"] == [] and overlays["pairs"] == []


def test_a_diagram_without_interchange_gets_no_viewer(client, kapula, directory, tokens):
    name, content = read("loop.bpmn")
    stripped = content[: content.index(b"<bpmndi:BPMNDiagram")] + b"</bpmn:definitions>\n"
    key = kapula.deploy([(name, stripped)]).versions[0].key
    sign_in(client, "admin")
    doc = html.fromstring(client.get(f"/processes/{key}").text)
    assert not doc.xpath('//div[@id="bpmn-viewer"]')
    src = doc.xpath('//figure[@id="diagram"]//img/@src')[0]
    assert "lane&#45;0&#45;band" in client.get(src).text  # the TEM swimlanes are its drawing (no tools: no Tools row)
