"""The names-in-drawing case over HTTP (issue 12, item 2): a process whose names are graphviz HTML
labels, quotes, `&`, `]]>`, control characters and 10,000 characters is drawn in every view and
format without a link, an image or an attribute from a name, and never answers 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn_xml.validate import MAX_LANE_NAME_LENGTH
from tests.e2e.test_pages import sign_in
from tests.unit.test_hostile_names_drawing import HOSTILE, assert_inert, hostile_bpmn

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "names_in_drawing.bpmn"
UPLOADABLE = [name[:MAX_LANE_NAME_LENGTH] for name in HOSTILE]


@pytest.fixture
def hostile(kapula, directory, tokens):
    # names cut to the upload's bounds (a 10,000-character name is refused at upload now,
    # tests/integration/test_diagram_bounds.py; the drawing of one is tested on the renderer itself)
    kapula.deploy([(CASE.name, CASE.read_bytes()), ("hostile.bpmn", hostile_bpmn(UPLOADABLE))])
    return tokens


@pytest.mark.parametrize("key", ["rt_dotinj", "p"])
@pytest.mark.parametrize("view", ["auto", "di", "tem"])
def test_every_drawing_of_hostile_names_is_inert(client, hostile, key, view):
    for fmt in ("svg", "png", "pdf"):
        r = client.get(f"/api/processes/{key}/swimlane.{fmt}?view={view}", headers=hostile["admin"])
        if view == "di" and key == "rt_dotinj":  # that file has no diagram interchange: a clear 422, not a 500
            assert r.status_code == 422 and r.json()["code"], r.text
            continue
        assert r.status_code == 200, (fmt, r.text[:300])
        if fmt == "svg":
            assert_inert(r.content, UPLOADABLE)
            assert b"javascript" not in r.content.lower() or b"<a" not in r.content


def test_the_process_page_shows_hostile_names_as_text(client, hostile):
    sign_in(client, "admin")
    for key in ("rt_dotinj", "p"):
        r = client.get(f"/processes/{key}")
        assert r.status_code == 200
        page = etree.HTML(r.content)
        assert not page.xpath("//a[starts-with(@href, 'javascript')]") and not page.xpath("//table//img")
        svg = client.get(f"/processes/{key}/swimlanes.svg")
        assert svg.status_code == 200
        assert_inert(svg.content, UPLOADABLE)
