"""How the engine names elements, and what it says of an upload's files, in the reader's words.

api/web/engine_texts.py shows the engine's English messages translated; this module holds the
element vocabulary it shares with api/web/engine_code_texts.py and the messages about the upload's
files (engine/bpmn_xml/secure.py, validate.py refusals, engine/runtime/parser.py, dmn.py,
schema_check.py, sidecars.py, engine/forms.py). What libxml2 and jsonschema say (a malformed file,
a schema error) stays as they wrote it inside the translated sentence: it names tags and keywords."""

from __future__ import annotations

import re

from api.web.i18n import N_, Words
from engine import display

# how the engine names an element (engine.bpmn_xml.labels.label, engine.runtime.labels.element_label):
# its kind, then 'Name' (id) or 'id'
NAMED = r"'.*?'(?: \([^ ()]+\))?"
KINDS = {
    "Call activity": N_("Kutsuaktiviteetti"),
    "Subprocess": N_("Aliprosessi"),
    "Sequence flow": N_("Sekvenssivuo"),
    "Process": N_("Prosessi"),
    "Gateway": N_("Yhdyskäytävä"),
    "Event": N_("Tapahtuma"),
    "Task": N_("Tehtävä"),
}
ELEMENT = rf"(?P<element>(?:{'|'.join(KINDS)}) {NAMED})"
# the same in the middle of a sentence (label(node, capital=False)): "from gateway 'Risk?' (g)"
LOWER_ELEMENT = rf"(?:{'|'.join(k.lower() for k in KINDS)}) {NAMED}"
# a value the engine quotes with engine.errors.quoted (repr: double quotes when it holds a ')
REPR = "'.*'|\".*\""


def element_words(label: str, _: Words) -> str:
    """'Task 'Name' (id)' with its kind in the reader's words (a kind written in lower case, as in
    "from gateway 'Risk?' (g)", too: it starts the reader's sentence)."""
    for kind, message_id in KINDS.items():
        if label.startswith((f"{kind} ", f"{kind.lower()} ")):
            return _(message_id) + label[len(kind) :]
    return label


# a size as engine/bpmn_xml/secure.py writes it: "5.2 MB", "5000.4 kB", "5000001 bytes"
SIZE = r"\d+(?:\.\d+)? (?:MB|kB|bytes)"
UNITS = {"MB": N_("%(n)s MB"), "kB": N_("%(n)s kB"), "bytes": N_("%(n)s tavua")}


def size_words(size: str, _: Words) -> str:
    """A size the engine wrote ("5000.4 kB") in the reader's digits and unit ("5 000,4 kB" in fi);
    any other text as it is."""
    if not re.fullmatch(SIZE, size):
        return size
    number, unit = size.split(" ")
    return _(UNITS[unit], n=display.number(float(number), display.formats(_.language), digits=1))


Table = list[tuple[re.Pattern[str], str]]


def table(rows: list[tuple[str, str]]) -> Table:
    return [(re.compile(pattern), message_id) for pattern, message_id in rows]


# what the upload's files are refused or held back for; a whole message each
FILES: Table = table(
    [
        (r"DOCTYPE declarations are not allowed", N_("Tiedostossa ei saa olla DOCTYPE-määrittelyä.")),
        (
            r"the file is not well-formed XML: (?P<detail>.+?)\.?(?: at line \d+)?",
            N_("Tiedosto ei ole kelvollista XML:ää: %(detail)s."),
        ),
        (r"the file is empty", N_("Tiedosto on tyhjä.")),
        (
            rf"the file is (?P<size>{SIZE}); the limit is (?P<limit>{SIZE})",
            N_("Tiedosto on %(size)s; yläraja on %(limit)s."),
        ),
        (
            r"the file has more than (?P<n>\d+) elements; that is the limit",
            N_("Tiedostossa on yli %(n)s elementtiä; se on yläraja."),
        ),
        (
            r"the file is not UTF-8 and declares no encoding its bytes are in: save it as UTF-8",
            N_("Tiedosto ei ole UTF-8-muotoinen, eikä se kerro merkistöään: tallenna se UTF-8-muodossa."),
        ),
        (r"the upload holds no files", N_("Latauksessa ei ole yhtään tiedostoa.")),
        (
            r"the upload holds (?P<n>\d+) files; the limit is (?P<limit>\d+)",
            N_("Latauksessa on %(n)s tiedostoa; yläraja on %(limit)s."),
        ),
        (r"two files of the upload have this name", N_("Latauksessa on kaksi tämännimistä tiedostoa.")),
        (
            r"the upload has no BPMN diagram, only decision tables",
            N_("Latauksessa ei ole BPMN-kaaviota, vain päätöstauluja."),
        ),
        (
            r"the upload has no BPMN diagram, only process cards or forms",
            N_("Latauksessa ei ole BPMN-kaaviota, vain prosessikortteja tai lomakkeita."),
        ),
        (
            r"the file is not a BPMN 2\.0 diagram \(its root element is '(?P<root>.*)'\)",
            N_("Tiedosto ei ole BPMN 2.0 -kaavio (sen juurielementti on '%(root)s')."),
        ),
        (r"the file is not a DMN decision table", N_("Tiedosto ei ole DMN-päätöstaulu.")),
        (
            r"the id of this (?P<kind>\w+) is (?P<n>\d+) characters long; the limit is (?P<limit>\d+)",
            N_("Tämän elementin (%(kind)s) tunniste on %(n)s merkkiä pitkä; yläraja on %(limit)s."),
        ),
        (
            r"the name of this (?P<kind>\w+) is (?P<n>\d+) characters long; the limit is (?P<limit>\d+)",
            N_("Tämän elementin (%(kind)s) nimi on %(n)s merkkiä pitkä; yläraja on %(limit)s."),
        ),
        (
            r"(?P<n>\d+) more ids or names are over their length limits",
            N_("Lisäksi %(n)s tunnistetta tai nimeä on pituusrajaansa pidempiä."),
        ),
        (
            r"the diagram has (?P<n>\d+) lanes; the limit is (?P<limit>\d+)",
            N_("Kaaviossa on %(n)s kaistaa; yläraja on %(limit)s."),
        ),
        (
            r"the process has (?P<n>\d+) flow elements; the limit is (?P<limit>\d+)",
            N_("Prosessissa on %(n)s kulkuelementtiä; yläraja on %(limit)s."),
        ),
        (
            r"the upload mixes Camunda extensions \((?P<camunda>.*)\) with SpiffWorkflow ones \((?P<spiff>.*)\); "
            r"draw them for one engine",
            N_(
                "Latauksessa on sekaisin Camundan laajennuksia (%(camunda)s) ja SpiffWorkflow'n laajennuksia "
                "(%(spiff)s); piirrä kaaviot yhdelle moottorille."
            ),
        ),
        (
            r"Duplicate process ID: (?P<id>.*) is defined in (?P<first>.*) and in (?P<second>.*)",
            N_("Prosessin tunniste %(id)s on määritelty sekä tiedostossa %(first)s että tiedostossa %(second)s."),
        ),
        (
            r"the engine cannot run this: calls the decision '(?P<decision>.*)', which is not in this upload "
            r"\(decisions uploaded: none\)",
            N_("Kaavio kutsuu päätöstä '%(decision)s', jota ei ole tässä latauksessa (latauksessa ei ole yhtään päätöstä)."),
        ),
        (
            r"the engine cannot run this: calls the decision '(?P<decision>.*)', which is not in this upload "
            r"\(decisions uploaded: (?P<known>.*)\)",
            N_("Kaavio kutsuu päätöstä '%(decision)s', jota ei ole tässä latauksessa (ladatut päätökset: %(known)s)."),
        ),
        (
            r"the engine cannot run this: calls the decision '(?P<decision>.*)' \((?P<ref>.*)\), which has no decision "
            r"table; Kapula runs decision tables only",
            N_("Kaavio kutsuu päätöstä '%(decision)s' (%(ref)s), jossa ei ole päätöstaulua; Kapula ajaa vain päätöstauluja."),
        ),
        (
            r"the engine cannot run this: Duplicate process ID: (?P<id>.*)",
            N_("Prosessin tunniste %(id)s on määritelty useammin kuin kerran."),
        ),
        (
            r"the engine cannot run this: two decisions have the id '(?P<id>.*)'",
            N_("Kahdella päätöksellä on sama tunniste '%(id)s'."),
        ),
        (r"the engine cannot run this: the DMN file holds no decision", N_("DMN-tiedostossa ei ole yhtään päätöstä.")),
        (
            r"the engine cannot run this: a path of the diagram is too long \(the limit is about (?P<n>\d+) elements in a row\)",
            N_("Kaaviossa on liian pitkä polku (yläraja on noin %(n)s elementtiä peräkkäin)."),
        ),
        (r"unsupported DMN version \((?P<namespace>.*)\)", N_("DMN-versiota ei tueta (%(namespace)s).")),
        (
            r"the file does not follow the BPMN/DMN schema: (?P<detail>.+?)\.?",
            N_("Tiedosto ei noudata BPMN- tai DMN-skeemaa: %(detail)s."),
        ),
        (r"the form is (?P<size>\d+) bytes; the limit is (?P<limit>\d+)", N_("Lomake on %(size)s tavua; yläraja on %(limit)s.")),
        (
            r'a form must be a JSON Schema of an object \("type": "object"\)',
            N_('Lomakkeen on oltava JSON Schema, joka kuvaa olion ("type": "object").'),
        ),
        (
            r"the form is not a valid JSON Schema \(draft 2020-12\) at (?P<where>.+?): (?P<detail>.+?)\.?",
            N_("Lomake ei ole kelvollinen JSON Schema (draft 2020-12) kohdassa %(where)s: %(detail)s."),
        ),
        (
            r"the form is not a valid JSON Schema \(draft 2020-12\): (?P<detail>.+?)\.?",
            N_("Lomake ei ole kelvollinen JSON Schema (draft 2020-12): %(detail)s."),
        ),
        (r"the form is nested too deep", N_("Lomakkeessa on liian monta sisäkkäistä tasoa.")),
        (r"the form is not valid JSON: (?P<detail>.+)", N_("Lomake ei ole kelvollista JSONia: %(detail)s.")),
        (
            r"the form: (?P<word>.+) is not a JSON number \(RFC 8259, section 6\)",
            N_("Lomakkeessa on %(word)s, joka ei ole JSON-luku (RFC 8259, kohta 6)."),
        ),
        (
            r"(?P<file>\S+): (?P<path>\S+): no element '(?P<ref>.*)' in the diagram",
            N_("%(file)s: %(path)s: kaaviossa ei ole elementtiä '%(ref)s'."),
        ),
        (
            r"a form may not combine unevaluatedProperties with patternProperties",
            N_("Lomakkeessa ei voi olla sekä unevaluatedProperties- että patternProperties-määrittelyä."),
        ),
        (r"a process card or form must be UTF-8 text", N_("Prosessikortin ja lomakkeen on oltava UTF-8-tekstiä.")),
        (
            r"the process card describes process '(?P<process>.*)', which is not in this upload",
            N_("Prosessikortti kuvaa prosessia '%(process)s', jota ei ole tässä latauksessa."),
        ),
    ]
)
