"""CSV event log: one row per task event, the columns process-mining tools ask for."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from engine.export.rows import LogRow, iso

COLUMNS = ("case_id", "seq", "timestamp", "activity", "transition", "lane", "resource", "element_id", "element_type", "task_id", "version")


def write_csv(out: TextIO, rows: Iterable[LogRow]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for r in rows:
        writer.writerow((r.case_id, r.seq, iso(r.at), r.activity, r.transition, r.lane or "", r.resource or "", r.element_id, r.element_type or "", r.task_id, r.version))
        count += 1
    return count
