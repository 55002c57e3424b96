"""The process card and the drawings in the reader's language (issue 15 items 2-3): the card's
headings, table headers and values and the drawings' overlays in Swedish or English, by the same
choice as the pages (api/web/i18n.py); what the process owner wrote stays as written."""

from __future__ import annotations

import json

import pytest
from lxml import html

from engine import display
from tests.conftest import read
from tests.e2e.test_pages import sign_in
from tests.integration.metrics_log import KEY, build_log
from tests.integration.test_drawing_cache import runs  # noqa: F401 (a fixture)

CARD = {
    "format": 1,
    "process": KEY,
    "name": "Siirtodemo",
    "owner": "SEK",
    "purpose": "Asiakas saa rahoituksen.",
    "start": "Asiakas kuvaa tarpeen.",
    "end": "Asiakas antaa palautteen.",
    "improvement": {"responsible": "SEK", "how": "palaute", "review": "vuosittain"},
    "phases": [
        {
            "id": "p1",
            "name": "Tarpeen kuvaus",
            "elements": ["Task_describe", "Task_prepare"],
            "lanes": ["Asiakas", "SEK"],
            "content": "Asiakas kuvaa tarpeensa.",
            "success_factors": ["Nopea vastaus"],
            "tools": ["CRM"],
        }
    ],
    "metrics": [
        {
            "id": "aloitetut",
            "name": "Aloitetut",
            "target": 20,
            "unit": "kpl",
            "period": "year",
            "data_source": "CRM",
            "processed_in": "ohjausryhmä",
            "measure": {"kind": "cases_started"},
        }
    ],
}
# the Finnish interface words of the card and the drawings: none may show in sv or en
FINNISH = (
    "Tarkoitus ja tavoitteet",
    "Vastuut",
    "Prosessikaavio",
    "Vaiheet ja sisältö",
    "Mittarit ja tavoitteet",
    "Jatkuva parantaminen",
    "Prosessityyppi",
    "Omistaja",
    "Alkaa:",
    "Päättyy:",
    "Rajaus",
    "Prosessin omistaja",
    "Osallistuvat",
    "Organisaatioiden",
    "kaista",
    "tehtävät",
    "uimaratakaavio",
    "Kaistat",
    "Työkalut",
    "Mitattu",
    "mediaani",
    "Kriittinen",
    "mittari",
    "tavoite",
    "tiedon lähde",
    "missä käsitellään",
    "mitattu arvo",
    "Läpimenoaika",
    "tapahtumaloki",
    "Kapulanvaihdot",
    "kapulanvaihdot",
    "Tapaukset",
    "aloitettu",
    "kesken",
    "/ vuosi",
    "raportoidaan",
    "ei vielä tietoa",
    "ennuste",
    "Vastuu:",
    "Miten:",
    "katselmointi",
    "ei kuvattu",
    "siirto",
    "odottaa",
    "Lomake",
    "Prosessin sivulle",
    " pv ",
)
HEADINGS = {
    "sv": (
        "1. Syfte och mål",
        "4. Skeden och innehåll",
        "5. Mätare och mål",
        "Banor: Asiakas, SEK",
        "Verktyg: CRM",
        "<th>mätare</th><th>mål</th>",
        "Uppmätt medianlängd",
        "händelseloggen",
        "Till processens sida",
    ),
    "en": (
        "1. Purpose and goals",
        "4. Stages and content",
        "5. Metrics and targets",
        "Lanes: Asiakas, SEK",
        "Tools: CRM",
        "<th>metric</th><th>target</th>",
        "Measured median duration",
        "event log",
        "To the process page",
    ),
}
OVERLAY = {
    "sv": ("× överlämning", "Uppmätt", "uppgifter väntar nu", "överlämningar (från bana till bana)"),
    "en": ("× handoff", "Measured", "tasks waiting now", "handoffs (from lane to lane)"),
}


@pytest.fixture
def carded(kapula, clock, directory, tokens):
    build_log(kapula, clock)
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), (f"{KEY}.card.json", json.dumps(CARD).encode())])
    directory.claim_ownership([KEY], "SEK")


def _finnish_in(text: str) -> list[str]:
    return [w for w in FINNISH if w in text]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_card_page_speaks_the_readers_language(client, carded, language):
    sign_in(client, "sek.neuvoja")
    r = client.get(f"/processes/{KEY}/card", headers={"Accept-Language": f"{language};q=0.9"})
    assert r.status_code == 200
    assert f'<html lang="{language}">' in r.text and all(h in r.text for h in HEADINGS[language])
    visible = html.fromstring(r.text).text_content()
    assert (
        _finnish_in(visible) == [] and "Asiakas saa rahoituksen." in visible and "Tarpeen kuvaus" in visible
    )  # the owner's words stay
    # the pages' switcher: a form posting to /language that comes back to the card
    doc = html.fromstring(r.text)
    form = doc.xpath('//form[@action="/language"]')[0]
    assert form.xpath('.//input[@name="next"]/@value') == [f"/processes/{KEY}/card"]
    assert form.xpath(".//button/@value") == [c for c in ("fi", "sv", "en") if c != language]


def test_the_card_page_is_finnish_by_default_and_follows_the_cookie(client, carded):
    sign_in(client, "sek.neuvoja")
    fi = client.get(f"/processes/{KEY}/card").text
    assert '<html lang="fi">' in fi and "4. Vaiheet ja sisältö" in fi and "<th>mittari</th>" in fi and "Prosessin sivulle" in fi
    client.cookies.set("kapula_lang", "en")
    assert "4. Stages and content" in client.get(f"/processes/{KEY}/card").text


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("view", ["auto", "tem"])
def test_a_measured_drawing_speaks_the_readers_language(client, carded, language, view):
    sign_in(client, "sek.neuvoja")
    r = client.get(f"/processes/{KEY}/swimlanes.svg?view={view}", headers={"Accept-Language": language})
    assert r.status_code == 200
    median = display.duration(7200, display.formats(language)).replace("\xa0", " ")  # the drawings write plain spaces
    assert f"median {median}" in r.text and "× " in r.text
    if view == "auto":  # the DI drawing's legend
        assert all(w in r.text for w in OVERLAY[language])
    else:  # the TEM drawing's Tools row
        assert ("Verktyg" if language == "sv" else "Tools") in r.text
    assert _finnish_in(r.text) == []


def test_the_cache_keeps_one_drawing_per_language(kapula, carded, runs):  # noqa: F811
    drawn = {lang: kapula.swimlane(KEY, view="tem", locale=lang) for lang in ("fi", "sv", "en")}
    assert runs["graphviz"] == 3 and len(set(drawn.values())) == 3
    assert all(kapula.swimlane(KEY, view="tem", locale=lang) == drawn[lang] for lang in drawn) and runs["graphviz"] == 3
    assert kapula.swimlane(KEY, view="tem") == drawn["fi"] and b"Ty\xc3\xb6kalut" in drawn["fi"]  # Finnish by default


def test_kapula_docs_writes_finnish_unless_told(kapula, carded, database_url, tmp_path):
    from click.testing import CliRunner

    from api.cli import main

    for lang, heading in (("fi", "## 4. Vaiheet ja sisältö"), ("en", "## 4. Stages and content")):
        args = ["--database", database_url, "docs", KEY, "--out", str(tmp_path / lang)] + (
            [] if lang == "fi" else ["--lang", lang]
        )
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert heading in (tmp_path / lang / f"{KEY}.md").read_text(encoding="utf-8")
