"""engine/render's own catalog (engine/render/words.py): Swedish and English for every Finnish
interface text the drawings and the card use, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from engine.render import words

RENDER = Path(words.__file__).parent
# the texts the drawings and the card look up: _("…") calls, and the few kept in constants
USED = re.compile(r'(?:\b_|words\(\w+\))\(\s*"((?:[^"\\]|\\.)*)"|^(?:MISSING|PERIODS)\b.*', re.MULTILINE)


def _used() -> set[str]:
    found: set[str] = set()
    for path in RENDER.glob("*.py"):
        if path.name == "words.py":
            continue
        for m in USED.finditer(path.read_text(encoding="utf-8")):
            found |= (
                {m.group(1)}
                if m.group(1) is not None
                else set(re.findall(r'"([^"]*[a-zäö][^"]*)"', m.group(0))) - {"year", "half_year", "quarter", "month", "case"}
            )
    return found


def test_every_text_the_renderer_uses_is_in_swedish_and_english():
    used = _used()
    assert {
        "4. Vaiheet ja sisältö",
        "mittari",
        "Työkalut",
        "mediaani %(duration)s",
        "/ vuosi",
        "*(ei kuvattu prosessikortissa)*",
    } <= used
    assert used - set(words.SV) == set() and used - set(words.EN) == set()
    assert set(words.SV) == set(words.EN) == used  # and nothing left over from texts no longer used


def test_translations_keep_the_placeholders():
    for catalog in (words.SV, words.EN):
        for finnish, text in catalog.items():
            assert sorted(re.findall(r"%\((\w+)\)s", finnish)) == sorted(re.findall(r"%\((\w+)\)s", text)), finnish


def test_the_translator_falls_back_to_finnish():
    assert words.words("sv")("Työkalut") == "Verktyg" and words.words("en_GB")("Työkalut") == "Tools"
    assert words.words("de")("Työkalut") == "Työkalut" and words.words(None)("Alkaa: %(start)s", start="x") == "Alkaa: x"
