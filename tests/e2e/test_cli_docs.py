"""`kapula docs`: a TEM process card (Markdown, HTML) and a swimlane SVG for every model in bpmn/."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from engine.bundles import folder_bundles
from tests.conftest import read
from tests.integration.metrics_log import KEY, build_log

REPO = Path(__file__).resolve().parents[2]
PARTS = (
    "## 1. Tarkoitus ja tavoitteet",
    "## 2. Vastuut",
    "## 3. Prosessikaavio",
    "## 4. Vaiheet ja sisältö",
    "## 5. Mittarit ja tavoitteet",
    "## 6. Jatkuva parantaminen",
)


def test_docs_for_every_reference_model(kapula, database_url, tmp_path):
    for bundle in folder_bundles(REPO / "bpmn"):
        kapula.deploy(bundle)
    runner = CliRunner()
    result = runner.invoke(main, ["--database", database_url, "docs", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    keys = {w["key"] for w in written}
    assert keys and keys == {json.loads(p.read_text(encoding="utf-8"))["process"] for p in (REPO / "bpmn").glob("*.card.json")}
    for key in keys:
        page = (tmp_path / f"{key}.md").read_text(encoding="utf-8")
        assert all(part in page for part in PARTS), key
        assert f"]({key}.svg)" in page and "| mittari | tavoite | tiedon lähde | missä käsitellään | mitattu arvo |" in page
        assert "<h2>5. Mittarit ja tavoitteet</h2>" in (tmp_path / f"{key}.html").read_text(encoding="utf-8")
        assert (tmp_path / f"{key}.svg").read_bytes().lstrip().startswith(b"<?xml")
        assert b'class="kapula-diagram"' in (tmp_path / f"{key}.svg").read_bytes()  # the models in bpmn/ all have DI
        assert (
            b"tools&#45;band" in (tmp_path / f"{key}.tem.svg").read_bytes()
        )  # the TEM view beside it (graphviz writes - as &#45;)


def test_a_card_without_sidecar_still_has_six_parts_and_measurements(kapula, clock):
    build_log(kapula, clock)
    page = kapula.card_page(KEY)
    assert all(part in page.markdown for part in PARTS)
    assert "ei kuvattu prosessikortissa" in page.markdown
    assert "| SEK | Valmistele käynti, Jälkihoito |" in page.markdown
    assert "| Läpimenoaika (mediaani) | - | tapahtumaloki | - | 1 pv 9 t (n=2) |" in page.markdown
    assert read("three_lanes.bpmn")  # the model the log ran on


def test_the_markdown_card_writes_names_as_text_not_html_or_links(kapula):
    """Found by a tester: Markdown passes raw HTML on, so a lane named like an HTML label, or a
    process name closing the image's alt text, reached whoever renders the card."""
    from tests.unit.test_hostile_names_drawing import hostile_bpmn

    names = [
        '<<IMG SRC="/etc/passwd"/>>',
        '"]; x [URL="javascript:alert(2)" label="',
        "Tehtävä & työ",
        "<b>Lane</b>",
        "[link](javascript:alert(1))",
        "x",
        "y",
        "z",
    ]
    kapula.deploy([("odd.bpmn", hostile_bpmn(names))])
    page = kapula.card_page("p", svg_name="odd names.svg")
    assert "<" not in page.markdown and "| &lt;b&gt;Lane&lt;/b&gt; |" in page.markdown
    image = next(line for line in page.markdown.splitlines() if line.startswith("!["))
    assert image.endswith("](odd%20names.svg)") and "](javascript" not in image and image.count("](") == 1
