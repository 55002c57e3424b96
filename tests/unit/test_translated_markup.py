"""A translated text is text in the pages: each catalog's every text, rendered by the pages' own
template environment (api/web/render.py) in an attribute and in an element, reads back as the
translation itself, quotes, ampersands and angle brackets included; markup a sentence needs is a
variable, never part of a catalog's text."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from lxml import html

from api.web import render
from api.web.i18n import LOCALE_DIR, Words

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _entries(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    return [m for m in catalog if m.id and not m.fuzzy]


def _in_templates() -> set[str]:
    """The message ids the templates translate (the others are the page code's, Words: plain text)."""
    found = extract_from_dir(str(render.WEB / "templates"), [("**.html", "jinja2")], keywords=DEFAULT_KEYWORDS)
    return {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in found}


def _shown(source: str, language: str, **context: object) -> html.HtmlElement:
    text = render.templates.env.from_string(source).render(language=language, **context)
    return html.fragment_fromstring(text, create_parent="div")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_catalog_text_reads_back_whole_in_an_attribute_and_an_element(language):
    words = Words(language)
    in_templates = _in_templates()
    checked = 0
    for message in _entries(language):
        singular = message.id if isinstance(message.id, str) else message.id[0]
        variables = {name: 1 for name in PLACEHOLDER.findall(singular) if name != "num"}
        if singular not in in_templates:  # page code's text: a plain str the template escapes
            if isinstance(message.id, str):
                expected = words(singular, **variables) if variables else words(singular)
            else:
                expected = words.plural(*message.id, 1, **variables)
            shown = _shown("<p title=\"{{ t }}\">{{ t }}</p><i title='{{ t }}'></i>", language, t=expected)
        elif isinstance(message.id, str):
            # a template's text is always a %-format (Jinja's newstyle gettext): "%%" is one "%"
            expected = words(message.id, **variables) if variables else words(message.id).replace("%%", "%")
            source = "<p title=\"{{ _(m, **v) }}\">{{ _(m, **v) }}</p><i title='{{ _(m, **v) }}'></i>"
            shown = _shown(source, language, m=message.id, v=variables)
        else:
            expected = words.plural(*message.id, 1, **variables)
            call = "ngettext(s, p, 1, **v)"
            source = f"<p title=\"{{{{ {call} }}}}\">{{{{ {call} }}}}</p><i title='{{{{ {call} }}}}'></i>"
            shown = _shown(source, language, s=message.id[0], p=message.id[1], v=variables)
        p, i = shown.find("p"), shown.find("i")
        assert (p.get("title"), p.text_content(), i.get("title")) == (expected, expected, expected), message.id
        checked += 1
    assert checked > 500


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_no_catalog_text_is_markup(language):
    """A tag in a translation would now be shown as its letters: pass the markup as a variable
    ({% set who %}<strong>{{ name }}</strong>{% endset %}{% trans user=who %}…{% endtrans %})."""
    tagged = [
        m.id
        for m in _entries(language)
        for text in [m.id, m.string]
        for t in ([text] if isinstance(text, str) else text)
        if TAG.search(t or "")
    ]
    assert not tagged


def test_the_texts_ones_own_markup_and_the_variables_keep_their_kind():
    source = (
        "{% set who %}<strong>{{ name }}</strong>{% endset %}"
        "{% trans user=who %}Tehtävä on käyttäjän {{ user }} työn alla. Näet sen, mutta vain hän voi täydentää tai vapauttaa sen.{% endtrans %}"
    )
    shown = _shown(source, "en", name='<b>"Ö" & co</b>')
    assert shown.xpath("strong/text()") == ['<b>"Ö" & co</b>']  # the markup stays markup, the name text
    assert shown.text_content().startswith('<b>"Ö" & co</b> is working on this task.')


def test_data_for_a_script_is_the_plain_translation():
    source = """<div data-labels='{{ {"example": _('{"Task_vanha": "Task_uusi"}')}|plain|tojson }}'></div>"""
    div = _shown(source, "en").find("div")
    assert div.get("data-labels") == '{"example": "{\\"Task_old\\": \\"Task_new\\"}"}'


def test_every_translated_text_a_template_hands_to_a_script_is_plain():
    """_() gives escaped text; JSON for a script wants the text (`|plain|tojson`)."""
    for template in sorted((render.WEB / "templates").glob("*.html")):
        for expression in re.findall(r"{{(.*?)}}", template.read_text(encoding="utf-8"), re.DOTALL):
            if "tojson" in expression and re.search(r"\b_\(", expression):
                assert "|plain|tojson" in expression.replace(" ", ""), template.name
