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


if __name__ == "__main__":
    suupohja()
