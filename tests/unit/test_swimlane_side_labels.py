"""The TEM drawing (a diagram without DI): an event's or a gateway's name stays inside the pool and
its own lane. It was graphviz's xlabel, placed up and to the left of the shape: a long start
event's name ran out of the pool past its left edge (and widened the drawing with blank space)."""

from __future__ import annotations

from lxml import etree

from engine.render.layout import HEADER_W, lay_out
from engine.render.model import swimlanes_from_bpmn
from engine.render.swimlane import build_swimlane, render

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Asiakas ottaa yhteyttä yrityspalveluihin ja kertoo tarpeensa ja odottaa vastausta viikon"
WORD = "Yrityspalveluprosessinjälkihoitosuunnitelmanhyväksyntä" * 3


def _bpmn() -> bytes:
    return (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">'
        '<bpmn:process id="P" name="&quot;&gt;&lt;script&gt;x&lt;/script&gt;" isExecutable="true">'
        '<bpmn:laneSet id="LS"><bpmn:lane id="L1" name="Asiakas"><bpmn:flowNodeRef>S</bpmn:flowNodeRef></bpmn:lane>'
        '<bpmn:lane id="L2" name="SEK"><bpmn:flowNodeRef>T</bpmn:flowNodeRef><bpmn:flowNodeRef>G</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>E</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        f'<bpmn:startEvent id="S" name="{LONG}"/><bpmn:userTask id="T" name="Käsittele"/>'
        f'<bpmn:exclusiveGateway id="G" name="{WORD}"/><bpmn:endEvent id="E" name="Valmis"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/><bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="G"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="G" targetRef="E"/>'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def test_event_and_gateway_names_stay_inside_the_pool_and_their_lane():
    d = swimlanes_from_bpmn(_bpmn(), "P")
    layout = lay_out(d)
    svg = etree.fromstring(render(build_swimlane(d), "svg"))
    texts = {(t.text or "") for t in svg.iter(f"{SVG}text")}
    assert any(t.startswith("Asiakas ottaa") for t in texts)  # the name is shown
    lanes = {b.name: b for b in layout.lanes}
    for node in d.nodes:
        if not node.type.endswith(("Event", "Gateway")):
            continue
        group = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == f"name-{node.id}")
        band = lanes[layout.lane_of[node.id]]
        for t in group.iter(f"{SVG}text"):
            x, y, line = float(t.get("x")), -float(t.get("y")), t.text or ""
            assert t.get("text-anchor") == "middle"
            half = len(line) * 10 * 0.6 / 2  # Helvetica 10 pt: at most 0.6 em a letter
            assert HEADER_W <= x - half and x + half <= layout.width, (node.id, line)
            # graphviz's y grows upwards from the bottom of the drawing
            top = layout.height - band.top
            assert top - band.height <= y <= top, (node.id, line)
        lines = [t.text or "" for t in group.iter(f"{SVG}text")]
        assert 1 <= len(lines) <= 3 and all(len(line) <= 27 for line in lines), lines
