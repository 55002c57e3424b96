"""The interface words of the engine's drawings and process cards in the pages' languages.

The engine cannot use the pages' catalogs (api/web/locale, docs/adr/0005: engine/ never imports
api/), so engine/render keeps its own small one here: the message ids are the Finnish texts (as in
the pages' catalogs, fi is the source itself), with Swedish (as Finland's public services write
it) and British English, in the words the pages use (bana, överlämning, medianlängd; lane,
handoff, median duration). What the process owner wrote (names, contents, metric names) is never
looked up here: it stays as written. A text with variables is a %-format: `_("Alkaa: %(start)s",
start=...)`. tests/unit/test_render_words.py checks each sv and en entry against the ids used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.display import DEFAULT_LOCALE, LANGUAGES

SV: dict[str, str] = {
    # the process card (engine/render/card.py)
    "*(ei kuvattu prosessikortissa)*": "*(inte beskrivet i processkortet)*",
    "Prosessityyppi: %(type)s. Omistaja: %(owner)s.": "Processtyp: %(type)s. Ägare: %(owner)s.",
    "1. Tarkoitus ja tavoitteet": "1. Syfte och mål",
    "Rajaus: %(scope)s": "Avgränsning: %(scope)s",
    "Alkaa: %(start)s": "Börjar: %(start)s",
    "Päättyy: %(end)s": "Slutar: %(end)s",
    "2. Vastuut": "2. Ansvar",
    "Prosessin omistaja: %(owner)s": "Processägare: %(owner)s",
    "Osallistuvat organisaatiot: %(names)s": "Deltagande organisationer: %(names)s",
    "Organisaatioiden tehtävät kaaviossa": "Organisationernas uppgifter i diagrammet",
    "kaista": "bana",
    "tehtävät": "uppgifter",
    "3. Prosessikaavio": "3. Processdiagram",
    "%(name)s: uimaratakaavio": "%(name)s: simbanediagram",
    "Kaavio sellaisena kuin mallintaja sen piirsi.": "Diagrammet så som modelleraren ritade det.",
    "Asiakas ylimpänä, yksi kaista organisaatiota kohden, vaiheet vasemmalta oikealle, työkalut alimmalla rivillä.": "Kunden överst, en bana per organisation, skedena från vänster till höger, verktygen på nedersta raden.",
    "Tehtävissä mitattu mediaanikesto; kaistojen välisissä siirroissa kapulanvaihtojen määrä.": "I uppgifterna den uppmätta medianlängden; i övergångarna mellan banor antalet överlämningar.",
    "4. Vaiheet ja sisältö": "4. Skeden och innehåll",
    "Kaistat: %(lanes)s": "Banor: %(lanes)s",
    "Työkalut: %(tools)s": "Verktyg: %(tools)s",
    "Mitattu mediaanikesto: %(measured)s": "Uppmätt medianlängd: %(measured)s",
    "Kriittinen menestystekijä: %(factor)s": "Kritisk framgångsfaktor: %(factor)s",
    "5. Mittarit ja tavoitteet": "5. Mätare och mål",
    "mittari": "mätare",
    "tavoite": "mål",
    "tiedon lähde": "datakälla",
    "missä käsitellään": "var det behandlas",
    "mitattu arvo": "uppmätt värde",
    "Läpimenoaika (mediaani)": "Genomloppstid (median)",
    "tapahtumaloki": "händelseloggen",
    "Kapulanvaihdot / tapaus (ka.)": "Överlämningar / ärende (medel)",
    "Tapaukset": "Ärenden",
    "%(started)s aloitettu, %(completed)s valmis, %(open)s kesken": "%(started)s påbörjade, %(completed)s klara, %(open)s pågående",
    "Mitattu %(when)s (%(zone)s); kuluvan jakson arvo ja ennuste jakson loppuun.": "Uppmätt %(when)s (%(zone)s); innevarande periods värde och prognos till periodens slut.",
    "/ vuosi": "/ år",
    "/ puolivuosi": "/ halvår",
    "/ neljännes": "/ kvartal",
    "/ kk": "/ mån.",
    "/ tapaus": "/ ärende",
    "raportoidaan käsin": "rapporteras manuellt",
    "ei vielä tietoa": "inga uppgifter ännu",
    "%(value)s (%(share)s tavoitteesta)": "%(value)s (%(share)s av målet)",
    "%(value)s (%(share)s tavoitteesta, ennuste %(projection)s)": "%(value)s (%(share)s av målet, prognos %(projection)s)",
    "6. Jatkuva parantaminen": "6. Ständig förbättring",
    "Vastuu: %(who)s": "Ansvar: %(who)s",
    "Miten: %(how)s": "Hur: %(how)s",
    "Kuvauksen katselmointi: %(review)s": "Granskning av beskrivningen: %(review)s",
    # the drawings (swimlane.py, di_overlay.py, model.py)
    "Työkalut": "Verktyg",
    "Lomake: %(title)s": "Blankett: %(title)s",
    "mediaani %(duration)s": "median %(duration)s",
    "%(count)s odottaa nyt": "%(count)s väntar nu",
    "%(count)s× siirto": "%(count)s× överlämning",
    "Mitattu": "Uppmätt",
    "mediaanikesto 0 – %(duration)s": "medianlängd 0 – %(duration)s",
    "tehtäviä odottaa nyt": "uppgifter väntar nu",
    "kapulanvaihdot (siirrot kaistalta toiselle)": "överlämningar (från bana till bana)",
}

EN: dict[str, str] = {
    "*(ei kuvattu prosessikortissa)*": "*(not described in the process card)*",
    "Prosessityyppi: %(type)s. Omistaja: %(owner)s.": "Process type: %(type)s. Owner: %(owner)s.",
    "1. Tarkoitus ja tavoitteet": "1. Purpose and goals",
    "Rajaus: %(scope)s": "Scope: %(scope)s",
    "Alkaa: %(start)s": "Starts: %(start)s",
    "Päättyy: %(end)s": "Ends: %(end)s",
    "2. Vastuut": "2. Responsibilities",
    "Prosessin omistaja: %(owner)s": "Process owner: %(owner)s",
    "Osallistuvat organisaatiot: %(names)s": "Participating organisations: %(names)s",
    "Organisaatioiden tehtävät kaaviossa": "The organisations' tasks in the diagram",
    "kaista": "lane",
    "tehtävät": "tasks",
    "3. Prosessikaavio": "3. Process diagram",
    "%(name)s: uimaratakaavio": "%(name)s: swimlane diagram",
    "Kaavio sellaisena kuin mallintaja sen piirsi.": "The diagram as its modeller drew it.",
    "Asiakas ylimpänä, yksi kaista organisaatiota kohden, vaiheet vasemmalta oikealle, työkalut alimmalla rivillä.": "The customer on top, one lane per organisation, stages from left to right, tools on the bottom row.",
    "Tehtävissä mitattu mediaanikesto; kaistojen välisissä siirroissa kapulanvaihtojen määrä.": "On tasks the measured median duration; on flows between lanes the number of handoffs.",
    "4. Vaiheet ja sisältö": "4. Stages and content",
    "Kaistat: %(lanes)s": "Lanes: %(lanes)s",
    "Työkalut: %(tools)s": "Tools: %(tools)s",
    "Mitattu mediaanikesto: %(measured)s": "Measured median duration: %(measured)s",
    "Kriittinen menestystekijä: %(factor)s": "Critical success factor: %(factor)s",
    "5. Mittarit ja tavoitteet": "5. Metrics and targets",
    "mittari": "metric",
    "tavoite": "target",
    "tiedon lähde": "data source",
    "missä käsitellään": "where it is reviewed",
    "mitattu arvo": "measured value",
    "Läpimenoaika (mediaani)": "Lead time (median)",
    "tapahtumaloki": "event log",
    "Kapulanvaihdot / tapaus (ka.)": "Handoffs / case (mean)",
    "Tapaukset": "Cases",
    "%(started)s aloitettu, %(completed)s valmis, %(open)s kesken": "%(started)s started, %(completed)s completed, %(open)s in progress",
    "Mitattu %(when)s (%(zone)s); kuluvan jakson arvo ja ennuste jakson loppuun.": "Measured %(when)s (%(zone)s); the current period's value and its projection to the period's end.",
    "/ vuosi": "/ year",
    "/ puolivuosi": "/ half-year",
    "/ neljännes": "/ quarter",
    "/ kk": "/ month",
    "/ tapaus": "/ case",
    "raportoidaan käsin": "reported by hand",
    "ei vielä tietoa": "no data yet",
    "%(value)s (%(share)s tavoitteesta)": "%(value)s (%(share)s of target)",
    "%(value)s (%(share)s tavoitteesta, ennuste %(projection)s)": "%(value)s (%(share)s of target, projection %(projection)s)",
    "6. Jatkuva parantaminen": "6. Continuous improvement",
    "Vastuu: %(who)s": "Responsible: %(who)s",
    "Miten: %(how)s": "How: %(how)s",
    "Kuvauksen katselmointi: %(review)s": "Review of the description: %(review)s",
    "Työkalut": "Tools",
    "Lomake: %(title)s": "Form: %(title)s",
    "mediaani %(duration)s": "median %(duration)s",
    "%(count)s odottaa nyt": "%(count)s waiting now",
    "%(count)s× siirto": "%(count)s× handoff",
    "Mitattu": "Measured",
    "mediaanikesto 0 – %(duration)s": "median duration 0 – %(duration)s",
    "tehtäviä odottaa nyt": "tasks waiting now",
    "kapulanvaihdot (siirrot kaistalta toiselle)": "handoffs (from lane to lane)",
}

CATALOGS: dict[str, dict[str, str]] = {"fi": {}, "sv": SV, "en": EN}


def language(locale: str | None) -> str:
    """One of display.LANGUAGES for a locale ("sv", "sv_FI", "en-GB"); anything else is the
    default, Finnish."""
    primary = (locale or DEFAULT_LOCALE).replace("-", "_").split("_")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LOCALE


def words(locale: str | None) -> Callable[..., str]:
    """The translator of `locale`: `_(finnish_text, **variables)` -> the text in that language
    (the Finnish text itself for fi or a text without an entry), %-formatted with `variables`."""
    catalog = CATALOGS[language(locale)]

    def translate(message: str, **variables: Any) -> str:
        text = catalog.get(message, message)
        return text % variables if variables else text

    return translate
