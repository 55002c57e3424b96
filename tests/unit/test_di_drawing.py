"""The DI drawing is faithful: for every BPMNShape of every MIWG reference model's diagrams the SVG
has a shape of the same kind at the same bounds (±1 px), and every BPMNEdge its waypoints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn_xml.secure import parse_xml
from engine.render.di_model import read_diagrams
from engine.render.di_svg import build_di_svg, svg_bytes
from engine.render.model import Overlay

MIWG = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "miwg").glob("*.bpmn"))
SVG = "{http://www.w3.org/2000/svg}"
NS = {
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def outline_box(element: etree._Element) -> tuple[float, float, float, float]:
    """x, y, width, height of a drawn outline, from its own geometry."""
    tag = element.tag.removeprefix(SVG)
    f = lambda name: float(element.get(name))  # noqa: E731
    if tag == "rect":
        return f("x"), f("y"), f("width"), f("height")
    if tag == "ellipse":
        return f("cx") - f("rx"), f("cy") - f("ry"), 2 * f("rx"), 2 * f("ry")
    numbers = [float(n) for n in NUMBER.findall(element.get("points") or element.get("d") or "")]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def reference(path: Path) -> list[tuple[list[tuple[str, str, tuple[float, ...]]], list[tuple[str, list[tuple[float, float]]]]]]:
    """Per BPMNDiagram: (element id, semantic tag, bounds) of each shape, (element id, waypoints) of each edge,
    read straight from the file, independently of the renderer."""
    root = etree.parse(str(path)).getroot()
    tags = {e.get("id"): etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    out = []
    for diagram in root.iterfind(".//bpmndi:BPMNDiagram", NS):
        shapes = []
        for shape in diagram.iterfind(".//bpmndi:BPMNShape", NS):
            b = shape.find("dc:Bounds", NS)
            ref = shape.get("bpmnElement")
            shapes.append((ref, tags[ref], tuple(float(b.get(a)) for a in ("x", "y", "width", "height"))))
        edges = [
            (e.get("bpmnElement") or e.get("id"), [(float(w.get("x")), float(w.get("y"))) for w in e.iterfind("di:waypoint", NS)])
            for e in diagram.iterfind(".//bpmndi:BPMNEdge", NS)
        ]
        out.append((shapes, edges))
    return out


def draw(path: Path, overlay: Overlay | None = None) -> list[etree._Element]:
    root = parse_xml(path.read_bytes(), filename=path.name).getroot()
    return [etree.fromstring(svg_bytes(build_di_svg(d, overlay))) for d in read_diagrams(root)]


def test_all_21_reference_models_are_here():
    assert len(MIWG) == 21


@pytest.mark.parametrize("path", MIWG, ids=[p.stem for p in MIWG])
def test_every_di_shape_and_edge_is_drawn_where_the_file_puts_it(path: Path):
    drawings = draw(path)
    expected = reference(path)
    assert len(drawings) == len(expected) >= 1
    for svg, (shapes, edges) in zip(drawings, expected, strict=True):
        drawn = {g.get("data-element-id"): g for g in svg.iter(f"{SVG}g") if g.get("class", "").startswith("shape ")}
        for element_id, tag, bounds in shapes:
            g = drawn.get(element_id)
            assert g is not None, f"{path.name}: no shape drawn for {tag} {element_id}"
            assert g.get("data-kind") == tag
            box = outline_box(g[0])
            assert g[0].get("class") == "outline"
            assert all(abs(a - b) <= 1 for a, b in zip(box, bounds, strict=True)), (
                f"{path.name}: {tag} {element_id} at {box}, DI says {bounds}"
            )
        assert len(drawn) == len(shapes)
        lines = {g.get("data-element-id"): g for g in svg.iter(f"{SVG}g") if g.get("class") == "edge"}
        for element_id, waypoints in edges:
            line = lines[element_id][0]
            points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
            assert len(points) == len(waypoints)
            assert all(abs(a - c) <= 1 and abs(b - d) <= 1 for (a, b), (c, d) in zip(points, waypoints, strict=True)), element_id
        assert len(lines) == len(edges)


def _kind(svg: etree._Element, element_id: str) -> etree._Element:
    return next(
        g for g in svg.iter(f"{SVG}g") if g.get("data-element-id") == element_id and g.get("class", "").startswith("shape ")
    )


def test_markers_of_b_1_0_match_the_standard():
    """B.1.0 (descriptive conformance): the markers that tell the kinds apart are drawn."""
    (svg,) = draw(next(p for p in MIWG if p.name == "B.1.0.bpmn"))
    kinds = [g.get("data-kind") for g in svg.iter(f"{SVG}g") if g.get("class", "").startswith("shape ")]
    for kind in (
        "participant",
        "lane",
        "userTask",
        "serviceTask",
        "callActivity",
        "subProcess",
        "exclusiveGateway",
        "parallelGateway",
        "dataObjectReference",
        "dataStoreReference",
        "textAnnotation",
        "group",
        "endEvent",
    ):
        assert kind in kinds, kind
    collapsed = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "marker marker-collapsed"]
    assert len(collapsed) == 2  # "Call Activity Collapsed" and "Collapsed Sub-Process"
    texts = " ".join(t for t in svg.itertext())
    for name in ("Start Event Timer", "Text Annotation", "Group", "Data Store Reference", "Message Flow 1"):
        assert all(word in texts for word in name.split()), name


def test_boundary_events_sit_on_their_host():
    (svg,) = draw(next(p for p in MIWG if p.name == "A.3.0.bpmn"))
    root = parse_xml(next(p for p in MIWG if p.name == "A.3.0.bpmn").read_bytes(), filename="A.3.0.bpmn").getroot()
    (d,) = read_diagrams(root)
    shapes = {s.element_id: s for s in d.shapes}
    boundary = [s for s in d.shapes if s.kind == "boundaryEvent"]
    assert boundary
    for s in boundary:
        host = shapes[s.host].bounds
        assert (
            host.x - s.bounds.w <= s.bounds.cx <= host.x + host.w + s.bounds.w
            and host.y - s.bounds.h <= s.bounds.cy <= host.y + host.h + s.bounds.h
        )
        assert _kind(svg, s.element_id).getparent().get("class") == "layer-boundary"  # drawn over its host


def test_overlays_sit_on_the_di_shapes_with_a_legend():
    path = next(p for p in MIWG if p.name == "A.4.0.bpmn")
    root = parse_xml(path.read_bytes(), filename=path.name).getroot()
    (d,) = read_diagrams(root)
    tasks = [s for s in d.shapes if s.kind == "task"]
    overlay = Overlay(
        median_seconds={tasks[0].element_id: 7200.0, tasks[1].element_id: 3600.0}, waiting_now={tasks[1].element_id: 3}
    )
    (svg,) = draw(path, overlay)
    median = next(
        g
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "overlay overlay-median" and g.get("data-element-id") == tasks[0].element_id
    )
    assert "mediaani 2 t" in "".join(median.itertext())
    assert float(median[0].get("x")) == tasks[0].bounds.x  # on the shape's own corner
    assert _kind(svg, tasks[0].element_id)[0].get("fill") == "#de2d26"  # the slowest is the reddest
    waiting = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "overlay overlay-waiting")
    assert "".join(waiting.itertext()) == "3"
    assert any(g.get("class") == "legend" for g in svg.iter(f"{SVG}g"))


def test_the_benchmark_diagram_is_drawn_faithfully_too(tmp_path: Path):
    """bench/drawing_bench.py's generated diagram (here 40 elements in 6 lanes) passes the same check."""
    from bench.drawing_bench import big_diagram

    path = tmp_path / "big.bpmn"
    path.write_bytes(big_diagram(40, 6))
    (svg,) = draw(path)
    ((shapes, edges),) = reference(path)
    drawn = {g.get("data-element-id"): g for g in svg.iter(f"{SVG}g") if g.get("class", "").startswith("shape ")}
    assert len(shapes) == 1 + 6 + 40 and len(edges) == 39
    for element_id, tag, bounds in shapes:
        assert drawn[element_id].get("data-kind") == tag
        assert all(abs(a - b) <= 1 for a, b in zip(outline_box(drawn[element_id][0]), bounds, strict=True))


@pytest.mark.parametrize("path", MIWG, ids=[p.stem for p in MIWG])
def test_every_process_of_a_stored_version_is_drawn_as_laid_out(path: Path):
    """From a version's stored source files (name -> text), each process of the model is drawn
    from the diagram that shows it, with measured values on its first task when there is one."""
    from engine.render.drawing import draw_version

    text = path.read_bytes().decode("utf-8")
    root = etree.fromstring(path.read_bytes())
    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    for process in root.iter(f"{bpmn}process"):
        ids = {e.get("id") for e in process.iter() if e.get("id")}
        tasks = [e.get("id") for e in process.iter(f"{bpmn}task", f"{bpmn}userTask", f"{bpmn}serviceTask")]
        overlay = Overlay(median_seconds={tasks[0]: 5400.0}, waiting_now={tasks[0]: 1}) if tasks else None
        svg = etree.fromstring(draw_version({path.name: text}, process.get("id"), None, overlay))
        drawn = {g.get("data-element-id") for g in svg.iter(f"{SVG}g")}
        if not ids & {s for s, _, _ in [x for shapes, _ in reference(path) for x in shapes]}:
            continue  # a process no diagram of the file shows (drawn by the TEM rules instead)
        assert svg.get("class") == "kapula-diagram", process.get("id")
        assert ids & drawn
        if tasks and tasks[0] in drawn:
            assert any(g.get("class") == "overlay overlay-median" for g in svg.iter(f"{SVG}g"))


def test_a_name_cut_to_fit_its_shape_is_the_shapes_tooltip():
    # a long task or lane name ends in "…" inside its shape; the whole name is the shape's <title>
    from engine.render.di_model import Box
    from engine.render.svg_text import svg_root, text_block

    long = "Tee jälkihoitosuunnitelma, kirjaa asiakkaan toiveet ja ohjaa asiakas seuraavalle toimijalle " * 3
    root = svg_root(200, 100, (0, 0, 200, 100))
    shape = etree.SubElement(root, f"{SVG}g")
    text_block(shape, long, Box(0, 0, 100, 80))
    assert "…" in "".join(shape.itertext()) and shape.findtext(f"{SVG}title") == long.strip()
    short = etree.SubElement(root, f"{SVG}g")
    text_block(short, "Kuvaa tarve", Box(0, 0, 100, 80))
    assert short.find(f"{SVG}title") is None
