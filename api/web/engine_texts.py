"""The engine's migration reasons and plan problems and its upload issues in the reader's language.

The engine writes them in English for logs, the API and the command line: why a case cannot move
and why a migration plan cannot be applied (engine/runtime/migration.py, engine/services/migration.py)
and what keeps an upload from running or refuses it (engine/bpmn_xml/validate.py, implementations.py
and secure.py, engine/runtime/upload_links.py, engine/definitions.py). A page shows one it knows (a
pattern below, or of the upload's files in api/web/engine_words.py, or of its code in
engine_code_texts.py) in the reader's words, with the names, ids and values as the engine quoted
them; any other (SpiffWorkflow's own messages, a sandbox reason not known there) as the engine
wrote it, marked English.
tests/unit/test_engine_texts.py holds every pattern to its catalog entries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.web.engine_code_texts import code_issue
from api.web.engine_words import ELEMENT, FILES, LOWER_ELEMENT, NAMED, REPR, element_words, size_words
from api.web.i18n import N_, Words


@dataclass(frozen=True)
class EngineText:
    """A text to show: `lang` "en" when it is the engine's English, None when in the page's language."""

    text: str
    lang: str | None = None


# where a diagram names a form (engine.bpmn_xml.inspect.form_reference)
_FORM_ATTRIBUTES = "kapula:form|camunda:formKey|formJsonSchemaFilename"
# the kind of definition an event refers to (engine.bpmn_xml.implementations.dangling_refs)
_TERMS = {"message": N_("viesti"), "signal": N_("signaali"), "error": N_("virhe"), "escalation": N_("eskalaatio")}

# pattern → message id; a group fills the placeholder of its name (`element` with its kind and `what`
# in the reader's words); a message must match a pattern whole
_MIGRATION: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"it is at (?P<at>.+), which the new version does not have \(map it to an element of the new version\)"),
        N_("Tapaus on kohdassa %(at)s, jota uudessa versiossa ei ole (liitä se johonkin uuden version elementtiin)."),
    ),
    (
        re.compile(r"it waits for the timer (?P<timer>.+), and (?P<other>.+) in the new version is no timer"),
        N_("Tapaus odottaa ajastinta %(timer)s, mutta %(other)s ei ole uudessa versiossa ajastin."),
    ),
    (
        re.compile(r"it is inside the subprocess (?P<subprocess>.+), which the new version does not have"),
        N_("Tapaus on aliprosessissa %(subprocess)s, jota uudessa versiossa ei ole."),
    ),
    (
        re.compile(r"the new version's start form requires (?P<fields>.+), which this case has no value for"),
        N_("Uuden version aloituslomake vaatii kentät %(fields)s, joille tapauksella ei ole arvoa."),
    ),
    (
        re.compile(r"it was not moved here from version (?P<back>\d+), or it has moved on in version (?P<current>\d+) since"),
        N_("Tapausta ei siirretty tähän versiosta %(back)s, tai se on sen jälkeen edennyt versiossa %(current)s."),
    ),
    (re.compile(r"it moved to another version meanwhile"), N_("Tapaus siirtyi sillä välin toiseen versioon.")),
]
# a value the engine quotes with repr(): an id of the owner's plan
_QUOTED = r"""(?:'[^']*'|"[^"]*")"""
# why a migration plan cannot be applied (engine.runtime.migration.plan_migration's problems) or why
# no case was tried (engine.services.migration.migrate_cases); element kinds are SpiffWorkflow's
# class names (UserTask, ScriptTask…), kept as written like the ids
_PLAN_PREFIX = "the migration plan cannot be applied: "
_PLAN: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"(?P<source>{_QUOTED}) is not an element of the version the cases are on"),
        N_("Elementtiä %(source)s ei ole siinä versiossa, jossa tapaukset ovat."),
    ),
    (
        re.compile(rf"(?P<target>{_QUOTED}) \(mapped from (?P<source>{_QUOTED})\) is not an element of the new version"),
        N_("Elementtiä %(target)s, johon %(source)s liitettiin, ei ole uudessa versiossa."),
    ),
    (
        re.compile(
            rf"(?P<source>{NAMED}) is a (?P<old>\w+) but (?P<target>{NAMED}) is a (?P<new>\w+): "
            r"a case cannot move between different kinds of element"
        ),
        N_(
            "%(source)s on tyyppiä %(old)s, mutta %(target)s on tyyppiä %(new)s: tapaus ei voi siirtyä erityyppiseen elementtiin."
        ),
    ),
    (
        re.compile(r"the cases are on that version already: give two different versions"),
        N_("Tapaukset ovat jo tässä versiossa: valitse kaksi eri versiota."),
    ),
]
# each plan problem where it ends: at the next "; " (the service joins them so) or at the end
_PLAN_PARTS = [(re.compile(rf"(?:{pattern.pattern})(?=; |$)"), message_id) for pattern, message_id in _PLAN]
_UPLOAD: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"{ELEMENT} has no incoming sequence flow, so a case can never reach it"),
        N_("%(element)s: siihen ei tule yhtään sekvenssivuota, joten tapaus ei voi koskaan päätyä siihen."),
    ),
    (
        re.compile(rf"{ELEMENT} has no outgoing sequence flow, so a case would stop there"),
        N_("%(element)s: siitä ei lähde yhtään sekvenssivuota, joten tapaus pysähtyisi siihen."),
    ),
    (
        re.compile(rf"{ELEMENT} is attached to '(?P<host>.*)', which is not in the same process"),
        N_("%(element)s on liitetty elementtiin '%(host)s', joka ei ole samassa prosessissa."),
    ),
    (
        re.compile(rf"{ELEMENT} names '(?P<default>.*)' as its default, but that is not one of its outgoing flows"),
        N_("%(element)s: oletukseksi on merkitty '%(default)s', joka ei ole sen lähtevä sekvenssivuo."),
    ),
    (
        re.compile(rf"{ELEMENT} has an outgoing flow with no condition and no default \(flow (?P<flow>{NAMED})\)"),
        N_("%(element)s: lähtevällä sekvenssivuolla %(flow)s ei ole ehtoa, eikä se ole oletusvuo."),
    ),
    (re.compile(rf"{ELEMENT} has no start event"), N_("%(element)s: siinä ei ole alkutapahtumaa.")),
    (
        re.compile(rf"{ELEMENT} has no (?P<attribute>sourceRef|targetRef)"),
        N_("%(element)s: siltä puuttuu %(attribute)s."),
    ),
    (
        re.compile(rf"{ELEMENT} (?:starts from|points to) '(?P<ref>.*)', an element that does not exist"),
        N_("%(element)s viittaa elementtiin '%(ref)s', jota ei ole."),
    ),
    (
        re.compile(rf"{ELEMENT} (?:starts from|points to) '(?P<ref>.*)', an element outside its process or subprocess"),
        N_("%(element)s viittaa elementtiin '%(ref)s', joka on toisessa prosessissa tai aliprosessissa."),
    ),
    (re.compile(rf"{ELEMENT} has no script"), N_("%(element)s: siinä ei ole skriptiä.")),
    (
        re.compile(rf"{ELEMENT} is written in '(?P<language>.*)' \(its scriptFormat\), a script language .*"),
        N_(
            "%(element)s on kirjoitettu kielellä '%(language)s'. Kapula ajaa vain Python-skriptejä (scriptFormat 'python' tai ei mitään)."
        ),
    ),
    (
        re.compile(rf"{ELEMENT} is implemented by (?P<implementation>.+), which only Camunda can run; .*"),
        N_(
            "%(element)s on toteutettu näin: %(implementation)s. Vain Camunda voi ajaa sen; Kapulassa ei ole "
            "palveluliittymiä: tee siitä käyttäjän tehtävä tai skriptitehtävä."
        ),
    ),
    (
        re.compile(rf"{ELEMENT} is a service task; Kapula has no service connectors .*"),
        N_("%(element)s on palvelutehtävä, eikä Kapulassa ole palveluliittymiä: tee siitä käyttäjän tehtävä tai skriptitehtävä."),
    ),
    (
        re.compile(rf"{ELEMENT} has a (?P<listener>camunda:\w+(?: \(.*\))?), which only Camunda can run; .*"),
        N_(
            "%(element)s: siinä on %(listener)s, jonka vain Camunda voi ajaa. Kapula ei aja kuuntelijoita: "
            "tee sen työ skriptitehtävässä tai käyttäjän tehtävässä, tai poista se."
        ),
    ),
    (
        re.compile(
            rf"{ELEMENT} refers to the (?P<what>message|signal|error|escalation) '(?P<ref>.*)', which the diagram does not define"
        ),
        N_("%(element)s viittaa määrittelyyn '%(ref)s' (%(what)s), jota kaaviossa ei ole."),
    ),
    (
        re.compile(rf"{ELEMENT} calls process '(?P<process>.*)', which is not in this upload"),
        N_("%(element)s kutsuu prosessia '%(process)s', joka ei ole tässä latauksessa."),
    ),
    (
        re.compile(rf"{ELEMENT} calls process '(?P<process>.*)', which cannot run yet"),
        N_("%(element)s kutsuu prosessia '%(process)s', jota ei voi vielä ajaa."),
    ),
    (
        re.compile(r"the id '(?P<id>.*)' is used by more than one element"),
        N_("Tunnistetta '%(id)s' käyttää useampi kuin yksi elementti."),
    ),
    (
        re.compile(r"the id '(?P<id>.*)' is reserved by the engine; rename the element \(e\.g\. '(?P<example>.*)'\)"),
        N_("Tunniste '%(id)s' on moottorin oma; nimeä elementti uudelleen (esim. '%(example)s')."),
    ),
    (re.compile(r"the diagram has no executable process"), N_("Kaaviossa ei ole ajettavaa prosessia.")),
    (re.compile(r"\.\.\. and (?P<n>\d+) more problems"), N_("… ja %(n)s muuta korjattavaa.")),
    *FILES,
    (
        re.compile(rf"{ELEMENT} names the form (?P<form>{REPR}) \((?P<where>{_FORM_ATTRIBUTES})\), which is a path: .*"),
        N_(
            "%(element)s: lomakkeeksi on nimetty %(form)s (%(where)s), mutta se on polku. Lomake nimetään "
            "tiedostonimellään (esimerkiksi 'tarve.json') ja ladataan kaavion mukana."
        ),
    ),
    (
        re.compile(rf"{ELEMENT} names the form (?P<form>{REPR}) \((?P<where>{_FORM_ATTRIBUTES})\), which is not a form file: .*"),
        N_(
            "%(element)s: lomakkeeksi on nimetty %(form)s (%(where)s), mutta se ei ole lomaketiedosto. Lomake on "
            "JSON Schema, jonka tiedostonimi päättyy .json (ei .card.json), ja se ladataan kaavion mukana."
        ),
    ),
    (
        re.compile(rf"Data store (?P<store>{NAMED}) cannot be used: Kapula has no data stores .*"),
        N_(
            "Tietovarastoa %(store)s ei voi käyttää: Kapulassa ei ole tietovarastoja (tapauksen tiedot ovat "
            "tapauksessa itsessään). Poista tietovarasto ja viittaukset siihen, niin kaavion voi ajaa."
        ),
    ),
    (
        re.compile(
            rf"The condition on flow (?P<flow>{NAMED}) from (?P<element>{LOWER_ELEMENT}) is not a valid expression: "
            rf"(?P<text>{REPR}) \((?P<reason>syntax error.*)\)"
        ),
        N_("%(element)s: lähtevän sekvenssivuon %(flow)s ehto %(text)s ei ole kelvollinen lauseke (%(reason)s)."),
    ),
    (
        re.compile(
            rf"The condition on flow (?P<flow>{NAMED}) is not a valid expression: (?P<text>{REPR}) \((?P<reason>syntax error.*)\)"
        ),
        N_("Sekvenssivuon %(flow)s ehto %(text)s ei ole kelvollinen lauseke (%(reason)s)."),
    ),
    (
        re.compile(r"the file nests elements more than (?P<depth>\d+) levels deep"),
        N_("Tiedostossa on elementtejä sisäkkäin yli %(depth)s tasoa; se on yläraja."),
    ),
    (
        re.compile(
            r"the form '(?P<form>.*)' of (?P<kind>\w+) '(?P<name>.*)' is neither in this upload nor in an earlier version; .*"
        ),
        N_(
            "Lomaketta '%(form)s' (%(kind)s '%(name)s') ei ole tässä latauksessa eikä aiemmassa versiossa; lataa se kaavion mukana."
        ),
    ),
]


def _translate(message: str, patterns: list[tuple[re.Pattern[str], str]], _: Words) -> EngineText:
    for pattern, message_id in patterns:
        match = pattern.fullmatch(message.strip())
        if match:
            found = {name: value or "" for name, value in match.groupdict().items()}
            if "element" in found:
                found["element"] = element_words(found["element"], _)
            if found.get("what") in _TERMS:
                found["what"] = _(_TERMS[found["what"]])
            for name in ("size", "limit"):  # a file's size and its limit: the reader's digits
                if name in found:
                    found[name] = size_words(found[name], _)
            return EngineText(_(message_id, **found))
    return EngineText(message, "en")


def migration_reason(message: str, _: Words) -> EngineText:
    """Why a case does not move (engine.services.migration.CaseMove reasons and skipped)."""
    return _translate(message, _MIGRATION, _)


def upload_issue(message: str, _: Words) -> EngineText:
    """What keeps an upload from running or refuses it (engine.model.ValidationIssue.message)."""
    shown = _translate(message, _UPLOAD, _)
    if shown.lang is None:
        return shown
    code = code_issue(message.strip(), _)
    return shown if code is None else EngineText(code)


def migration_problems(message: str, _: Words) -> list[EngineText]:
    """Why no case was moved (engine.services.migration.migrate_cases' InvalidDataError): each of
    the plan's problems, which the engine joins with "; " after its prefix, or its one message. From
    the first part not known on, the rest is shown as written, marked English."""
    text = message.strip()
    if not text.startswith(_PLAN_PREFIX):
        return [_translate(text, _PLAN, _)]
    rest, shown = text[len(_PLAN_PREFIX) :], []
    while rest:
        match = next((m for pattern, _id in _PLAN_PARTS if (m := pattern.match(rest))), None)
        if match is None:
            shown.append(EngineText(rest, "en"))
            break
        shown.append(_translate(match.group(), _PLAN, _))
        rest = rest[match.end() :].removeprefix("; ")
    return shown
