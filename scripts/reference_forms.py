"""Draft the JSON Schema forms of forms/ (run: python scripts/reference_forms.py); the files are the source of truth."""

from __future__ import annotations

import json
from pathlib import Path

FORMS = Path(__file__).resolve().parents[1] / "forms"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

SEGMENTS = {"aloittava": "Aloittava yritys tai keksijä", "paikallinen": "Paikallisesti toimiva",
            "kotimarkkina": "Kotimarkkinoilla kasvava", "kansainvalistyva": "Kasvu kansainvälistymällä",
            "suuryritys": "Suuryritys (yli 250 henkilöä)"}
SUUPOHJA_NEEDS = {"rahoitus": "Kehittämisrahoitus", "kansainvalistyminen": "Kansainvälistyminen",
                  "rekrytointi": "Rekrytointi", "starttiraha": "Starttiraha", "perustaminen": "Yrityksen perustaminen",
                  "maatila": "Maatilan kehittäminen", "metsa": "Metsänomistus ja metsätalous",
                  "kehittaminen": "Liiketoiminnan kehittäminen", "muu": "Muu tarve"}
LU_NEEDS = {"perustaminen": "Yrityksen perustaminen tai keksintö", "rekrytointi": "Rekrytointi",
            "starttiraha": "Starttiraha", "toimitilat_luvat": "Toimitilat ja luvat",
            "verkostoituminen": "Verkostoituminen ja vertaistuki", "kehityshanke": "Kehittämishanke tai opiskelijatyö",
            "koulutus": "Henkilöstön koulutus", "kirjanpito_juridiikka": "Kirjanpito tai juridiikka",
            "kasvu": "Kasvu ja kansainvälistyminen"}
SUUPOHJA_ORGS = ["ELY", "TE-toimisto", "UYK", "ProAgria", "Metsäkeskus"]
LEADS = {"ely": "ELY", "te": "TE-toimisto", "uyk": "UYK", "proagria": "ProAgria", "metsakeskus": "Metsäkeskus"}


def text(title: str, **more) -> dict:
    return {"type": "string", "title": title, "minLength": 1, **more}


def choice(title: str, options: dict[str, str]) -> dict:
    return {"type": "string", "title": title, "enum": list(options), "x-labels": options}


def choices(title: str, options: dict[str, str] | list[str], *, at_least: int = 0) -> dict:
    values = list(options)
    labels = options if isinstance(options, dict) else {v: v for v in values}
    return {"type": "array", "title": title, "items": {"type": "string", "enum": values},
            "uniqueItems": True, "minItems": at_least, "x-labels": labels}


def yes_no(title: str) -> dict:
    return {"type": "boolean", "title": title}


def score(title: str, low: int, high: int) -> dict:
    return {"type": "integer", "title": title, "minimum": low, "maximum": high}


def form(name: str, title: str, properties: dict, required: list[str], description: str = "") -> None:
    schema = {"$schema": DRAFT, "$id": f"urn:kapula:forms:{name}", "title": title, "type": "object"}
    if description:
        schema["description"] = description
    schema |= {"properties": properties, "required": required}
    (FORMS / name).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def suupohja() -> None:
    form("suupohja_kaynti_aloitus.json", "Yrityskäynti sovittu",
         {"asiakas": text("Asiakasyritys"),
          "kunta": choice("Kunta", {k: k for k in ["Kauhajoki", "Kurikka", "Isojoki", "Karijoki", "Teuva"]})},
         ["asiakas"])
    form("suupohja_valmistelu.json", "Valmistele yrityskäynti",
         {"nykytila": text("Asiakkaan nykytila"),
          "osallistujat": choices("Käynnille osallistuvat organisaatiot",
                                  ["SEK", "ELY", "TE-toimisto", "UYK", "SKY", "ProAgria", "Metsäkeskus"], at_least=1)},
         ["nykytila", "osallistujat"])
    form("suupohja_tarvekartoitus.json", "Kartoita asiakkaan tarpeet",
         {"segmentti": choice("Asiakassegmentti", SEGMENTS),
          "tarpeet": choices("Asiakkaan tarpeet", SUUPOHJA_NEEDS, at_least=1),
          "tavoitteet": {"type": "string", "title": "Asiakkaan tavoitteet"}},
         ["segmentti", "tarpeet"], "Tarpeet kartoitetaan ennen kuin ratkaisuvaihtoehtoja esitellään.")
    form("suupohja_toimenpiteet.json", "Sovi jatkotoimenpiteet",
         {"toimenpiteet": text("Sovitut jatkotoimenpiteet")}, ["toimenpiteet"])
    form("suupohja_jalkihoito.json", "Tee jälkihoitosuunnitelma ja ohjaa asiakas",
         {"seurantasuunnitelma": text("Seurantasuunnitelma"),
          "suunnitelma_toteutunut": yes_no("Ovatko sovitut toimenpiteet toteutuneet suunnitellusti?"),
          "organisaatiot": choices("Organisaatiot, joille asiakas ohjataan", SUUPOHJA_ORGS)},
         ["seurantasuunnitelma", "suunnitelma_toteutunut", "organisaatiot"])
    for prefix, org in LEADS.items():
        form(f"suupohja_liidi_{prefix}.json", f"Käsittele liidi: {org}",
             {f"{prefix}_toimenpide": yes_no("Johtiko liidi toimenpiteeseen?"),
              f"{prefix}_uusi_asiakas": yes_no("Syntyikö uusi asiakkuus?")},
             [f"{prefix}_toimenpide", f"{prefix}_uusi_asiakas"])



def seminar() -> None:
    form("seminaari_teema.json", "Päätä teema alueen toimijoiden kanssa",
         {"teema": text("Seminaarin teema"),
          "toimijat": choices("Suunnitteluun osallistuneet toimijat",
                              ["SEK", "ELY", "TE-toimisto", "UYK", "SKY", "ProAgria", "Metsäkeskus"], at_least=1)},
         ["teema", "toimijat"])
    form("seminaari_markkinointi.json", "Markkinoi seminaari",
         {"kanavat": choices("Markkinointikanavat", {"lehti": "Lehti-ilmoitus", "verkkokalenteri": "Seudun verkkokalenteri",
                                                      "tiedote": "Asiakastiedote", "messut": "Messut"}, at_least=1),
          "ilmoittautuneet": score("Ilmoittautuneita", 0, 10000)},
         ["kanavat", "ilmoittautuneet"])
    form("seminaari_toteutus.json", "Toteuta seminaari",
         {"osallistujat": score("Osallistujia", 0, 10000), "yrityksia": score("Osallistuneita yrityksiä", 0, 10000)},
         ["osallistujat", "yrityksia"])
    form("seminaari_jatkotoimet.json", "Kerää jatkokehitystarpeet",
         {"kehitystarpeet": {"type": "string", "title": "Osallistujien kehittämistarpeet"},
          "jatkoyhteydenotot": score("Yrityksiä, joihin otetaan yhteyttä", 0, 10000),
          "tyytyvaisyys": {"type": "number", "title": "Osallistujien tyytyväisyys (keskiarvo 1–5)", "minimum": 1, "maximum": 5}},
         ["jatkoyhteydenotot", "tyytyvaisyys"])


def lansi_uusimaa() -> None:
    form("lu_yhteydenotto.json", "Asiakastarve",
         {"asiakas": text("Asiakas"),
          "kanava": choice("Yhteydenottokanava", {"kaynti": "Käynti Yritystalossa", "puhelin": "Puhelin",
                                                  "sahkoposti": "Sähköposti", "verkko": "Verkkosivut"})},
         ["asiakas", "kanava"])
    form("lu_tarve.json", "Määrittele asiakastarve",
         {"aiempi_asiakas": yes_no("Onko asiakas käyttänyt yrityspalveluja aiemmin?"),
          "segmentti": choice("Asiakassegmentti", SEGMENTS),
          "tarpeet": choices("Asiakkaan tarpeet", LU_NEEDS, at_least=1)},
         ["aiempi_asiakas", "segmentti", "tarpeet"])
    form("lu_arviointi.json", "Arvioi palvelu",
         {"tyytyvaisyys": score("Tyytyväisyys (1–4)", 1, 4), "palaute": {"type": "string", "title": "Vapaa palaute"}},
         ["tyytyvaisyys"])
    form("lu_palaute.json", "Käsittele palaute kumppanuustiimissä",
         {"kehitystoimenpide": text("Sovittu kehittämistoimenpide")}, ["kehitystoimenpide"])


def sustainability() -> None:
    form("vr_yhteydenotto.json", "Kiinnostus tai tarve herää",
         {"asiakas": text("Asiakasyritys"),
          "kanava": choice("Mistä kiinnostus heräsi", {"tilitoimisto": "Tilitoimiston yhteydenotto",
                                                       "sidosryhma": "Sidosryhmä", "verkko": "Verkkosivut"})},
         ["asiakas"])
    form("vr_tarvekartoitus.json", "Kartoita vastuullisuuden nykytila",
         {"nykytila": choice("Vastuullisuuden nykytila", {"ei_aloitettu": "Ei aloitettu", "alkuvaiheessa": "Alkuvaiheessa",
                                                          "edistynyt": "Edistynyt"}),
          "raportointivelvollinen": yes_no("Onko yritys raportointivelvollinen?")},
         ["nykytila", "raportointivelvollinen"])
    form("vr_laajuus.json", "Päätä asiakkuuden laajuus",
         {"laajuus": choice("Toteutustaso", {"liitetiedot": "Vastuullisuus tilinpäätöksen liitetietoihin",
                                             "raportti": "Vastuullisuusraportti", "vihrea_tilinpaatos": "Vihreä tilinpäätös"})},
         ["laajuus"])
    form("vr_tarjous.json", "Laadi tarjous ja sopimusversio",
         {"hinta": {"type": "number", "title": "Tarjottu hinta (EUR)", "minimum": 0},
          "jarjestelmat_yhteensopivat": yes_no("Ovatko molempien järjestelmät yhteensopivat?")},
         ["hinta", "jarjestelmat_yhteensopivat"])
    form("vr_tarjouksen_arvio.json", "Arvioi tarjous",
         {"paatos": choice("Päätös", {"hyvaksy": "Hyväksyn tarjouksen", "neuvottele": "Neuvotellaan hinnasta",
                                      "hylkaa": "Hylkään tarjouksen"}),
          "vastaehdotus": {"type": "number", "title": "Hintaehdotus (EUR)", "minimum": 0}},
         ["paatos"])
    form("vr_sopimus.json", "Tarkista ja allekirjoita sopimus",
         {"sopimus_allekirjoitettu": {"type": "boolean", "title": "Sopimus allekirjoitettu", "const": True}},
         ["sopimus_allekirjoitettu"])
    form("vr_perehdytys.json", "Anna käyttöoikeudet ja perehdytä",
         {"tietokyselytyokalu": choice("Tietokyselytyökalu", {"taulukko": "Taulukko (esim. MS Excel)",
                                                              "verkkolomake": "Verkkolomake (esim. Google Forms)"}),
          "kayttooikeudet_annettu": {"type": "boolean", "title": "Käyttöoikeudet annettu", "const": True}},
         ["tietokyselytyokalu", "kayttooikeudet_annettu"])
    form("vr_tiedonkeruu.json", "Kerää tiedot ja täytä tietokysely",
         {"oma_laatuarvio": choice("Oma arvio tietojen laadusta", {"hyva": "Hyvä", "epavarma": "Epävarma"})},
         ["oma_laatuarvio"])
    form("vr_laaduntarkistus.json", "Tarkista tietojen laatu",
         {"laatu": choice("Tietojen laatu", {"kunnossa": "Kunnossa", "puutteita": "Puutteita"}),
          "puutteet": {"type": "string", "title": "Havaitut puutteet"}},
         ["laatu"])
    form("vr_tavoitteet.json", "Suunnittele vastuullisuustavoitteet",
         {"tavoitteet": text("Vastuullisuustavoitteet"), "tyytyvaisyys": score("Tyytyväisyys palveluun (1–5)", 1, 5)},
         ["tavoitteet", "tyytyvaisyys"])


if __name__ == "__main__":
    suupohja()
    seminar()
    lansi_uusimaa()
    sustainability()
