"""Every model in bpmn/ opens cleanly in bpmn.io: bpmn-js (the modeler behind bpmn.io, in Debian's
Chromium) imports it without warnings and draws every lane, flow node and sequence flow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELER = ROOT / "tools" / "bpmnjs" / "node_modules" / "bpmn-js" / "dist" / "bpmn-modeler.production.min.js"
CHROMIUM = Path("/usr/bin/chromium")
MODELS = sorted((ROOT / "bpmn").glob("*.bpmn"))

_IMPORT = """async (xml) => {
  document.querySelector('#canvas').innerHTML = '';
  const modeler = new BpmnJS({ container: '#canvas' });
  let warnings;
  try {
    ({ warnings } = await modeler.importXML(xml));
  } catch (err) {
    return { error: err.message };
  }
  const registry = modeler.get('elementRegistry');
  const drawn = registry.getAll().map((e) => e.type);
  const missing = registry.filter((e) => e.type !== 'label' && (e.width === 0 && !e.waypoints));
  modeler.get('canvas').zoom('fit-viewport');
  return {
    warnings: warnings.map((w) => w.message),
    lanes: drawn.filter((t) => t === 'bpmn:Lane').length,
    flows: drawn.filter((t) => t === 'bpmn:SequenceFlow').length,
    shapes: drawn.length,
    zeroSized: missing.map((e) => e.id),
  };
}"""


@pytest.fixture(scope="module")
def page():
    if not MODELER.exists():
        pytest.fail(f"{MODELER} is missing: run scripts/install.sh (it installs tools/bpmnjs with npm)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.set_content('<div id="canvas" style="width:1600px;height:900px"></div>')
        page.add_script_tag(path=str(MODELER))
        yield page
        browser.close()


def _counts(xml: str) -> tuple[int, int]:
    from lxml import etree

    root = etree.fromstring(xml.encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    return len(root.findall(".//bpmn:lane", ns)), len(root.findall(".//bpmn:sequenceFlow", ns))


@pytest.mark.parametrize("model", MODELS, ids=[m.name for m in MODELS])
def test_bpmn_io_opens_the_model_without_warnings(page, model: Path, tmp_path: Path):
    xml = model.read_text(encoding="utf-8")
    result = page.evaluate(_IMPORT, xml)
    assert result.get("error") is None
    assert result["warnings"] == []
    lanes, flows = _counts(xml)
    assert (result["lanes"], result["flows"]) == (lanes, flows), "every lane and sequence flow is drawn"
    assert result["zeroSized"] == []
    shots = Path(os.environ.get("KAPULA_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / f"bpmn-io-{model.stem}.png"))


def test_a_diagram_without_diagram_interchange_is_reported(page):
    xml = (ROOT / "tests" / "fixtures" / "bpmn" / "loop.bpmn").read_text(encoding="utf-8")
    stripped = xml[: xml.index("<bpmndi:BPMNDiagram")] + "</bpmn:definitions>\n"
    result = page.evaluate(_IMPORT, stripped)
    assert result == {"error": "no diagram to display"}  # so a model without DI fails the check above
