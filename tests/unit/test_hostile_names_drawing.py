"""Names are always text in drawings (issue 12, item 2): a name shaped like a graphviz HTML label,
quotes, `&`, `]]>`, control characters or 10,000 characters never become a link, an image or an
attribute, in the graphviz swimlanes (SVG and PNG) and in the DI drawing, and never fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.render.di_model import read_diagrams
from engine.render.di_svg import build_di_svg, svg_bytes
from engine.render.model import Overlay, swimlanes_from_bpmn
from engine.render.swimlane import build_swimlane, render

CASE = Path("/work/shared/cases/security/names-in-drawing/rt_dotinj.bpmn")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
HOSTILE = [
    '<<TABLE HREF="javascript:window.__gv=document.domain" TITLE="x"><TR><TD>Aloita</TD></TR></TABLE>>',
    "<<B>Hae tuki</B>> URL=\"javascript:fetch('/api/me')\" dummy=<x>",
    '<<TABLE><TR><TD><IMG SRC="/etc/passwd"/></TD></TR></TABLE>>',
    '<<IMG SRC="/etc/hostname"/>>',
    "say \"hi\" & 'bye' ]]> <script>alert(1)</script>",
    "back\\slash\\N\\G\\L\\",
    "tab\tand\u0085next\u2028line\u202eRTL",
    "x" * 10_000,
    "",
    "-->",
    "<!-- -->",
    '" URL="javascript:alert(1)',
]


def hostile_bpmn(names: list[str], *, with_di: bool = True) -> bytes:
    """A two-lane process whose elements carry `names` (as XML attribute values, escaped)."""
    root = etree.Element(
        "{http://www.omg.org/spec/BPMN/20100524/MODEL}definitions",
        nsmap={
            "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
            "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
            "dc": "http://www.omg.org/spec/DD/20100524/DC",
            "di": "http://www.omg.org/spec/DD/20100524/DI",
        },
        id="d",
        targetNamespace="urn:x",
    )
    b = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    collab = etree.SubElement(root, f"{b}collaboration", id="c")
    etree.SubElement(collab, f"{b}participant", id="pool", name=names[0], processRef="p")
    etree.SubElement(collab, f"{b}participant", id="other", name=names[-1])
    process = etree.SubElement(root, f"{b}process", id="p", name=names[1], isExecutable="true")
    lanes = etree.SubElement(process, f"{b}laneSet", id="ls")
    ids = [f"t{i}" for i in range(len(names))]
    for lane_index in range(2):
        lane = etree.SubElement(
            lanes, f"{b}lane", id=f"lane{lane_index}", name=names[lane_index + 2] if lane_index else "Asiakas"
        )
        for i in ids[lane_index::2]:
            etree.SubElement(lane, f"{b}flowNodeRef").text = i
    kinds = ["startEvent", "userTask", "exclusiveGateway", "task", "intermediateThrowEvent", "manualTask"]
    for i, name in enumerate(names):
        kind = kinds[i % len(kinds)] if i < len(names) - 1 else "endEvent"
        etree.SubElement(process, f"{b}{kind}", id=ids[i], name=name)
    for i in range(len(names) - 1):
        etree.SubElement(process, f"{b}sequenceFlow", id=f"f{i}", sourceRef=ids[i], targetRef=ids[i + 1], name=names[-1 - i])
    etree.SubElement(process, f"{b}textAnnotation", id="note").append(etree.Element(f"{b}text"))
    process[-1][0].text = names[4]
    etree.SubElement(collab, f"{b}messageFlow", id="m", sourceRef="t1", targetRef="other", name=names[2])
    if with_di:
        d = "{http://www.omg.org/spec/BPMN/20100524/DI}"
        plane = etree.SubElement(etree.SubElement(root, f"{d}BPMNDiagram", id="dia"), f"{d}BPMNPlane", id="pl", bpmnElement="c")
        for i, element in enumerate(["pool", "other", "lane0", "lane1", *ids, "note"]):
            shape = etree.SubElement(plane, f"{d}BPMNShape", id=f"s{i}", bpmnElement=element)
            etree.SubElement(
                shape, "{http://www.omg.org/spec/DD/20100524/DC}Bounds", x=str(50 + 120 * i), y="40", width="100", height="80"
            )
        for i in range(len(names) - 1):
            edge = etree.SubElement(plane, f"{d}BPMNEdge", id=f"e{i}", bpmnElement=f"f{i}")
            for x in (150 + 120 * i, 170 + 120 * i):
                etree.SubElement(edge, "{http://www.omg.org/spec/DD/20100524/DI}waypoint", x=str(x), y="80")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def assert_inert(svg: bytes, names: list[str]) -> None:
    """No link, image, script, foreign object or event handler, and no attribute holding a name."""
    root = etree.fromstring(svg)
    for element in root.iter():
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        assert tag not in ("a", "image", "script", "foreignObject", "iframe", "use"), tag
        for key, value in element.attrib.items():
            assert (
                "javascript" not in value.lower()
                and not key.lower().startswith("on")
                and key != XLINK
                and "href" not in key.lower()
            ), (key, value)
            for name in names:
                if len(name) > 3 and name not in ("tab\tand\u0085next\u2028line\u202eRTL",):
                    assert name not in value, (key, value[:80])


def test_the_reported_case_draws_its_names_as_text():
    source = CASE.read_bytes() if CASE.exists() else hostile_bpmn(HOSTILE[:2] + ["Valmis"], with_di=False)
    svg = render(build_swimlane(swimlanes_from_bpmn(source, "rt_dotinj")), "svg")
    assert_inert(svg, [])
    text = "".join(etree.fromstring(svg).itertext())
    assert "<<TABLE HREF" in text or "TABLE HREF" in text  # shown, as text


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_hostile_names_in_the_graphviz_swimlanes(fmt: str):
    source = hostile_bpmn(HOSTILE)
    out = render(
        build_swimlane(
            swimlanes_from_bpmn(source, "p"), Overlay(median_seconds={"t1": 60.0}, handoffs={("Asiakas", HOSTILE[3]): 2})
        ),
        fmt,
    )
    assert out
    if fmt == "svg":
        assert_inert(out, HOSTILE)
    else:  # an <IMG SRC> name would have made graphviz read the file into the picture, or refuse it
        assert b"root:" not in out


def test_hostile_names_in_the_di_drawing():
    source = hostile_bpmn(HOSTILE)
    from engine.bpmn_xml.secure import parse_xml

    (diagram,) = read_diagrams(parse_xml(source, filename="hostile.bpmn").getroot())
    svg = svg_bytes(
        build_di_svg(diagram, Overlay(median_seconds={"t1": 60.0}, waiting_now={"t1": 2}, handoffs={("Asiakas", HOSTILE[3]): 2}))
    )
    assert_inert(svg, HOSTILE)
    text = "".join(etree.fromstring(svg).itertext())
    assert 'say "hi" &' in text and "<<TABLE" in text  # the names are there, as text
    assert len(svg) < 400_000  # 10k-character names are cut, not drawn whole


def test_the_png_of_a_di_drawing_never_reads_files():
    from engine.render.convert import svg_to

    source = hostile_bpmn(HOSTILE)
    from engine.bpmn_xml.secure import parse_xml

    (diagram,) = read_diagrams(parse_xml(source, filename="hostile.bpmn").getroot())
    svg = svg_bytes(build_di_svg(diagram))
    assert svg_to(svg, "png").startswith(b"\x89PNG")
    assert svg_to(svg, "pdf").startswith(b"%PDF")
