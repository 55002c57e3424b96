"""Swimlane drawings: TEM lane order, every element inside its lane's band, the Tools row, overlays,
checked on the coordinates of the SVG that graphviz writes."""

from __future__ import annotations

import random
import re
import time

import pytest
from lxml import etree

from engine.errors import InvalidDataError
from engine.render.layout import lay_out
from engine.render.model import Flow, Node, Overlay, Swimlanes, ToolGroup, customer_first, swimlanes_from_bpmn
from engine.render.svg_text import text_width
from engine.render.swimlane import build_swimlane, render
from tests.conftest import BPMN, read
from tests.integration.metrics_log import KEY, build_log

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg: bytes) -> dict[str, tuple[float, float, float, float]]:
    """Each node group's id -> (x0, y0, x1, y1) of its shape, in SVG coordinates (y down)."""
    root = etree.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        xs, ys = [], []
        for poly in g.iter(f"{SVG}polygon", f"{SVG}polyline"):
            for pair in poly.get("points", "").split():
                x, y = pair.split(",")
                xs.append(float(x))
                ys.append(float(y))
        for path in g.iter(f"{SVG}path"):  # rounded boxes are drawn as paths
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
            xs += numbers[0::2]
            ys += numbers[1::2]
        for e in g.iter(f"{SVG}ellipse"):
            cx, cy, rx, ry = (float(e.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        if xs:
            out[g.get("id")] = (min(xs), min(ys), max(xs), max(ys))
    return out


def lane_headers(svg: bytes) -> list[str]:
    """Lane names top to bottom, read from the header boxes' text."""
    root = etree.fromstring(svg)
    found = []
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        if gid.startswith("lane-") and gid.endswith("-header"):
            y = min(float(t.get("y")) for t in g.iter(f"{SVG}text"))
            found.append((y, " ".join(t.text or "" for t in g.iter(f"{SVG}text"))))
    return [name for _, name in sorted(found)]


def assert_inside_lanes(d: Swimlanes, svg: bytes) -> None:
    shapes = boxes(svg)
    layout = lay_out(d)
    for n in d.nodes:
        band = shapes[f"lane-{[b.name for b in layout.lanes].index(layout.lane_of[n.id])}-band"]
        x0, y0, x1, y1 = shapes[f"el-{n.id}"]
        assert band[1] <= y0 and y1 <= band[3] and band[0] <= x0 and x1 <= band[2], n.id


def test_the_deployed_model_with_measurements(kapula, clock):
    build_log(kapula, clock)
    svg = kapula.swimlane(KEY, view="tem")
    assert lane_headers(svg) == ["Asiakas", "SEK", "ELY"]  # the model lists the customer's lane last
    shapes = boxes(svg)
    tools, lanes = shapes["tools-band"], [shapes[f"lane-{i}-band"] for i in range(3)]
    assert all(lane[3] <= tools[1] + 0.5 for lane in lanes)  # the Tools row is the bottom one
    note = shapes["tool-0"]
    assert tools[1] <= note[1] and note[3] <= tools[3]
    text = svg.decode()
    assert "Lomake: Kuvaa tarve" in text and "tarve.json" not in text  # Task_describe's form by name, not file, in the Tools row
    assert "mediaani 3 t" in text and "1 odottaa nyt" in text and "3× siirto" in text
    # the form sits in Task_describe's column
    describe = shapes["el-Task_describe"]
    assert describe[0] <= (note[0] + note[2]) / 2 <= describe[2]
    d = swimlanes_from_bpmn(read("three_lanes.bpmn")[1], KEY)
    assert_inside_lanes(d, svg)
    start, end = shapes["el-StartEvent_need"], shapes["el-EndEvent_done"]
    assert start[0] < describe[0] and end[0] > shapes["el-Task_feedback"][2]  # flow order left to right


def test_png_pdf_and_unknown_formats(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    assert kapula.swimlane(KEY, "png", measured=False).startswith(b"\x89PNG")
    assert kapula.swimlane(KEY, "pdf", measured=False).startswith(b"%PDF")
    with pytest.raises(InvalidDataError):
        kapula.swimlane(KEY, "gif")


def test_customer_lane_goes_first_and_holds_start_and_end():
    assert customer_first(["SEK", "ELY", "Asiakas"]) == ("Asiakas", "SEK", "ELY")
    d = Swimlanes(
        "k",
        "k",
        customer_first(["SEK", "Asiakas"]),
        (Node("s", "", "startEvent", "SEK"), Node("t", "Työ", "userTask", "SEK"), Node("e", "", "endEvent", "SEK")),
        (Flow("s", "t"), Flow("t", "e")),
    )
    layout = lay_out(d)
    assert layout.lane_of == {"s": "Asiakas", "t": "SEK", "e": "Asiakas"}
    assert_inside_lanes(d, render(build_swimlane(d)))


def test_a_diagram_without_lanes():
    name, content = read("bpmnio_simple.bpmn")
    key = etree.fromstring(content).find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process").get("id")
    d = swimlanes_from_bpmn(content, key, filename=name)
    assert d.nodes
    svg = render(build_swimlane(d))
    assert "lane-0-band" in boxes(svg) and "tools-band" not in boxes(svg)  # no forms, no card: no Tools row
    assert_inside_lanes(d, svg)


def test_loops_do_not_break_the_flow_order():
    d = swimlanes_from_bpmn(read("loop.bpmn")[1], "Loop_demo")
    layout = lay_out(d)
    assert len(set(layout.positions.values())) == len(d.nodes)  # nothing drawn on top of another


def big_diagram(n: int = 300, lanes: int = 20, seed: int = 1) -> Swimlanes:
    """A random diagram of n elements over `lanes` lanes, with forward skips and loops back."""
    rnd = random.Random(seed)
    names = ("Asiakas", *(f"Organisaatio {i}" for i in range(1, lanes)))
    kinds = ["userTask"] * 6 + ["exclusiveGateway", "intermediateCatchEvent"]
    nodes = [Node("start", "Alku", "startEvent", "Asiakas")]
    nodes += [Node(f"n{i}", f"Vaihe {i}", rnd.choice(kinds), rnd.choice(names)) for i in range(1, n - 1)]
    nodes.append(Node("end", "Loppu", "endEvent", "Asiakas"))
    flows = [Flow(nodes[i].id, nodes[i + 1].id) for i in range(n - 1)]
    flows += [Flow(nodes[i].id, nodes[min(n - 1, i + rnd.randint(2, 6))].id) for i in range(0, n - 2, 7)]
    flows += [Flow(nodes[i].id, nodes[max(1, i - rnd.randint(2, 9))].id) for i in range(10, n - 2, 25)]
    tools = tuple(ToolGroup(f"s{i}", (nodes[i].id,), (f"lomake_{i}.json",)) for i in range(1, n, 10))
    return Swimlanes("big", "Iso", names, tuple(nodes), tuple(flows), tools)


def test_hundreds_of_elements_and_dozens_of_lanes():
    d = big_diagram(300, 20)
    started = time.perf_counter()
    svg = render(build_swimlane(d))
    assert time.perf_counter() - started < 10  # a few seconds at most; bench/ has the real timing
    assert_inside_lanes(d, svg)
    assert lane_headers(svg)[0] == "Asiakas" and len(lane_headers(svg)) == 20


def test_the_reference_models_render(kapula):
    files = [
        (p.name, p.read_bytes())
        for p in sorted((BPMN.parent.parent.parent / "bpmn").glob("*"))
        if p.suffix in (".bpmn", ".dmn", ".json") and p.name != "demo_cases.json"
    ]
    if not files:
        pytest.skip("no reference models in bpmn/")
    deployed = kapula.deploy(files).versions
    for version in deployed:
        svg = kapula.swimlane(version.key, measured=False, view="tem")
        assert lane_headers(svg)[0] == "Asiakas", version.key
        assert "tools-band" in boxes(svg)
        laid_out = etree.fromstring(kapula.swimlane(version.key, measured=False))  # the default: as drawn in the file
        assert laid_out.get("class") == "kapula-diagram" and any(
            g.get("data-kind") == "lane" for g in laid_out.iter(f"{SVG}g")
        ), version.key


def test_the_tools_row_is_drawn_only_when_it_has_tools():
    nodes = (Node("s", "", "startEvent", "Asiakas"), Node("t", "Työ", "userTask", "SEK"), Node("e", "", "endEvent", "Asiakas"))
    bare = Swimlanes("k", "k", ("Asiakas", "SEK"), nodes, (Flow("s", "t"), Flow("t", "e")))
    svg = render(build_swimlane(bare))
    assert "tools-band" not in boxes(svg) and "tools-header" not in boxes(svg) and "Työkalut" not in svg.decode()
    assert lay_out(bare).height == lay_out(bare).lanes[-1].top + lay_out(bare).lanes[-1].height  # no empty row below
    with_tools = Swimlanes("k", "k", ("Asiakas", "SEK"), nodes, bare.flows, (ToolGroup("Työ", ("t",), ("Opas",)),))
    svg = render(build_swimlane(with_tools))
    assert "tools-band" in boxes(svg) and "Työkalut" in svg.decode()


LONG_LANE = "Etelä-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskuksen yritysrahoituksen palvelut ja neuvonta"
LONG_TASK = "Tee jälkihoitosuunnitelma, kirjaa asiakkaan toiveet ja ohjaa asiakas seuraavalle toimijalle " * 2


def test_long_lane_and_task_names_stay_inside_their_boxes_with_the_full_name_as_title():
    nodes = (
        Node("s", "", "startEvent", "Asiakas"),
        Node("t", LONG_TASK.strip(), "userTask", LONG_LANE),
        Node("e", "", "endEvent", "Asiakas"),
    )
    d = Swimlanes("k", "k", ("Asiakas", LONG_LANE), nodes, (Flow("s", "t"), Flow("t", "e")))
    svg = render(build_swimlane(d, Overlay(median_seconds={"t": 3600.0})))
    shapes, root = boxes(svg), etree.fromstring(svg)
    for gid in ("el-t", "lane-1-header"):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)
        x0, y0, x1, y1 = shapes[gid]
        for t in group.iter(f"{SVG}text"):
            line, size, x, y = t.text or "", float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            half = text_width(line, size) / 2  # text-anchor middle
            assert x0 <= x - half and x + half <= x1 and y0 <= y - size and y <= y1, (gid, line)
        assert group.findtext(f"{SVG}title") == (LONG_TASK.strip() if gid == "el-t" else LONG_LANE)
        assert "…" in "".join(group.itertext())
    assert "mediaani 1 t" in svg.decode()  # the measured value is still shown under the shortened name
    assert_inside_lanes(d, svg)
