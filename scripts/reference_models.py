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


def suupohja_seminar() -> Model:
    lanes = [("Lane_asiakas", "Asiakas"), ("Lane_sek", "SEK")]
    sek = "Lane_sek"
    nodes = [
        Node("StartEvent_seminaaritarve", "start", "Yritysten kehittämistarve tunnistettu", "Lane_asiakas", 0,
             doc="Teemaseminaarit päätetään vuosisuunnittelussa (loka–marraskuu) yritysten kehittämistarpeiden pohjalta."),
        Node("Task_teema", "user", "Päätä teema alueen toimijoiden kanssa", sek, 1, form="seminaari_teema.json",
             doc="Vaihe 1: teema päätetään yhdessä alueen toimijoiden kanssa.", tools="Työsuunnitelma"),
        Node("Task_asiantuntijat", "user", "Valitse asiantuntijat", sek, 2, doc="Vaihe 2: asiantuntijoiden valinta."),
        Node("Task_tilat", "user", "Varaa tilat", sek, 3, doc="Vaihe 3: tilojen varaus."),
        Node("Task_markkinoi", "user", "Markkinoi seminaari", sek, 4, form="seminaari_markkinointi.json",
             doc="Vaihe 4: markkinointi viestintäsuunnitelman mukaan (lehti-ilmoitukset, seudun verkkokalenteri, asiakastiedotteet).",
             tools="Viestintäsuunnitelma"),
        Node("Gateway_ilmoittautuneet", "xor", "Riittävästi ilmoittautuneita?", sek, 5, default="Flow_ilmoittautuneet_peruttu"),
        Node("Timer_seminaaripaiva", "timer", "Seminaaripäivä", sek, 6, timer='"P14D"',
             doc="Seminaari pidetään kahden viikon kuluttua markkinoinnin päättymisestä."),
        Node("Task_toteuta", "user", "Toteuta seminaari", sek, 7, form="seminaari_toteutus.json",
             doc="Vaihe 5: tilaisuuden toteutus."),
        Node("Task_jatkotoimet", "user", "Kerää jatkokehitystarpeet", sek, 8, form="seminaari_jatkotoimet.json",
             doc="Vaihe 6: jälkitoimet; osallistujilta kysytään tulevia kehittämistarpeita.", tools="Kontaktointisuunnitelma"),
        Node("End_tietoiset", "end", "Yritykset tuntevat alueen palvelut", "Lane_asiakas", 9),
        Node("End_peruttu", "end", "Seminaari peruttu", "Lane_asiakas", 6.5),
    ]
    flows = [
        Flow("StartEvent_seminaaritarve", "Task_teema"),
        Flow("Task_teema", "Task_asiantuntijat"),
        Flow("Task_asiantuntijat", "Task_tilat"),
        Flow("Task_tilat", "Task_markkinoi"),
        Flow("Task_markkinoi", "Gateway_ilmoittautuneet"),
        Flow("Gateway_ilmoittautuneet", "Timer_seminaaripaiva", name="vähintään 10", condition="ilmoittautuneet >= 10"),
        Flow("Gateway_ilmoittautuneet", "End_peruttu", name="alle 10"),
        Flow("Timer_seminaaripaiva", "Task_toteuta"),
        Flow("Task_toteuta", "Task_jatkotoimet"),
        Flow("Task_jatkotoimet", "End_tietoiset"),
    ]
    return Model("suupohja_teemaseminaari", "Aktivoivat yrityspalvelut – yhteinen teemaseminaari", lanes, nodes, flows,
                 doc="Yritys-Suomi Suupohja: yhteinen teemaseminaari kuudessa vaiheessa. Prosessin omistaja SEK.")


LU_ORGS = [  # (suffix, lane id, lane name)
    ("novago", "Lane_novago", "Novago"),
    ("te", "Lane_te", "TE-toimisto"),
    ("yrittajat", "Lane_yrittajat", "Lohjan Yrittäjät"),
    ("elinkeino", "Lane_elinkeino", "Lohjan elinkeinopalvelut"),
    ("laurea", "Lane_laurea", "Laurea"),
    ("luksia", "Lane_luksia", "Luksia"),
    ("yksityiset", "Lane_yksityiset", "Yksityiset toimijat"),
]


def lansi_uusimaa() -> Model:
    lanes = [("Lane_asiakas", "Asiakas")] + [(lane, name) for _, lane, name in LU_ORGS]
    novago = "Lane_novago"
    nodes = [
        Node("StartEvent_asiakastarve", "start", "Asiakastarve", "Lane_asiakas", 0, form="lu_yhteydenotto.json",
             doc="Asiakas ottaa yhteyttä Yritystaloon olemassa olevan tarpeen vuoksi."),
        Node("Task_maarittele", "user", "Määrittele asiakastarve", novago, 1, form="lu_tarve.json",
             doc="Selvitetään ensin, onko asiakas käyttänyt yrityspalveluja aiemmin, sekä asiakassegmentti ja tarpeet."),
        Node("Gateway_aiempi", "xor", "Onko asiakas käyttänyt yrityspalveluja aiemmin?", novago, 2, default="Flow_aiempi_esittely_ohi"),
        Node("Task_esittele", "user", "Esittele talon organisaatiot ja roolit", novago, 3,
             doc="Uudelle asiakkaalle esitellään kaikki talon organisaatiot ja niiden roolit."),
        Node("Gateway_esittely_ohi", "xor", "Esittely tehty", novago, 4),
        Node("Task_palveluopas", "user", "Anna palveluopas", novago, 5,
             doc="Palveluopas annetaan aina jokaiselle asiakkaalle.", tools="Palveluopas"),
        Node("Task_ohjaus", "rule", "Ohjaa oikealle organisaatiolle", novago, 6, decision="lu_ohjaus",
             doc="Ohjaustaulukko (bpmn/lansi_uusimaa_ohjaus.dmn): segmentti ja tarpeet → organisaatiot. Prosessin omistaja muokkaa taulukkoa koskematta kaavioon.",
             tools="Palveluopas (TEM:n asiakassegmentit)"),
        Node("Gateway_ohjaus", "or", "Mille organisaatioille asiakas ohjataan?", novago, 7),
        *[Node(f"Task_toteuta_{s}", "user", f"Toteuta palvelu: {name}", lane, 8,
               doc="Yrityspalvelun toteutus organisaatiossa (prosessin ulkopuolella, yksi tehtävä).") for s, lane, name in LU_ORGS],
        Node("Gateway_toteutettu", "or", "Palvelut toteutettu", novago, 9),
        Node("Task_arvioi", "user", "Arvioi palvelu", "Lane_asiakas", 10, form="lu_arviointi.json",
             doc="Asiakasarviointi asteikolla 1–4 (Happy-or-Not ja tyytyväisyyshaastattelut).", tools="Asiakastyytyväisyyslomake"),
        Node("Gateway_tyytyvainen", "xor", "Onko asiakas tyytyväinen?", "Lane_asiakas", 11, default="Flow_tyytyvainen_palaute"),
        Node("Task_palaute", "user", "Käsittele palaute kumppanuustiimissä", "Lane_yrittajat", 12, form="lu_palaute.json",
             doc="Kumppanuustiimi (vetäjä Lohjan Yrittäjät) käsittelee palautteen ja sopii kehittämistoimenpiteen.",
             tools="Kumppanuustiimin muistio"),
        Node("End_tyytyvainen", "end", "Tyytyväinen asiakas", "Lane_asiakas", 13),
        Node("End_palaute", "end", "Palaute käsitelty", "Lane_asiakas", 14),
    ]
    flows = [
        Flow("StartEvent_asiakastarve", "Task_maarittele"),
        Flow("Task_maarittele", "Gateway_aiempi"),
        Flow("Gateway_aiempi", "Task_esittele", name="ei", condition="not aiempi_asiakas"),
        Flow("Gateway_aiempi", "Gateway_esittely_ohi", name="kyllä", id="Flow_aiempi_esittely_ohi"),
        Flow("Task_esittele", "Gateway_esittely_ohi"),
        Flow("Gateway_esittely_ohi", "Task_palveluopas"),
        Flow("Task_palveluopas", "Task_ohjaus"),
        Flow("Task_ohjaus", "Gateway_ohjaus"),
        *[Flow("Gateway_ohjaus", f"Task_toteuta_{s}", name=name, condition=f"'{name}' in organisaatiot") for s, _, name in LU_ORGS],
        *[Flow(f"Task_toteuta_{s}", "Gateway_toteutettu") for s, _, _ in LU_ORGS],
        Flow("Gateway_toteutettu", "Task_arvioi"),
        Flow("Task_arvioi", "Gateway_tyytyvainen"),
        Flow("Gateway_tyytyvainen", "End_tyytyvainen", name="3–4", condition="tyytyvaisyys >= 3"),
        Flow("Gateway_tyytyvainen", "Task_palaute", name="1–2", id="Flow_tyytyvainen_palaute"),
        Flow("Task_palaute", "End_palaute"),
    ]
    return Model("lansi_uusimaa_yrityspalvelu", "Yrityspalveluprosessi – Yritystalo Business Lohja", lanes, nodes, flows,
                 doc="Länsi-Uusimaa (Hanko, Inkoo, Lohja, Raasepori, Siuntio): asiakas saa palvelut yhden kanavan kautta. Prosessin omistajuus kiertää vuosittain.")


def sustainability() -> Model:
    a, front, back, tuki, crm = "Lane_asiakas", "Lane_front", "Lane_back", "Lane_tuki", "Lane_crm"
    lanes = [(a, "Asiakas"), (front, "Tilitoimisto – front stage"), (back, "Tilitoimisto – back stage"),
             (tuki, "Tukitoiminnot"), (crm, "Asiakastietojärjestelmä")]
    nodes = [
        Node("StartEvent_kiinnostus", "start", "Kiinnostus tai tarve herää", a, 0, form="vr_yhteydenotto.json"),
        Node("Task_tarvekartoitus", "user", "Kartoita vastuullisuuden nykytila", front, 1, form="vr_tarvekartoitus.json",
             doc="Tarvekartoitus vastuullisuuden nykytilasta ja palvelun tarpeesta kasvotusten tai sähköisesti."),
        Node("Task_taustaselvitys", "user", "Tee taustaselvitys asiakkaasta", tuki, 2,
             doc="Taustatutkimus, toimialavertailu, markkinointi- ja viestintäsuunnitelma."),
        Node("Task_tutustu", "user", "Tutustu palvelukuvaukseen ja hinnastoon", a, 3, tools="Palvelukuvaus, hinnasto"),
        Node("Task_laajuus", "user", "Päätä asiakkuuden laajuus", back, 4, form="vr_laajuus.json",
             doc="Palveluntarjoaja päättää asiakkuuden laajentamisesta vastuullisuusraportointiin ja toteutustasosta."),
        Node("Gateway_tarjous_sisaan", "xor", "Tarjous", front, 5),
        Node("Task_tarjous", "user", "Laadi tarjous ja sopimusversio", front, 6, form="vr_tarjous.json",
             doc="Tarjous ja sopimusversio; tarkistetaan molempien järjestelmien yhteensopivuus.", tools="Tarjous, sopimusversio"),
        Node("Task_arvioi_tarjous", "user", "Arvioi tarjous", a, 7, form="vr_tarjouksen_arvio.json"),
        Node("Gateway_tarjous", "xor", "Hyväksytäänkö tarjous?", a, 8, default="Flow_tarjous_allekirjoita"),
        Node("Task_crm_hylatty", "script", "Kirjaa hylätty tarjous", crm, 9, script='crm_tila = "hylatty"'),
        Node("End_hylatty", "end", "Asiakas hylkäsi tarjouksen", a, 9, dy=-38),
        Node("Task_allekirjoita", "user", "Tarkista ja allekirjoita sopimus", a, 10, form="vr_sopimus.json",
             doc="Asiakas tarkistaa sopimuksen, allekirjoittaa ja lähettää sen; molemmat arkistoivat sopimuksen."),
        Node("Task_crm_sopimus", "script", "Päivitä asiakastiedot", crm, 11, script='crm_tila = "asiakas"'),
        Node("Task_perehdytys", "user", "Anna käyttöoikeudet ja perehdytä", front, 12, form="vr_perehdytys.json",
             doc="Käyttöoikeudet, palvelun sisältö, mittareiden valinta; tietokyselytyökalu (esim. taulukko tai verkkolomake) ja käyttötuki.",
             tools="Tietokyselytyökalu, ohjeistus"),
        Node("Task_tietovaatimukset", "user", "Vastaanota tietovaatimukset", a, 13),
        Node("Gateway_tiedot_sisaan", "xor", "Tiedonkeruu", a, 14),
        Node("Task_tiedonkeruu", "user", "Kerää tiedot ja täytä tietokysely", a, 15, form="vr_tiedonkeruu.json",
             tools="Tietokyselytyökalu"),
        Node("Task_laaduntarkistus", "user", "Tarkista tietojen laatu", back, 16, form="vr_laaduntarkistus.json"),
        Node("Gateway_laatu", "xor", "Ovatko tiedot kunnossa?", back, 17, default="Flow_laatu_raportti"),
        Node("Task_raportti", "user", "Laadi tunnusluvut ja raportti", back, 18),
        Node("Task_analysoi", "user", "Analysoi tunnusluvut ja raportti", a, 19),
        Node("Task_tavoitteet", "user", "Suunnittele vastuullisuustavoitteet", a, 20, form="vr_tavoitteet.json"),
        Node("Task_crm_valmis", "script", "Kirjaa palvelu toimitetuksi", crm, 21, script='crm_tila = "toimitettu"'),
        Node("End_tavoitteet", "end", "Vastuullisuustavoitteet suunniteltu", a, 22),
    ]
    flows = [
        Flow("StartEvent_kiinnostus", "Task_tarvekartoitus"),
        Flow("Task_tarvekartoitus", "Task_taustaselvitys"),
        Flow("Task_taustaselvitys", "Task_tutustu"),
        Flow("Task_tutustu", "Task_laajuus"),
        Flow("Task_laajuus", "Gateway_tarjous_sisaan"),
        Flow("Gateway_tarjous_sisaan", "Task_tarjous"),
        Flow("Task_tarjous", "Task_arvioi_tarjous"),
        Flow("Task_arvioi_tarjous", "Gateway_tarjous"),
        Flow("Gateway_tarjous", "Gateway_tarjous_sisaan", name="neuvotellaan hinnasta", condition="paatos == 'neuvottele'"),
        Flow("Gateway_tarjous", "Task_crm_hylatty", name="hylätään", condition="paatos == 'hylkaa'"),
        Flow("Task_crm_hylatty", "End_hylatty"),
        Flow("Gateway_tarjous", "Task_allekirjoita", name="hyväksytään", id="Flow_tarjous_allekirjoita"),
        Flow("Task_allekirjoita", "Task_crm_sopimus"),
        Flow("Task_crm_sopimus", "Task_perehdytys"),
        Flow("Task_perehdytys", "Task_tietovaatimukset"),
        Flow("Task_tietovaatimukset", "Gateway_tiedot_sisaan"),
        Flow("Gateway_tiedot_sisaan", "Task_tiedonkeruu"),
        Flow("Task_tiedonkeruu", "Task_laaduntarkistus"),
        Flow("Task_laaduntarkistus", "Gateway_laatu"),
        Flow("Gateway_laatu", "Gateway_tiedot_sisaan", name="puutteita", condition="laatu == 'puutteita'"),
        Flow("Gateway_laatu", "Task_raportti", name="kunnossa", id="Flow_laatu_raportti"),
        Flow("Task_raportti", "Task_analysoi"),
        Flow("Task_analysoi", "Task_tavoitteet"),
        Flow("Task_tavoitteet", "Task_crm_valmis"),
        Flow("Task_crm_valmis", "End_tavoitteet"),
    ]
    return Model("vastuullisuusraportointi", "Vastuullisuusraportointipalvelu – tilitoimiston asiakaspolku", lanes, nodes, flows,
                 doc="Tilitoimiston vastuullisuusraportointipalvelun asiakaspolku (palvelupiirustus).")


MODELS = {"suupohja_yrityskaynti": suupohja_visit, "suupohja_teemaseminaari": suupohja_seminar,
          "lansi_uusimaa_yrityspalvelu": lansi_uusimaa, "vastuullisuusraportointi": sustainability}


def main(keys: list[str]) -> None:
    for key in keys or list(MODELS):
        (BPMN / f"{key}.bpmn").write_text(draw(MODELS[key]()), encoding="utf-8")
        print(f"wrote bpmn/{key}.bpmn")


if __name__ == "__main__":
    main(sys.argv[1:])
