"""How long drawing a diagram takes: the DI drawing (SVG, and PNG from it) of the largest MIWG
reference model and of a generated 300-element / 20-lane diagram, and the graphviz TEM swimlanes
of the same. Target: under 1 s each for the SVG.

    python bench/drawing_bench.py            # 15 runs each, medians
    python bench/drawing_bench.py --quick    # 2 runs each (checks that it works)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bpmn_xml.secure import parse_xml  # noqa: E402
from engine.render.convert import svg_to  # noqa: E402
from engine.render.di_model import read_diagrams  # noqa: E402
from engine.render.di_svg import build_di_svg, svg_bytes  # noqa: E402
from engine.render.model import Overlay, swimlanes_from_bpmn  # noqa: E402
from engine.render.swimlane import build_swimlane, render  # noqa: E402

MIWG = ROOT / "tests" / "fixtures" / "miwg"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = {
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}


def big_diagram(elements: int = 300, lanes: int = 20) -> bytes:
    """A pool of `lanes` lanes holding `elements` flow nodes (tasks, with an exclusive gateway
    every 7th and start/end events at the ends) in one chain that zigzags between lanes, with DI."""
    root = etree.Element(f"{{{B}}}definitions", nsmap={"bpmn": B, **DI_NS}, id="big", targetNamespace="urn:bench")
    collab = etree.SubElement(root, f"{{{B}}}collaboration", id="c")
    etree.SubElement(collab, f"{{{B}}}participant", id="pool", name="Verkosto", processRef="Big")
    process = etree.SubElement(root, f"{{{B}}}process", id="Big", name="Iso prosessi", isExecutable="true")
    lane_set = etree.SubElement(process, f"{{{B}}}laneSet", id="ls")
    lane_elements = [
        etree.SubElement(lane_set, f"{{{B}}}lane", id=f"lane{i}", name="Asiakas" if i == 0 else f"Organisaatio {i}")
        for i in range(lanes)
    ]
    plane = etree.SubElement(
        etree.SubElement(root, f"{{{DI_NS['bpmndi']}}}BPMNDiagram", id="dia"),
        f"{{{DI_NS['bpmndi']}}}BPMNPlane",
        id="plane",
        bpmnElement="c",
    )
    per_lane, lane_h, col_w = elements // lanes + 1, 120, 150
    _shape(plane, "pool", 0, 0, 30 + per_lane * col_w + 60, lanes * lane_h)
    for i, lane in enumerate(lane_elements):
        _shape(plane, lane.get("id"), 30, i * lane_h, per_lane * col_w + 60, lane_h)
    boxes = []
    for n in range(elements):
        kind = "startEvent" if n == 0 else "endEvent" if n == elements - 1 else "exclusiveGateway" if n % 7 == 0 else "userTask"
        etree.SubElement(process, f"{{{B}}}{kind}", id=f"n{n}", name=f"Vaihe {n} – tarkista ja kirjaa")
        lane = (n * 3) % lanes
        etree.SubElement(lane_elements[lane], f"{{{B}}}flowNodeRef").text = f"n{n}"
        w, h = (36, 36) if kind.endswith("Event") else (50, 50) if kind.endswith("Gateway") else (100, 80)
        x, y = 80 + (n // 3) * col_w * 3 / 3 + (n % 3) * 10, lane * lane_h + (lane_h - h) / 2
        boxes.append((x, y, w, h))
        _shape(plane, f"n{n}", x, y, w, h)
    for n in range(elements - 1):
        etree.SubElement(process, f"{{{B}}}sequenceFlow", id=f"f{n}", sourceRef=f"n{n}", targetRef=f"n{n + 1}")
        (x0, y0, w0, h0), (x1, y1, _w1, h1) = boxes[n], boxes[n + 1]
        edge = etree.SubElement(plane, f"{{{DI_NS['bpmndi']}}}BPMNEdge", id=f"f{n}_di", bpmnElement=f"f{n}")
        for x, y in ((x0 + w0, y0 + h0 / 2), (x0 + w0 + 10, y0 + h0 / 2), (x0 + w0 + 10, y1 + h1 / 2), (x1, y1 + h1 / 2)):
            etree.SubElement(edge, f"{{{DI_NS['di']}}}waypoint", x=f"{x:.1f}", y=f"{y:.1f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _shape(plane: etree._Element, ref: str, x: float, y: float, w: float, h: float) -> None:
    shape = etree.SubElement(plane, f"{{{DI_NS['bpmndi']}}}BPMNShape", id=f"{ref}_di", bpmnElement=ref, isHorizontal="true")
    etree.SubElement(shape, f"{{{DI_NS['dc']}}}Bounds", x=f"{x:.1f}", y=f"{y:.1f}", width=f"{w:.1f}", height=f"{h:.1f}")


def largest_miwg() -> Path:
    """The MIWG model with the most DI shapes and edges in one diagram."""

    def size(path: Path) -> int:
        diagrams = read_diagrams(parse_xml(path.read_bytes(), filename=path.name).getroot())
        return max(len(d.shapes) + len(d.edges) for d in diagrams)

    return max(sorted(MIWG.glob("*.bpmn")), key=size)


def overlay_for(source: bytes) -> Overlay:
    """Measured values on every fourth element, so the overlays are drawn too."""
    ids = [e.get("id") for e in etree.fromstring(source).iter(f"{{{B}}}userTask", f"{{{B}}}task")]
    return Overlay(
        median_seconds={i: 3600.0 * (k % 9 + 1) for k, i in enumerate(ids[::4])},
        waiting_now={i: 2 for i in ids[::8]},
        handoffs={("Asiakas", "Organisaatio 3"): 12},
    )


def di_svg(source: bytes, overlay: Overlay) -> bytes:
    """The whole DI path a page view takes: parse, read the DI, draw, serialise."""
    root = parse_xml(source, filename="bench.bpmn").getroot()
    return svg_bytes(build_di_svg(read_diagrams(root)[0], overlay))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (graphviz runs as a child)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of `runs` calls. On a shared, loaded machine the
    CPU time is the one to compare: wall time includes waiting for a core."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, started = _cpu(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(runs: int) -> list[tuple[str, str, tuple[float, float]]]:
    """(diagram, what, (median wall s, median CPU s)) rows."""
    miwg = largest_miwg()
    big = big_diagram()
    rows = []
    for label, source, key in ((f"MIWG {miwg.stem}", miwg.read_bytes(), None), ("300 elements / 20 lanes", big, "Big")):
        overlay = overlay_for(source)
        svg = di_svg(source, overlay)
        rows.append((label, "DI drawing, SVG (parse + draw + serialise)", timed(lambda s=source, o=overlay: di_svg(s, o), runs)))
        rows.append((label, "DI drawing, PNG from that SVG (cairosvg)", timed(lambda s=svg: svg_to(s, "png"), max(1, runs // 3))))
        if key is not None:
            lanes = swimlanes_from_bpmn(source, key)
            rows.append(
                (
                    label,
                    "TEM swimlanes, SVG (graphviz neato -n2)",
                    timed(lambda d=lanes, o=overlay: render(build_swimlane(d, o), "svg"), max(1, runs // 3)),
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = measure(2 if args.quick else 15)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    print("| diagram | what | median wall | median CPU |\n|---|---|---|---|")
    for label, what, (wall, cpu) in rows:
        print(f"| {label} | {what} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
