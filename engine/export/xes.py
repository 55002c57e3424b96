"""XES (IEEE 1849-2016) writer: extensions and globals declared, one trace per case, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from engine.export.rows import LogRow, iso

EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)


def _attr(kind: str, key: str, value: str) -> str:
    return f"<{kind} key={quoteattr(key)} value={quoteattr(value)}/>"


def _header(process_key: str, process_name: str) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
    for name, prefix, uri in EXTENSIONS:
        yield f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n'
    yield '  <global scope="trace">' + _attr("string", "concept:name", "__INVALID__") + "</global>\n"
    yield (
        '  <global scope="event">'
        + _attr("string", "concept:name", "__INVALID__")
        + _attr("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
        + _attr("string", "lifecycle:transition", "complete")
        + "</global>\n"
    )
    yield '  <classifier name="Activity" keys="concept:name"/>\n'
    yield '  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>\n'
    yield "  " + _attr("string", "concept:name", process_name) + "\n"
    yield "  " + _attr("string", "kapula:process", process_key) + "\n"


def _event(row: LogRow) -> str:
    parts = [
        _attr("string", "concept:name", row.activity),
        _attr("date", "time:timestamp", iso(row.at)),
        _attr("string", "lifecycle:transition", row.transition),
        _attr("string", "kapula:element", row.element_id),
        _attr("string", "kapula:task", row.task_id),
        _attr("int", "kapula:version", str(row.version)),
    ]
    if row.lane is not None:
        parts.append(_attr("string", "org:group", row.lane))
    if row.resource is not None:
        parts.append(_attr("string", "org:resource", row.resource))
    return "    <event>" + "".join(parts) + "</event>\n"


def write_xes(out: IO[str], rows: Iterable[LogRow], cases: Iterable[Any], *, process_key: str, process_name: str) -> int:
    """Write the log; `rows` and `cases` both in case id order. Returns the number of events."""
    out.writelines(_header(process_key, process_name))
    case_iter = iter(cases)
    current: int | None = None
    count = 0
    for row in rows:
        if row.case_id != current:
            if current is not None:
                out.write("  </trace>\n")
            current = row.case_id
            info = next((c for c in case_iter if c.case_id == current), None)
            out.write("  <trace>" + _attr("string", "concept:name", str(current)))
            if info is not None:
                out.write(_attr("string", "kapula:status", info.status) + _attr("date", "kapula:started", iso(info.started_at)))
            out.write("\n")
        out.write(_event(row))
        count += 1
    if current is not None:
        out.write("  </trace>\n")
    out.write("</log>\n")
    return count
