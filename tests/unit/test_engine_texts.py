"""The engine's migration reasons and upload issues in the pages' languages (api/web/engine_texts.py,
engine_words.py, engine_code_texts.py): each issue the loader writes for these diagrams and bad
inputs, and each reason a case does not move, comes out in Finnish, Swedish and English with the
names and ids as written; one the pages do not know stays as written, marked English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from api.web import engine_code_texts, engine_texts, engine_words, messages
from api.web.engine_texts import EngineText, migration_problems, migration_reason, upload_issue
from api.web.i18n import LOCALE_DIR, N_, Words
from engine.bpmn_xml import parse_xml
from engine.errors import DiagramError, InvalidDataError
from engine.runtime.case_state import SpecBundle
from engine.runtime.migration import plan_migration
from engine.runtime.parser import load_files, serializer_for
from engine.services.migration import revert_blockers
from tests.migration_models import version_b

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IMPORT = FIXTURES / "import"
BPMN_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "suupohja_yrityskaynti.bpmn"

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://example.org/x">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="Check"><bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="g" name="Enough?" default="nowhere"><bpmn:incoming>b</bpmn:incoming>
      <bpmn:outgoing>c</bpmn:outgoing><bpmn:outgoing>d</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="lost" name="Never reached"><bpmn:outgoing>e</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>c</bpmn:incoming><bpmn:incoming>d</bpmn:incoming><bpmn:incoming>e</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="b" sourceRef="t" targetRef="g"/>
    <bpmn:sequenceFlow id="c" name="Yes" sourceRef="g" targetRef="end"/>
    <bpmn:sequenceFlow id="d" sourceRef="g" targetRef="end"/>
    <bpmn:sequenceFlow id="e" sourceRef="lost" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _issues() -> list[str]:
    files = [
        ("broken.bpmn", BROKEN),
        *[(name, (IMPORT / name).read_bytes()) for name in ("camunda_service.bpmn", "camunda_listeners.bpmn")],
    ]
    return [i.message for name, content in files for p in load_files([(name, content)]) for i in p.issues]


def test_every_issue_of_these_diagrams_is_in_finnish_and_english():
    issues = _issues()
    assert len(issues) == 8, issues
    fi, en = Words("fi"), Words("en")
    for message in issues:
        finnish, english = upload_issue(message, fi), upload_issue(message, en)
        assert finnish.lang is None and english.lang is None, message
        assert finnish.text != message and english.text.endswith("."), message
    shown = [upload_issue(m, fi).text for m in issues]
    assert (
        "Tehtävä 'Never reached' (lost): siihen ei tule yhtään sekvenssivuota, joten tapaus ei voi koskaan päätyä siihen."
        in shown
    )
    assert "Yhdyskäytävä 'Enough?' (g): oletukseksi on merkitty 'nowhere', joka ei ole sen lähtevä sekvenssivuo." in shown
    assert "Yhdyskäytävä 'Enough?' (g): lähtevällä sekvenssivuolla 'Yes' (c) ei ole ehtoa, eikä se ole oletusvuo." in shown
    assert any(t.startswith("Sekvenssivuo 'Done' (b): siinä on camunda:executionListener (event=\"take\"") for t in shown)
    english = [upload_issue(m, en).text for m in issues]
    assert "Task 'Never reached' (lost) has no incoming sequence flow, so a case can never reach it." in english
    assert all(upload_issue(m, Words("sv")).lang is None for m in issues)


@pytest.mark.parametrize(
    ("reason", "finnish", "english"),
    [
        (
            "it is at 'Describe the need' (Task_need), which the new version does not have (map it to an element of the new version)",
            "Tapaus on kohdassa 'Describe the need' (Task_need), jota uudessa versiossa ei ole (liitä se johonkin uuden version elementtiin).",
            "The case is at 'Describe the need' (Task_need), which the new version does not have (map it to an element of the new version).",
        ),
        (
            "it waits for the timer 'Wait' (T1), and 'Call' (T2) in the new version is no timer",
            "Tapaus odottaa ajastinta 'Wait' (T1), mutta 'Call' (T2) ei ole uudessa versiossa ajastin.",
            "The case waits for the timer 'Wait' (T1), but 'Call' (T2) in the new version is no timer.",
        ),
        (
            "the new version's start form requires 'email', which this case has no value for",
            "Uuden version aloituslomake vaatii kentät 'email', joille tapauksella ei ole arvoa.",
            "The new version's start form requires 'email', which this case has no value for.",
        ),
        (
            "it was not moved here from version 1, or it has moved on in version 2 since",
            "Tapausta ei siirretty tähän versiosta 1, tai se on sen jälkeen edennyt versiossa 2.",
            "The case was not moved here from version 1, or it has moved on in version 2 since.",
        ),
        (
            "it moved to another version meanwhile",
            "Tapaus siirtyi sillä välin toiseen versioon.",
            "The case moved to another version meanwhile.",
        ),
    ],
)
def test_migration_reasons_in_finnish_and_english(reason, finnish, english):
    assert migration_reason(reason, Words("fi")) == EngineText(finnish)
    assert migration_reason(reason, Words("en")) == EngineText(english)


def test_what_the_pages_do_not_know_is_shown_as_written_marked_english():
    spiff = "the engine cannot run this: Multiple outgoing flows are not supported for tasks of type"
    assert upload_issue(spiff, Words("fi")) == EngineText(spiff, "en")
    assert migration_reason("case 7 was changed by someone else", Words("fi")) == EngineText(
        "case 7 was changed by someone else", "en"
    )


def test_the_engines_own_revert_reason_is_one_the_pages_know():
    [reason] = revert_blockers([], 2, 1)
    assert migration_reason(reason, Words("fi")).lang is None


def _bundle(text: str) -> SpecBundle:
    [loaded] = load_files([("suupohja_yrityskaynti.bpmn", text.encode())])
    return SpecBundle(loaded.dialect, loaded.spec, loaded.subprocess_specs, serializer_for(loaded.dialect))


def test_every_problem_of_a_migration_plan_is_in_finnish_and_english():
    # the 422 box of the migration page showed them in English, marked lang="en", inside Finnish pages
    a, b = _bundle(MODEL.read_text()), _bundle(version_b(MODEL.read_text()))
    mapping = {"Task_sovi": "Timer_seuranta", "Task_nope": "Task_sovi", "Task_kartoita": "Task_nope"}
    problems = plan_migration(a, b, mapping).problems
    assert len(problems) == 3
    message = "the migration plan cannot be applied: " + "; ".join(problems)  # as migrate_cases raises it
    finnish, english = migration_problems(message, Words("fi")), migration_problems(message, Words("en"))
    assert len(finnish) == len(english) == 3
    assert all(t.lang is None for t in finnish + english + migration_problems(message, Words("sv")))
    assert "Elementtiä 'Task_nope' ei ole siinä versiossa, jossa tapaukset ovat." in [t.text for t in finnish]
    assert "Elementtiä 'Task_nope', johon 'Task_kartoita' liitettiin, ei ole uudessa versiossa." in [t.text for t in finnish]
    kinds = next(t.text for t in finnish if "tyyppiä" in t.text)
    assert kinds.endswith(": tapaus ei voi siirtyä erityyppiseen elementtiin.") and "(Task_sovi) on tyyppiä " in kinds
    assert "'Task_nope' is not an element of the version the cases are on." in [t.text for t in english]
    assert "'Task_nope', to which 'Task_kartoita' was mapped, is not an element of the new version." in [t.text for t in english]


def test_the_same_version_twice_and_unknown_plan_problems():
    same = "the cases are on that version already: give two different versions"
    assert migration_problems(same, Words("fi")) == [EngineText("Tapaukset ovat jo tässä versiossa: valitse kaksi eri versiota.")]
    assert migration_problems(same, Words("en")) == [
        EngineText("The cases are on that version already: choose two different versions.")
    ]
    # a name with "; " in it stays one problem; from an unknown part on, the rest is as written
    message = (
        "the migration plan cannot be applied: 'A; b' (A) is a UserTask but 'C' (C) is a ScriptTask: "
        "a case cannot move between different kinds of element; 'X' is something new; 'Y' is not an element "
        "of the version the cases are on"
    )
    known, rest = migration_problems(message, Words("en"))
    assert known == EngineText(
        "'A; b' (A) is a UserTask but 'C' (C) is a ScriptTask: a case cannot move between different kinds of element."
    )
    assert rest == EngineText("'X' is something new; 'Y' is not an element of the version the cases are on", "en")


def _recent_issues() -> list[str]:
    """The upload messages of the element-and-line commits: a data store (MIWG C.4.0), a condition
    that is no expression (C.8.0), a form name that is a path or no form file, a file nested too deep."""
    miwg = Path(__file__).resolve().parents[1] / "fixtures" / "miwg"
    three_lanes = BPMN_FIXTURES / "three_lanes.bpmn"
    found = [
        i.message for n in ("C.4.0.bpmn", "C.8.0.bpmn") for p in load_files([(n, (miwg / n).read_bytes())]) for i in p.issues
    ]
    for value in ("forms/tarve.json", "ytunnus.jsn", "it's.jsn"):
        broken = three_lanes.read_bytes().replace(b'kapula:form="tarve.json"', f'kapula:form="{value}"'.encode())
        found += [i.message for p in load_files([("three_lanes.bpmn", broken)]) for i in p.issues]
    deep = b'<?xml version="1.0"?>\n<definitions>' + b"<a>" * 300 + b"</a>" * 300 + b"</definitions>"
    with pytest.raises(DiagramError) as caught:
        parse_xml(deep, filename="deep.bpmn")
    return found + [i.message for i in caught.value.issues]


def test_the_upload_messages_with_element_and_line_are_in_finnish_swedish_and_english():
    # they were added in English only, so Finnish and Swedish pages showed them in English, marked lang="en"
    issues = _recent_issues()
    kinds = ("Data store", "is not a valid expression", "which is a path", "which is not a form file", "levels deep")
    assert all(any(k in m for m in issues) for k in kinds), issues
    for message in issues:
        for language in ("fi", "sv", "en"):
            shown = upload_issue(message, Words(language))
            assert shown.lang is None and shown.text.endswith("."), (language, message)
    fi = {upload_issue(m, Words("fi")).text for m in issues}
    assert (
        "Tehtävä 'Kuvaa tarve' (Task_describe): lomakkeeksi on nimetty 'forms/tarve.json' (kapula:form), mutta se on polku. "
        "Lomake nimetään tiedostonimellään (esimerkiksi 'tarve.json') ja ladataan kaavion mukana." in fi
    )
    assert any(t.startswith("Tehtävä 'Kuvaa tarve' (Task_describe): lomakkeeksi on nimetty \"it's.jsn\"") for t in fi)
    assert (
        "Yhdyskäytävä '_64bb8b55-d348-41d6-9ea8-f333b1d8cb69': lähtevän sekvenssivuon 'Approved' "
        "(_f2b0da63-d841-4457-ad85-7d86c8b5c1d2) ehto 'Vacation Approval = \"Approved\"' ei ole kelvollinen lauseke "
        "(syntax error at line 1: invalid syntax)." in fi
    )
    assert "Tiedostossa on elementtejä sisäkkäin yli 100 tasoa; se on yläraja." in fi
    sv = {upload_issue(m, Words("sv")).text for m in issues}
    assert any(
        t.startswith("Datalagret 'Employee Details' (_d367181e-c25a-407e-a5fb-817a27698a30) kan inte användas") for t in sv
    )
    assert any(t.startswith("Uppgift 'Kuvaa tarve' (Task_describe) anger blanketten 'ytunnus.jsn' (kapula:form)") for t in sv)


def _messages(files: list[tuple[str, bytes]]) -> list[str]:
    """What the loader says of an upload: its refusals, or each process's issues."""
    try:
        return [i.message for p in load_files(files) for i in p.issues]
    except DiagramError as refused:
        return [i.message for i in refused.issues]


_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'id="D" targetNamespace="http://example.org/x">\n<bpmn:process id="p" isExecutable="true">\n'
    '<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>\n'
)
_TAIL = (
    '<bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>\n<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>\n</bpmn:process>\n</bpmn:definitions>'
)


def _node(tag: str, inner: str, attributes: str = "") -> bytes:
    flows = "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
    return f'{_HEAD}<bpmn:{tag} id="t" name="Laske"{attributes}>{flows}{inner}</bpmn:{tag}>\n{_TAIL}'.encode()


def _script(code: str) -> bytes:
    return _node("scriptTask", f"<bpmn:script>{code}</bpmn:script>")


def _timer(inner: str) -> bytes:
    return _node("intermediateCatchEvent", f"<bpmn:timerEventDefinition>{inner}</bpmn:timerEventDefinition>")


def _condition(text: str) -> bytes:
    # BROKEN's gateway with a condition on its flow 'Yes' (c)
    return BROKEN.replace(
        b'<bpmn:sequenceFlow id="c" name="Yes" sourceRef="g" targetRef="end"/>',
        (
            f'<bpmn:sequenceFlow id="c" name="Yes" sourceRef="g" targetRef="end"><bpmn:conditionExpression>{text}'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        ).encode(),
    )


def _bad_inputs() -> list[list[tuple[str, bytes]]]:
    """Uploads that make the loader say each kind of older message: empty and refused code, timers
    that are not ISO 8601, conditions in XPath, JUEL and FEEL, refused files, decision tables."""
    miwg, bpmn = FIXTURES / "miwg", FIXTURES / "bpmn"
    found = [("B.2.0.bpmn", miwg), ("C.1.0.bpmn", miwg), ("C.1.1.bpmn", miwg), ("A.2.1.bpmn", miwg), ("C.9.0.bpmn", miwg)]
    found += [("C.8.1.bpmn", miwg), ("cycle_no_r.bpmn", FIXTURES / "timers"), ("doctype_xxe.bpmn", bpmn)]
    found += [("not_xml.bpmn", bpmn), ("condition_dunder.bpmn", bpmn), ("script_import.bpmn", bpmn), ("business_rule.bpmn", bpmn)]
    uploads = [[(name, (folder / name).read_bytes())] for name, folder in found]
    scripts = ["", "import os", "for i in x: y = i", "def f(): pass", "x = a.__class__", "x = open('f')", "x = a.format(1)"]
    scripts += ["if x: y = 1", "a.b = 1", "x = (", "x = 9**9**9", "x = 'a' * 10**9", "del a[1]", "x = (y := 1)"]
    uploads += [[("s.bpmn", _script(code))] for code in scripts]
    loops = "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality/><bpmn:completionCondition>import os"
    uploads.append([("m.bpmn", _node("userTask", loops + "</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>"))])
    timers = [
        "",
        "<bpmn:timeDuration/>",
        "<bpmn:timeDuration>P7X</bpmn:timeDuration>",
        "<bpmn:timeDate>2027-13-01T09:00Z</bpmn:timeDate>",
    ]
    timers += ["<bpmn:timeCycle>R1000/PT1H</bpmn:timeCycle>", "<bpmn:timeCycle>R3/PT1S</bpmn:timeCycle>"]
    timers += ["<bpmn:timeDuration>P500Y</bpmn:timeDuration>", "<bpmn:timeDuration>__x</bpmn:timeDuration>"]
    uploads += [[("t.bpmn", _timer(inner))] for inner in timers]
    uploads += [[("c.bpmn", _condition(text))] for text in ("${a.b}", "${f(a)}", "= a b = 1", "import os")]
    uploads += [
        [],
        [("a.bpmn", b" ")],
        [("a.bpmn", b"<a/>")],
        [("tarve.json", (bpmn / "tarve.json").read_bytes())],
        [("a.bpmn", b"\\xff")],
    ]
    uploads += [[(f"f{i}.bpmn", b"<a/>") for i in range(21)], [("a.bpmn", _script("x = 1"))] * 2]
    uploads += [[("a.bpmn", _script("x = 1")), ("f.json", form)] for form in (b'{"type": "array"}', b"{", b'{"a": NaN}')]
    card = json.loads((bpmn / "three_lanes.card.json").read_text())
    card["phases"] = [{"id": "v1", "name": "Vaihe", "elements": ["nowhere"], "lanes": [], "success_factors": [], "tools": []}]
    three_lanes = [
        ("three_lanes.bpmn", (bpmn / "three_lanes.bpmn").read_bytes()),
        ("tarve.json", (bpmn / "tarve.json").read_bytes()),
    ]
    uploads.append([*three_lanes, ("three_lanes.card.json", json.dumps(card).encode())])
    uploads.append([("a.bpmn", _script("x = 1").replace(b'id="t"', b'id="' + b"t" * 130 + b'"'))])
    uploads.append([("a.bpmn", _script("x = 1").replace(b"<bpmn:endEvent", b"<bpmn:foo/><bpmn:endEvent"))])
    tables = FIXTURES / "dmn"
    unique = (tables / "d_unique.dmn").read_bytes()
    for broken in (b"__x", b"[1..] zz"):
        uploads.append(
            [("d.bpmn", (bpmn / "business_rule.bpmn").read_bytes()), ("d_unique.dmn", unique.replace(b"&gt; 1000", broken))]
        )
    uploads.append([("d_unique.dmn", unique.replace(b'hitPolicy="UNIQUE"', b'hitPolicy="PRIORITY"'))])
    return uploads


def test_the_older_upload_messages_are_in_finnish_and_swedish():
    # empty timers and conditions, refused scripts, XPath and FEEL conditions, a decision missing from
    # the upload, DOCTYPE and malformed XML: Finnish and Swedish pages showed them in English, lang="en"
    issues = sorted({m for files in _bad_inputs() for m in _messages(files)})
    assert len(issues) > 60, issues
    fi, sv, en = Words("fi"), Words("sv"), Words("en")
    for message in issues:
        finnish, swedish, english = upload_issue(message, fi), upload_issue(message, sv), upload_issue(message, en)
        assert finnish.lang is None and swedish.lang is None and english.lang is None, message
        assert len({finnish.text, swedish.text, message}) == 3, message
    shown = {upload_issue(m, fi).text for m in issues}
    svenska = {upload_issue(m, sv).text for m in issues}
    assert "Tapahtuma 'Start Event 1 Timer' (_4e71bf73-1719-401e-a9a2-85dc89fc1150): ajastin on tyhjä." in shown
    assert any(
        t.startswith("Tapahtuma 'Intermediate Event Conditional Catch' (_c9cb2415") and t.endswith(": ehto on tyhjä.")
        for t in shown
    )
    assert "Händelse 'Laske' (t): timern anger varken varaktighet, tidpunkt eller upprepning." in svenska
    assert "Tehtävä 'Laske' (t): skripti ei kelpaa: rivi 1: 'for'-silmukka ei ole sallittu." in shown
    assert "Uppgift 'Laske' (t): skriptet godtas inte: rad 1: en 'for'-loop tillåts inte." in svenska
    assert (
        "Yhdyskäytävä 'Invoice approved?' (invoice_approved): lähtevän sekvenssivuon 'yes' (invoiceApproved) ehto on "
        "kirjoitettu kielellä XPath (kaavion expressionLanguage), jota Kapula ei tulkitse (teksti: bpmn:getDataObject('approved'))."
        in shown
    )
    assert any(t.startswith("Gateway 'Risk?' (ExclusiveGateway_Risk): villkoret på det utgående sekvensflödet") for t in svenska)
    assert "Kaavio kutsuu päätöstä 'Decision_route', jota ei ole tässä latauksessa (latauksessa ei ole yhtään päätöstä)." in shown
    assert (
        "Tiedostossa ei saa olla DOCTYPE-määrittelyä." in shown
        and "Filen får inte innehålla någon DOCTYPE-deklaration." in svenska
    )
    assert any(t.startswith("Tiedosto ei ole kelvollista XML:ää: Opening and ending tag mismatch") for t in shown)
    assert "three_lanes.card.json: phases.v1.elements: kaaviossa ei ole elementtiä 'nowhere'." in shown
    assert (
        "Tapahtuma 'Laske' (t): ajastin ei ole kelvollinen ISO 8601 -kesto: 'P7X' ei ole ISO 8601 -kesto "
        "(kuten P7D, PT1H30M tai P1Y2M)." in shown
    )


@pytest.mark.parametrize(
    ("n_bytes", "finnish", "swedish", "english"),
    [
        (
            5_200_000,
            "Tiedosto on 5,2 MB; yläraja on 5 MB.",
            "Filen är 5,2 MB; gränsen är 5 MB.",
            "The file is 5.2 MB; the limit is 5 MB.",
        ),
        (
            5_000_400,
            "Tiedosto on 5\xa0000,4 kB; yläraja on 5\xa0000 kB.",
            "Filen är 5\xa0000,4 kB; gränsen är 5\xa0000 kB.",
            "The file is 5,000.4 kB; the limit is 5,000 kB.",
        ),
        (
            5_000_001,
            "Tiedosto on 5\xa0000\xa0001 tavua; yläraja on 5\xa0000\xa0000 tavua.",
            "Filen är 5\xa0000\xa0001 byte; gränsen är 5\xa0000\xa0000 byte.",
            "The file is 5,000,001 bytes; the limit is 5,000,000 bytes.",
        ),
    ],
)
def test_a_file_over_the_size_limit_shows_two_different_sizes_in_each_language(n_bytes, finnish, swedish, english):
    # both numbers were rounded to "5 MB" for a file just over the limit, in every language
    with pytest.raises(DiagramError) as refused:
        parse_xml(b" " * n_bytes, filename="big.bpmn")
    (issue,) = refused.value.issues
    shown = [upload_issue(issue.message, Words(language)) for language in ("fi", "sv", "en")]
    assert shown == [EngineText(finnish), EngineText(swedish), EngineText(english)]


def test_a_code_message_with_a_reason_not_known_stays_english():
    # a part of the message the pages cannot translate leaves the whole message as the engine wrote it
    message = "The script of task 'Laske' (t) is refused: line 1: something new"
    assert upload_issue(message, Words("fi")) == EngineText(message, "en")
    spiff = "the engine cannot run this: Multiple outgoing flows are not supported"
    assert upload_issue(spiff, Words("sv")) == EngineText(spiff, "en")


def _catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def _pattern_entries() -> list[tuple[set[str], str]]:
    """Every message id of engine_texts and engine_words with the placeholders its pattern fills."""
    tables = [*engine_texts._MIGRATION, *engine_texts._PLAN, *engine_texts._UPLOAD]
    tables += [
        *engine_code_texts.REASONS,
        *engine_code_texts.WHYS,
        *engine_code_texts.TIMER_PROBLEMS,
        *engine_code_texts.DECISIONS,
    ]
    entries = [(set(pattern.groupindex), message_id) for pattern, message_id in tables]
    for pattern, subject_id, predicate_id in engine_code_texts.CODE:
        groups = set(pattern.groupindex)
        entries.append(({"subject", *groups}, predicate_id))
        entries += [(groups, subject) for subject in ([subject_id] if subject_id else engine_code_texts.PARTS.values())]
    words = [*engine_words.KINDS.values(), *engine_texts._TERMS.values(), *engine_code_texts.TIMER_WORDS.values()]
    words += [*engine_code_texts.CONSTRUCTS.values(), *engine_code_texts.TRANSLATIONS.values()]
    entries += [({"n"}, unit) for unit in engine_words.UNITS.values()]
    return entries + [(set(), message_id) for message_id in words]


def test_every_engine_text_pattern_has_its_catalog_entries_and_fills_its_placeholders():
    # a pattern whose text lacks a catalog entry shows Finnish on a Swedish page; one whose text asks
    # for a placeholder its pattern does not capture raises KeyError while the page renders
    fi, sv, en = _catalog("fi"), _catalog("sv"), _catalog("en")
    for groups, message_id in _pattern_entries():
        assert fi.get(message_id) is not None, f"run scripts/i18n.sh: {message_id!r}"
        for catalog in (sv, en):
            entry = catalog.get(message_id)
            assert entry is not None and entry.string and not entry.fuzzy, (catalog.locale, message_id)
            assert set(re.findall(r"%\((\w+)\)s", entry.string)) == set(re.findall(r"%\((\w+)\)s", message_id))
        wanted = set(re.findall(r"%\((\w+)\)s", message_id))
        assert wanted <= groups, (groups, message_id)


def test_a_method_no_value_allows_is_refused_at_upload_in_finnish_and_swedish():
    # engine.expressions.checks refuses it at upload since e430468 with its own wording, which no
    # pattern knew: the whole message stayed English on Finnish and Swedish pages
    (message,) = _messages([("rjust.bpmn", _script("t = str(n).rjust(w)"))])
    assert "which no value allows" in message
    finnish, swedish = upload_issue(message, Words("fi")), upload_issue(message, Words("sv"))
    assert finnish.lang is None and swedish.lang is None, message
    assert "siinä käytetään metodia '.rjust', joka ei ole sallittu" in finnish.text
    assert "metoden '.rjust' används, och den är inte tillåten" in swedish.text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("fi", "Tietoja ei voitu tallentaa: "), ("sv", "Uppgifterna kunde inte sparas: "), ("en", "The data could not be saved: ")],
)
def test_the_engine_s_english_in_a_sentence_of_the_page_is_a_part_marked_english(language, sentence):
    # a refused submit (and a failed retry's flash) put the engine's English into a sentence in the
    # reader's language: a screen reader read it with the page's voice (WCAG 2.1 SC 3.1.2)
    _ = Words(language)
    shown = messages.invalid(InvalidDataError("<b>field 'x'</b> & more"), _)
    assert str(shown) == f'{sentence}<span lang="en">&lt;b&gt;field &#39;x&#39;&lt;/b&gt; &amp; more</span>'
    flash = messages.engine_flash(N_("Tapaus #%(id)s: uusi yritys epäonnistui. %(reason)s"), "<i>x</i>", _, id=3)
    assert json.loads(json.dumps(flash)) == flash  # the session keeps it as JSON
    assert str(messages.shown_flash(flash)).endswith('<span lang="en">&lt;i&gt;x&lt;/i&gt;</span>')
    assert "#3" in str(messages.shown_flash(flash)) and messages.shown_flash("Valmis.") == "Valmis."
