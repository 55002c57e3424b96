"""Property: whatever names a diagram carries (any XML-legal text), both drawings are made without
an exception and stay inert: no link, image, script or attribute from a name."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from engine.bpmn_xml.secure import parse_xml
from engine.render.di_model import read_diagrams
from engine.render.di_svg import build_di_svg, svg_bytes
from engine.render.model import Overlay, swimlanes_from_bpmn
from engine.render.swimlane import build_swimlane, render
from tests.unit.test_hostile_names_drawing import assert_inert, hostile_bpmn

# characters an XML 1.0 attribute can hold (the names come from a parsed file)
XML_TEXT = st.text(
    st.characters(min_codepoint=0x20, blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), max_size=400
)
NAMES = st.lists(
    st.one_of(XML_TEXT, st.sampled_from(["<<B>x</B>>", '<<IMG SRC="/etc/passwd"/>>', "\\N\\G", "]]>", "&amp;", '"'])),
    min_size=6,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES)
def test_any_names_draw_inert(names: list[str]):
    source = hostile_bpmn(names)
    overlay = Overlay(median_seconds={"t1": 90.0}, waiting_now={"t1": 1}, handoffs={("Asiakas", names[3]): 1})
    (diagram,) = read_diagrams(parse_xml(source, filename="fuzz.bpmn").getroot())
    di = svg_bytes(build_di_svg(diagram, overlay))
    tem = render(build_swimlane(swimlanes_from_bpmn(source, "p"), overlay), "svg")
    for svg in (di, tem):
        etree.fromstring(svg)  # well-formed
        # a markup-shaped name must not reach an attribute (plain words like "0000" may match coordinates)
        assert_inert(svg, [n for n in names if len(n) > 3 and n.strip() == n and "  " not in n and any(c in n for c in '<>"=&')])
