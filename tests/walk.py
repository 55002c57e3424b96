"""Every diagram the project has, and data to walk its cases with: for the "no traceback, ever" tests."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

from engine.bpmn_xml import parse_xml
from engine.bundles import upload_bundles
from engine.errors import DiagramError

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = sorted(p for root in (REPO / "bpmn", REPO / "tests" / "fixtures") for p in root.rglob("*.bpmn"))
MAX_STEPS = 12  # tasks completed per case; loops would go on for ever with random data
_CODE = re.compile(
    r"(?:conditionExpression|script|condition|loopCardinality|completionCondition|timeDuration|timeDate|"
    r"timeCycle|preScript|postScript|text|inputExpression)$"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "VIP", "FI", "kasvu", "Premium", "", "0"]),
)
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3))


def label(path: Path) -> str:
    return str(path.relative_to(REPO))


def names_in(path: Path) -> list[str]:
    """The names the diagram's expressions and scripts use, so generated data can reach its branches."""
    try:
        root = parse_xml(path.read_bytes(), filename=path.name).getroot()
    except DiagramError:
        return []
    found: set[str] = set()
    for element in root.iter():
        if isinstance(element.tag, str) and _CODE.search(etree.QName(element).localname) and element.text:
            found.update(_NAME.findall(element.text))
    return sorted(found - {"and", "or", "not", "True", "False", "None", "in", "is", "if", "else"})


def case_data(names: list[str]) -> st.SearchStrategy[dict[str, object]]:
    """Data for a start or a task: mostly the diagram's own names (every one, to get past its
    gateways, or a few), sometimes other identifiers or keys no form accepts."""
    identifier = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
    odd = st.dictionaries(st.text(min_size=1, max_size=8), VALUE, max_size=3)
    if not names:
        return st.one_of(st.dictionaries(identifier, VALUE, max_size=4), odd)
    every = st.fixed_dictionaries({n: VALUE for n in names[:30]})
    some = st.dictionaries(st.one_of(st.sampled_from(names), identifier), VALUE, max_size=6)
    return st.one_of(every, every, some, odd)


def bundle_of(path: Path) -> list[tuple[str, bytes]]:
    """The upload of one diagram as `kapula load` makes it: with its card, tables, forms and the models
    of its folder that its call activities call (so called processes are walked too)."""
    return upload_bundles([path])[0]
