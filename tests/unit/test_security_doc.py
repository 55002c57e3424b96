"""docs/security.md stays true: its sections follow the OWASP ASVS 5.0 chapters in order, every item
of issue 12 is a threat there, and every test it names exists (the file, and each test function
named after it); every case of ../shared/cases/security/ has its input among the fixtures, used by
a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
# beside the checkout, where issue 12 put them (a worktree sits one level deeper)
SHARED_CASES = next(
    (
        p / "shared" / "cases" / "security"
        for p in (REPO.parent, REPO.parent.parent)
        if (p / "shared" / "cases" / "security").is_dir()
    ),
    REPO.parent / "shared" / "cases" / "security",
)
# OWASP ASVS 5.0.0 chapter titles, in the standard's order
ASVS = {
    1: "Encoding and Sanitization",
    2: "Validation and Business Logic",
    3: "Web Frontend Security",
    4: "API and Web Service",
    5: "File Handling",
    6: "Authentication",
    7: "Session Management",
    8: "Authorization",
    9: "Self-contained Tokens",
    10: "OAuth and OIDC",
    11: "Cryptography",
    12: "Secure Communication",
    13: "Configuration",
    14: "Data Protection",
    15: "Secure Coding and Architecture",
    16: "Security Logging and Error Handling",
    17: "WebRTC",
}


def _rows() -> list[str]:
    return [line for line in DOC.splitlines() if line.startswith("| ") and not line.startswith("| threat ")]


def test_the_sections_follow_the_asvs_chapters_in_order():
    sections = [(int(n), title) for n, title in re.findall(r"^## V(\d+) (.+)$", DOC, re.MULTILINE)]
    assert sections, "no ASVS sections"
    assert [n for n, _ in sections] == sorted({n for n, _ in sections}), "chapters out of order or repeated"
    for number, title in sections:
        assert ASVS[number] == title, f"V{number} is '{ASVS[number]}' in ASVS 5.0, not '{title}'"


def test_every_item_of_issue_12_is_a_threat_with_a_defence_and_a_test():
    threats = " ".join(row.split(" | ")[0] for row in _rows())
    for item in range(1, 14):
        assert re.search(rf"\[(?:\d+, )*{item}(?:, \d+)*\]", threats), f"issue 12, item {item} has no row"
    for row in _rows():
        cells = row.strip("|").split(" | ")
        assert len(cells) == 3 and all(c.strip() for c in cells), row[:120]


def _named_tests(cell: str) -> list[tuple[str, str | None]]:
    """(file, test function or None) of each test a cell names: `tests/x.py`, `tests/x.py::test_a`,
    `::test_b` or a bare `test_c` (in the file named last), `test_x.py::test_d` (a file by its name)."""
    found: list[tuple[str, str | None]] = []
    current: str | None = None
    for token in re.findall(r"`([^`]+)`", cell):
        if m := re.fullmatch(r"(tests/[\w/]+\.py)(?:::(test_\w+))?", token):
            current = m.group(1)
            found.append((current, m.group(2)))
        elif m := re.fullmatch(r"(test_\w+\.py)::(test_\w+)", token):
            matches = [str(p.relative_to(REPO)) for p in (REPO / "tests").rglob(m.group(1))]
            found.append((matches[0] if len(matches) == 1 else m.group(1), m.group(2)))
        elif (m := re.fullmatch(r"(?:::)?(test_\w+)", token)) and current is not None:
            found.append((current, m.group(1)))
    return found


def test_every_test_the_page_names_exists():
    named = [t for row in _rows() for t in _named_tests(row.rsplit(" | ", 1)[-1])]
    assert len(named) > 40
    missing = []
    for path, name in named:
        file = REPO / path
        if not file.is_file():
            missing.append(path)
        elif name is not None and f"def {name}(" not in file.read_text(encoding="utf-8"):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def test_the_check_of_named_tests_reads_every_form():
    cell = "`tests/unit/a.py::test_x`, `::test_y`, `test_z`, `tests/e2e/b.py` (`test_w`: …), `doctype_xxe.bpmn`"
    assert _named_tests(cell) == [
        ("tests/unit/a.py", "test_x"),
        ("tests/unit/a.py", "test_y"),
        ("tests/unit/a.py", "test_z"),
        ("tests/e2e/b.py", None),
        ("tests/e2e/b.py", "test_w"),
    ]


@pytest.mark.skipif(not SHARED_CASES.exists(), reason="the shared cases are not beside this checkout")
def test_every_shared_security_case_is_among_the_fixtures_and_used_by_a_test():
    fixtures = [p for p in (REPO / "tests" / "fixtures").rglob("*") if p.is_file()]
    tests = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py"))
    for case in sorted(SHARED_CASES.glob("*/*")):
        copies = [p for p in fixtures if p.read_bytes() == case.read_bytes()]
        assert copies, f"{case.parent.name}/{case.name} is not among tests/fixtures/ (copy it there, any name)"
        names = {case.name, *(p.name for p in copies)}
        if case.suffix == ".bpmn":  # a test may start it by its process key
            key = re.search(rb'<bpmn:process id="([^"]+)"', case.read_bytes())
            names |= {f'"{key.group(1).decode()}"'} if key else set()
        assert any(name in tests for name in names), f"{case.parent.name}/{case.name}: no test reads it"
