"""bpmn.io's parser (bpmn-moddle, inside the bpmn-js viewer Kapula ships in api/web/static) reads every
MIWG reference model, and the only warnings are those the reference file itself causes: an
ISO-8859-1 declaration (bpmn-moddle reads UTF-8 only), C.7.0's DI edge that names no element (it
links a data object to a sequence flow), C.8.1's references to Trisotech's `triso:unspecified`.
Anything else (a file Kapula changed, a warning from how it is served) fails."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEWER = ROOT / "api" / "web" / "static" / "bpmn-navigated-viewer.min.js"
MIWG = sorted((ROOT / "tests" / "fixtures" / "miwg").glob("*.bpmn"))
LATIN1 = "unsupported document encoding <ISO-8859-1>, falling back to UTF-8"
OWN_WARNINGS = {
    **{name: [LATIN1] for name in ("A.1.0", "A.2.0", "A.3.0", "A.4.0", "B.1.0", "B.2.0")},
    "C.7.0": ['no bpmnElement referenced in <bpmndi:BPMNEdge id="_985753e3-a4ce-486b-908a-509d382259ed" />'],
    "C.8.1": ["unresolved reference <triso:unspecified>"] * 3,
}
_IMPORT = """async (xml) => {
  const viewer = new BpmnJS({ container: '#canvas' });
  try {
    const { warnings } = await viewer.importXML(xml);
    const shapes = viewer.get('elementRegistry').filter((e) => e.type !== 'label').length;
    viewer.destroy();
    return { warnings: warnings.map((w) => w.message), shapes };
  } catch (err) {
    return { error: err.message };
  }
}"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page()
        page.set_content('<div id="canvas" style="width:1200px;height:800px"></div>')
        page.add_script_tag(path=str(VIEWER))
        yield page
        browser.close()


@pytest.mark.parametrize("model", MIWG, ids=[m.stem for m in MIWG])
def test_bpmn_moddle_reads_the_reference_model(page, model: Path):
    result = page.evaluate(_IMPORT, model.read_bytes().decode("utf-8"))
    assert result.get("error") is None
    assert result["warnings"] == OWN_WARNINGS.get(model.stem, [])
    assert result["shapes"] > 0
