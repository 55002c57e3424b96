"""Draft the reference models of bpmn/ (run: python scripts/reference_models.py [KEY…]).

The .bpmn files are the source of truth once committed; this only drew their first version.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bpmn_drawing import Flow, Model, Node, draw  # noqa: E402

BPMN = Path(__file__).resolve().parents[1] / "bpmn"

SUUPOHJA_LEADS = [  # (suffix, lane id, lane name, what the lead is typically about)
    ("ely", "Lane_ely", "ELY", "kehittämisrahoitus ja kansainvälistyminen"),
    ("te", "Lane_te", "TE-toimisto", "rekrytointi ja starttiraha"),
    ("uyk", "Lane_uyk", "UYK", "yrityksen perustaminen"),
    ("proagria", "Lane_proagria", "ProAgria", "maatilayritykset"),
    ("metsakeskus", "Lane_metsakeskus", "Metsäkeskus", "metsänomistajat"),
]


def suupohja_visit() -> Model:
    lanes = [("Lane_asiakas", "Asiakas"), ("Lane_sek", "SEK")] + [(lane, name) for _, lane, name, _ in SUUPOHJA_LEADS]
    nodes = [
        Node("StartEvent_kaynti_sovittu", "start", "Yrityskäynti sovittu", "Lane_asiakas", 0,
             form="suupohja_kaynti_aloitus.json",
             doc="Käynti sovitaan kontaktointisuunnitelman pohjalta; asiakas on yritys, jonka kehittämistä käynti tukee."),
        Node("Task_valmistele", "user", "Valmistele yrityskäynti", "Lane_sek", 1, form="suupohja_valmistelu.json",
             doc="Selvitetään asiakkaan nykytila ennen käyntiä ja sovitaan, ketkä organisaatiot osallistuvat.",
             tools="Kontaktointisuunnitelma, tunnustelutyökalu"),
        Node("Task_kartoita", "user", "Kartoita asiakkaan tarpeet", "Lane_sek", 2, form="suupohja_tarvekartoitus.json",
             doc="Asiakastapaaminen: käynnin tarkoitus ja tavoitteet. Kuunnellaan ja kartoitetaan asiakkaan tarpeet ENNEN ratkaisuvaihtoehtojen esittelyä.",
             tools="Kartoitustyökalu"),
        Node("Task_esittele", "user", "Esittele ratkaisuvaihtoehdot", "Lane_sek", 3,
             doc="Esitellään tarpeisiin sopivat palvelut vasta kun tarpeet on kartoitettu."),
        Node("Task_sovi", "user", "Sovi jatkotoimenpiteet", "Lane_sek", 4, form="suupohja_toimenpiteet.json",
             doc="Sovitaan asiakkaan kanssa jatkotoimenpiteistä ja niiden vastuista."),
        Node("Timer_seuranta", "timer", "Kaksi viikkoa käynnistä", "Lane_sek", 5, timer='"P14D"',
             doc="Jälkihoito aloitetaan kahden viikon kuluttua käynnistä."),
        Node("Task_jalkihoito", "user", "Tee jälkihoitosuunnitelma ja ohjaa asiakas", "Lane_sek", 6,
             form="suupohja_jalkihoito.json",
             doc="Jälkihoito: seurantasuunnitelma ja asiakkaan ohjaus tarpeen mukaan oikealle neuvontaorganisaatiolle (liidin välitys).",
             tools="Asiakkaan oma suunnitelma"),
        Node("Gateway_ohjaus", "or", "Mihin organisaatioihin asiakas ohjataan?", "Lane_sek", 7, default="Flow_ohjaus_koonti"),
        *[Node(f"Task_liidi_{s}", "user", f"Käsittele liidi: {name}", lane, 8, form=f"suupohja_liidi_{s}.json",
               doc=f"{name} ottaa asiakkaan vastaan ({topic}) ja kirjaa, johtiko liidi toimenpiteeseen ja syntyikö uusi asiakkuus.")
          for s, lane, name, topic in SUUPOHJA_LEADS],
        Node("Gateway_koonti", "or", "Ohjaukset käsitelty", "Lane_sek", 9),
        Node("End_palvelut", "end", "Asiakas saa tarpeiden mukaiset palvelut", "Lane_asiakas", 10),
    ]
    flows = [
        Flow("StartEvent_kaynti_sovittu", "Task_valmistele"),
        Flow("Task_valmistele", "Task_kartoita"),
        Flow("Task_kartoita", "Task_esittele"),
        Flow("Task_esittele", "Task_sovi"),
        Flow("Task_sovi", "Timer_seuranta"),
        Flow("Timer_seuranta", "Task_jalkihoito"),
        Flow("Task_jalkihoito", "Gateway_ohjaus"),
        *[Flow("Gateway_ohjaus", f"Task_liidi_{s}", name=name, condition=f"'{name}' in organisaatiot")
          for s, _, name, _ in SUUPOHJA_LEADS],
        Flow("Gateway_ohjaus", "Gateway_koonti", name="ei ohjausta"),
        *[Flow(f"Task_liidi_{s}", "Gateway_koonti") for s, _, _, _ in SUUPOHJA_LEADS],
        Flow("Gateway_koonti", "End_palvelut"),
    ]
    return Model("suupohja_yrityskaynti", "Aktivoivat yrityspalvelut – yhteinen yrityskäynti", lanes, nodes, flows,
                 doc="Yritys-Suomi Suupohja: yhteinen yrityskäynti (Kauhajoki, Kurikka, Isojoki, Karijoki, Teuva). Prosessin omistaja SEK.")


MODELS = {"suupohja_yrityskaynti": suupohja_visit}


def main(keys: list[str]) -> None:
    for key in keys or list(MODELS):
        (BPMN / f"{key}.bpmn").write_text(draw(MODELS[key]()), encoding="utf-8")
        print(f"wrote bpmn/{key}.bpmn")


if __name__ == "__main__":
    main(sys.argv[1:])
