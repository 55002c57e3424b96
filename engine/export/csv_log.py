"""CSV event log: one row per task event, the columns process-mining tools ask for.

Names in the log come from diagrams and users, and a spreadsheet runs a cell that starts with `=`,
`+`, `-` or `@` as a formula (and tab or carriage return lead into one): every text cell that
starts so gets a leading `'`, as OWASP's "CSV Injection" page advises, so it is shown as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from engine.export.rows import LogRow, iso

COLUMNS = (
    "case_id",
    "seq",
    "timestamp",
    "activity",
    "transition",
    "lane",
    "resource",
    "element_id",
    "element_type",
    "task_id",
    "version",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would read as a formula, as text (prefixed with `'`)."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def write_csv(out: IO[str], rows: Iterable[LogRow]) -> int:
    """Write the header and one line per row to `out` (quoted per RFC 4180 by the csv module);
    returns the number of rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for r in rows:
        cells = (
            r.case_id,
            r.seq,
            iso(r.at),
            r.activity,
            r.transition,
            r.lane or "",
            r.resource or "",
            r.element_id,
            r.element_type or "",
            r.task_id,
            r.version,
        )
        writer.writerow([neutralise(c) for c in cells])
        count += 1
    return count
