"""What the engine says of a condition, script, timer or decision table, in the reader's words.

engine/bpmn_xml/validate.py builds these from a subject ("The timer of event 'Wait' (T1)"), a
predicate ("is empty", "is refused: <reason>") and a reason of the sandbox (engine/expressions/
checks.py, limits.py), of a language translation (languages.py) or of the timer parser
(timer_values.py); the decision tables' come from validate_dmn and engine/runtime/dmn.py. Each
part is matched and translated on its own (api/web/engine_texts.upload_issue asks here when its
own patterns do not match); a message with a part not known here stays as written, marked
English. What Python's parser says of a syntax error stays as it wrote it: it names tokens."""

from __future__ import annotations

import re

from api.web.engine_words import LOWER_ELEMENT, NAMED, REPR, Table, element_words, table
from api.web.i18n import N_, Words

# the part of an element a code message is about (engine.bpmn_xml.validate: _EXPRESSION_PATHS,
# _SCRIPT_PATHS), each with its element: a message of its own, so that a language can inflect the part
PARTS = {
    "loop condition": N_("%(element)s: silmukan ehto"),
    "loop cardinality": N_("%(element)s: toistojen määrä"),
    "completion condition": N_("%(element)s: lopetusehto"),
    "condition": N_("%(element)s: ehto"),
    "pre-script": N_("%(element)s: esiskripti"),
    "post-script": N_("%(element)s: jälkiskripti"),
    "script": N_("%(element)s: skripti"),
    "timer": N_("%(element)s: ajastin"),
}
_SUBJECTS = [
    (
        rf"The condition on flow (?P<flow>{NAMED}) from (?P<element>{LOWER_ELEMENT})",
        N_("%(element)s: lähtevän sekvenssivuon %(flow)s ehto"),
    ),
    (rf"The condition on flow (?P<flow>{NAMED})", N_("Sekvenssivuon %(flow)s ehto")),
    (rf"The (?P<part>{'|'.join(PARTS)}) of (?P<element>{LOWER_ELEMENT})", ""),  # the part's own message
]
# how ISO 8601 names a timer's value (engine.bpmn_xml.validate._TIMER_WORDS)
TIMER_WORDS = {"duration": N_("kesto"), "date": N_("ajankohta"), "repeating interval": N_("toistoväli")}
_PREDICATES = [
    (r"is empty", N_("%(subject)s on tyhjä.")),
    (r"has no duration, date or cycle", N_("%(subject)s ei kerro kestoa, ajankohtaa eikä toistoväliä.")),
    (r"is refused: (?P<reason>.+)", N_("%(subject)s ei kelpaa: %(reason)s.")),
    (
        rf"is not a valid ISO 8601 (?P<kind>{'|'.join(TIMER_WORDS)}): (?P<problem>.+)",
        N_("%(subject)s ei ole kelvollinen ISO 8601 -%(kind)s: %(problem)s."),
    ),
    (
        r"is written in (?P<language>.+?) \(the diagram's expressionLanguage\), which Kapula does not evaluate: "
        r"the text is (?P<text>(?s:.*))",
        N_(
            "%(subject)s on kirjoitettu kielellä %(language)s (kaavion expressionLanguage), jota Kapula ei tulkitse (teksti: %(text)s)."
        ),
    ),
    (
        r"is written in (?P<language>\S+), which Kapula does not evaluate: (?P<why>.+); the text is (?P<text>(?s:.*))",
        N_("%(subject)s on kirjoitettu kielellä %(language)s, jota Kapula ei tulkitse: %(why)s (teksti: %(text)s)."),
    ),
    (  # an empty condition in a language Kapula does not translate: the message ends at "the text is"
        r"is written in (?P<language>\S+), which Kapula does not evaluate: (?P<why>.+); the text is",
        N_("%(subject)s on kirjoitettu kielellä %(language)s, jota Kapula ei tulkitse: %(why)s (teksti on tyhjä)."),
    ),
    (
        r"is written in (?P<language>\S+), and Kapula cannot evaluate it: (?P<reason>.+); the text is (?P<text>(?s:.*))",
        N_("%(subject)s on kirjoitettu kielellä %(language)s, eikä Kapula voi tulkita sitä: %(reason)s (teksti: %(text)s)."),
    ),
]
CODE = [
    (re.compile(rf"{subject} {predicate}"), subject_id, predicate_id)
    for subject, subject_id in _SUBJECTS
    for predicate, predicate_id in _PREDICATES
]

# what the sandbox refuses (engine.expressions.checks: _CONSTRUCT_NAMES); a keyword in quotes stays as written
CONSTRUCTS = {
    "import": N_("import"),
    "a function definition ('def')": N_("funktion määrittely ('def')"),
    "a class definition": N_("luokan määrittely"),
    "a 'for' loop": N_("'for'-silmukka"),
    "a 'while' loop": N_("'while'-silmukka"),
    "a 'with' block": N_("'with'-lohko"),
    "a 'try' block": N_("'try'-lohko"),
    "an 'if' statement (use 'x = a if condition else b')": N_("'if'-lause (kirjoita 'x = a if condition else b')"),
    "a 'match' statement": N_("'match'-lause"),
    "a type annotation": N_("tyyppimerkintä"),
    "a lambda": N_("lambda-lauseke"),
    "the ':=' operator": N_("operaattori ':='"),
    "'*' unpacking": N_("'*'-purku"),
    "a set comprehension": N_("joukkokooste (set comprehension)"),
    "the '@' operator": N_("operaattori '@'"),
    "an attribute (use x['key'] instead)": N_("attribuutti (kirjoita x['key'])"),
    "an assignment": N_("sijoitus"),
}
_CONSTRUCT = rf"(?P<construct>{'|'.join(re.escape(c) for c in CONSTRUCTS)}|'[^']*')"
REASONS: Table = table(
    [
        (r"line (?P<line>\d+): (?P<reason>.+)", N_("rivi %(line)s: %(reason)s")),
        (r"syntax error at line (?P<line>\d+): (?P<detail>.+)", N_("syntaksivirhe rivillä %(line)s: %(detail)s")),
        (rf"{_CONSTRUCT} is not allowed in an expression", N_("%(construct)s ei ole sallittu lausekkeessa")),
        (rf"assigning to {_CONSTRUCT} is not allowed", N_("sijoitus kohteeseen %(construct)s ei ole sallittu")),
        (rf"{_CONSTRUCT} is not allowed", N_("%(construct)s ei ole sallittu")),
        (r"uses the name (?P<name>'.*')", N_("siinä käytetään nimeä %(name)s")),
        (r"uses the attribute (?P<name>'.*')", N_("siinä käytetään attribuuttia %(name)s")),
        (
            # the evaluator's refusal for the value at hand, and the upload's for a method no value allows
            r"uses the method (?P<name>'.*'), which (?:is not allowed|no value allows)",
            N_("siinä käytetään metodia %(name)s, joka ei ole sallittu"),
        ),
        (
            r"calls (?P<name>'.*'), which is not an allowed function",
            N_("siinä kutsutaan funktiota %(name)s, joka ei ole sallittu"),
        ),
        (r"'\*\*' unpacking in a call is not allowed", N_("'**'-purku kutsussa ei ole sallittu")),
        (r"an async comprehension is not allowed", N_("asynkroninen kooste (async comprehension) ei ole sallittu")),
        (
            r"only a name or an item can be updated with an operator like '\+='",
            N_("operaattorilla kuten '+=' voi päivittää vain nimen tai alkion"),
        ),
        (r"'del' of anything but a plain name is not allowed", N_("'del' on sallittu vain pelkälle nimelle")),
        (
            r"the comprehension would generate more than (?P<n>\d+) elements",
            N_("kooste (comprehension) tuottaisi yli %(n)s alkiota"),
        ),
        (r"it is longer than (?P<n>\d+) characters", N_("se on yli %(n)s merkkiä pitkä")),
        (r"it is nested too deeply", N_("siinä on liian monta sisäkkäistä tasoa")),
        (r"power too large", N_("potenssi on liian suuri")),
        (
            r"the result would be too long \(over (?P<n>\d+) characters or items\)",
            N_("tulos olisi liian pitkä (yli %(n)s merkkiä tai alkiota)"),
        ),
        (r"number too large", N_("luku on liian suuri")),
        (r"the text would be longer than (?P<n>\d+) characters", N_("teksti olisi yli %(n)s merkkiä pitkä")),
        (r"range longer than (?P<n>\d+)", N_("range() olisi yli %(n)s pitkä")),
    ]
)
# why a condition in another language cannot be translated (engine.expressions.languages.ExpressionRefused)
TRANSLATIONS = {"property access": N_("ominaisuuteen viittaaminen"), "function calls and lists": N_("funktiokutsut ja listat")}
WHYS: Table = table(
    [
        (
            r"Kapula evaluates Python expressions, and translates only JUEL and FEEL",
            N_("Kapula tulkitsee Python-lausekkeita ja kääntää vain JUEL- ja FEEL-lausekkeet"),
        ),
        (r"the expression is empty", N_("lauseke on tyhjä")),
        (
            r"a name with spaces \((?P<name>'.*')\) is outside the subset Kapula translates; use names without spaces",
            N_(
                "nimi, jossa on välilyönti (%(name)s), ei kuulu siihen osaan kieltä, jonka Kapula kääntää; käytä nimiä ilman välilyöntejä"
            ),
        ),
        (
            rf"(?P<what>{'|'.join(TRANSLATIONS)}|'.*') is outside the subset Kapula translates "
            r"\(names, literals, comparisons, and/or/not\)",
            N_("%(what)s ei kuulu siihen osaan kieltä, jonka Kapula kääntää (nimet, vakiot, vertailut, and/or/not)"),
        ),
    ]
)
# why a timer's ISO 8601 value cannot be used (engine.expressions.timer_values.timer_problem)
TIMER_PROBLEMS: Table = table(
    [
        (
            rf"(?P<text>{REPR}) is not an ISO 8601 duration \(such as P7D, PT1H30M or P1Y2M\)",
            N_("%(text)s ei ole ISO 8601 -kesto (kuten P7D, PT1H30M tai P1Y2M)"),
        ),
        (
            rf"(?P<text>{REPR}) is not an ISO 8601 date and time \(such as (?P<example>\S+)\)",
            N_("%(text)s ei ole ISO 8601 -ajankohta (kuten %(example)s)"),
        ),
        (
            rf"(?P<text>{REPR}) is not an ISO 8601 repeating interval \(such as R3/PT1H or R/P1D\)",
            N_("%(text)s ei ole ISO 8601 -toistoväli (kuten R3/PT1H tai R/P1D)"),
        ),
        (
            rf"(?P<text>{REPR}) is a duration, not a repeating cycle: write (?P<repeat>\S+) to repeat it \(at most "
            r"(?P<n>\d+) times\) or (?P<once>\S+) for once, or make it a timer duration",
            N_(
                "%(text)s on kesto eikä toistoväli: kirjoita %(repeat)s, niin ajastin toistuu (enintään %(n)s kertaa), "
                "tai %(once)s, niin se laukeaa kerran, tai tee siitä ajastimen kesto"
            ),
        ),
        (rf"the duration (?P<text>{REPR}) reaches past (?P<n>\d+) years", N_("kesto %(text)s on yli %(n)s vuotta")),
        (r"the duration reaches past the year 9999", N_("kesto ulottuu vuoden 9999 yli")),
        (
            rf"the cycle (?P<text>{REPR}) repeats (?P<count>\d+) times; the limit is (?P<n>\d+)",
            N_("toistoväli %(text)s toistuu %(count)s kertaa; yläraja on %(n)s"),
        ),
        (
            rf"the cycle (?P<text>{REPR}) repeats every (?P<every>[\d.e+]+) s; the shortest interval is (?P<shortest>[\d.e+]+) s",
            N_("toistoväli %(text)s toistuu %(every)s sekunnin välein; lyhin sallittu väli on %(shortest)s s"),
        ),
        (rf"(?P<text>{REPR}) is more than (?P<n>\d+) years ahead", N_("%(text)s on yli %(n)s vuoden päässä")),
        (rf"(?P<text>{REPR}) starts more than (?P<n>\d+) years ahead", N_("%(text)s alkaa yli %(n)s vuoden päästä")),
        (r"the timer text is longer than (?P<n>\d+) characters", N_("ajastimen teksti on yli %(n)s merkkiä pitkä")),
    ]
)

# what keeps a decision table from running (engine.bpmn_xml.validate.validate_dmn, engine.runtime.dmn)
_DECISION = r"decision '(?P<name>.*)' \((?P<id>[^()]*)\)"
_NEITHER = r'is neither a FEEL unary test \(such as "a","b" or \[1\.\.5\] or < 10 or not\("x"\)\) nor a Python test'
DECISIONS: Table = table(
    [
        (rf"the expression (?P<code>{REPR}) is refused: (?P<reason>.+)", N_("Lauseke %(code)s ei kelpaa: %(reason)s.")),
        (
            rf"the input entry (?P<code>{REPR}) {_NEITHER}",
            N_('Syötesolu %(code)s ei ole FEEL-testi (kuten "a","b" tai [1..5] tai < 10 tai not("x")) eikä Python-testi.'),
        ),
        (rf"the input entry (?P<code>{REPR}) is refused: (?P<reason>.+)", N_("Syötesolu %(code)s ei kelpaa: %(reason)s.")),
        (
            rf"the decision table cannot run: {_DECISION}, rule (?P<rule>\d+) \((?P<rule_id>[^()]*)\): the input entry "
            rf"(?P<code>{REPR}) {_NEITHER}",
            N_(
                "Päätöksen '%(name)s' (%(id)s) sääntö %(rule)s (%(rule_id)s): syötesolu %(code)s ei ole FEEL-testi "
                '(kuten "a","b" tai [1..5] tai < 10 tai not("x")) eikä Python-testi.'
            ),
        ),
        (
            rf"the decision table cannot run: {_DECISION}, rule (?P<rule>\d+) \((?P<rule_id>[^()]*)\): the input entry "
            rf"(?P<code>{REPR}) is refused: (?P<reason>.+)",
            N_("Päätöksen '%(name)s' (%(id)s) sääntö %(rule)s (%(rule_id)s): syötesolu %(code)s ei kelpaa: %(reason)s."),
        ),
        (
            rf"the decision table cannot run: {_DECISION} has the unknown hit policy '(?P<policy>.*)'",
            N_("Päätöksen '%(name)s' (%(id)s) osumakäytäntö '%(policy)s' on tuntematon."),
        ),
        (
            rf"the decision table cannot run: {_DECISION}: the aggregation '(?P<aggregation>.*)' needs the hit policy "
            r"COLLECT and is one of SUM, MIN, MAX, COUNT",
            N_(
                "Päätös '%(name)s' (%(id)s): koostefunktio '%(aggregation)s' edellyttää osumakäytäntöä COLLECT ja on yksi "
                "näistä: SUM, MIN, MAX, COUNT."
            ),
        ),
        (
            rf"the decision table cannot run: {_DECISION}: an aggregation \((?P<aggregation>.*)\) needs exactly one "
            r"output column \(DMN 1\.3 §8\.2\.11\)",
            N_(
                "Päätös '%(name)s' (%(id)s): koostefunktio (%(aggregation)s) edellyttää täsmälleen yhtä tulossaraketta (DMN 1.3 §8.2.11)."
            ),
        ),
        (
            rf"the decision table cannot run: {_DECISION}: the hit policy (?P<policy>.+) orders by the output values, "
            r'but no output column lists them \(e\.g\. "HIGH","LOW"\)',
            N_(
                "Päätös '%(name)s' (%(id)s): osumakäytäntö %(policy)s järjestää tulokset tulosarvojen mukaan, mutta "
                'yksikään tulossarake ei luettele niitä (esim. "HIGH","LOW").'
            ),
        ),
        (
            r"the engine cannot run this: a decision table cannot hold '(?P<kind>.*)'",
            N_("Päätöstaulussa ei voi olla elementtiä '%(kind)s'."),
        ),
        (
            rf"the engine cannot run this: the output values (?P<values>{REPR}) of output '(?P<output>.*)' are not a "
            r"comma-separated list of literals",
            N_("Tulossarakkeen '%(output)s' tulosarvot %(values)s eivät ole pilkuin erotettu luettelo vakioita."),
        ),
    ]
)


def _part(rows: Table, text: str, _: Words) -> str | None:
    """One part of a code message in the reader's words, or None when it is not known here."""
    for pattern, message_id in rows:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        found = {name: value or "" for name, value in match.groupdict().items()}
        if "construct" in found and found["construct"] in CONSTRUCTS:
            found["construct"] = _(CONSTRUCTS[found["construct"]])
        if found.get("what") in TRANSLATIONS:
            found["what"] = _(TRANSLATIONS[found["what"]])
        if "reason" in found:  # "line 2: <reason>"
            inner = _part(REASONS, found["reason"], _)
            if inner is None:
                return None
            found["reason"] = inner
        return _(message_id, **found)
    return None


def code_issue(message: str, _: Words) -> str | None:
    """A condition's, script's, timer's or decision table's problem in the reader's words, or None
    when a part of it (the subject, the predicate or the reason) is not known here."""
    for pattern, subject_id, predicate_id in CODE:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        found = {name: value or "" for name, value in match.groupdict().items()}
        subject = {k: found[k] for k in ("flow", "element") if k in found}
        if "element" in subject:
            subject["element"] = element_words(subject["element"], _)
        subject_id = subject_id or PARTS[found["part"]]
        words = {k: v for k, v in found.items() if k not in subject and k != "part"}
        for name, rows in (("reason", REASONS), ("why", WHYS), ("problem", TIMER_PROBLEMS)):
            if name in words:
                part = _part(rows, words[name], _)
                if part is None:
                    return None
                words[name] = part
        if "kind" in words:
            words["kind"] = _(TIMER_WORDS[words["kind"]])
        return _(predicate_id, subject=_(subject_id, **subject), **words)
    return _part(DECISIONS, message, _)
