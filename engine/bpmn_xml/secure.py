"""Parse an uploaded XML file without trusting it: no DTDs, no entities, no network, bounded size and shape."""

from __future__ import annotations

import re
from typing import NoReturn

from lxml import etree

from engine.errors import DiagramError
from engine.model import ValidationIssue

_CHUNK = 64 * 1024
# A DOCTYPE is how both XXE and entity-expansion bombs get in; BPMN and DMN never need one.
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("ascii", "utf-16-le", "utf-16-be"))
_LIBXML_POSITION = re.compile(r",? line \d+, column \d+$")


def parse_xml(
    content: bytes,
    *,
    filename: str,
    max_bytes: int = 5_000_000,
    max_depth: int = 100,
    max_elements: int = 50_000,
) -> etree._ElementTree:
    """Parse `content` as XML or raise DiagramError with one plain-language issue.

    Refuses files over `max_bytes` before parsing, any DOCTYPE, malformed XML, and trees nested
    deeper than `max_depth` or holding more than `max_elements` elements (checked while parsing,
    so a huge flat file is abandoned early).
    """
    data = bytes(content)
    if len(data) > max_bytes:
        size, limit = _sizes(len(data), max_bytes)
        _refuse(f"the file is {size}; the limit is {limit}", filename)
    if not data.strip():
        _refuse("the file is empty", filename)
    doctype_at = _find_doctype(data)
    if doctype_at is not None:
        _refuse("DOCTYPE declarations are not allowed", filename, line=doctype_at)
    root = _parse_bounded(data, filename, max_depth=max_depth, max_elements=max_elements)
    return root.getroottree()


def source_text(content: bytes, *, filename: str) -> str:
    """An uploaded file as the text Kapula stores: UTF-8 as it is; an XML file in another encoding
    (UTF-16 by its byte order mark, or the encoding its declaration names, as Windows tools and
    older exports write) decoded, its declaration then saying UTF-8 so the text parses again as the
    same document. Raises DiagramError for bytes that are neither."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_ENCODING.match(content)
    codec = "utf-16" if content[:2] in (b"\xff\xfe", b"\xfe\xff") else declared.group(2).decode() if declared else None
    try:
        text = content.decode(codec) if codec else None
    except (LookupError, UnicodeDecodeError):
        text = None
    if text is None:
        _refuse("the file is not UTF-8 and declares no encoding its bytes are in: save it as UTF-8", filename)
    return _ENCODING_PSEUDO_ATTRIBUTE.sub(r"\g<1>\g<2>UTF-8\g<2>", text.lstrip("\ufeff"), count=1)


_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?\bencoding\s*=\s*([\"'])([A-Za-z0-9._-]+)\1")
_ENCODING_PSEUDO_ATTRIBUTE = re.compile(r"(\A\s*<\?xml[^>]*?\bencoding\s*=\s*)([\"'])[A-Za-z0-9._-]+\2")


def _new_parser() -> etree.XMLPullParser:
    # XMLPullParser is an XMLParser that also reports events, so size limits apply during parsing.
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def _parse_bounded(data: bytes, filename: str, *, max_depth: int, max_elements: int) -> etree._Element:
    parser = _new_parser()
    depth = count = 0
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                depth += 1
                count += 1
                if count == 1:
                    _check_no_doctype(element, filename)
                _check_shape(element, filename, depth, count, max_depth=max_depth, max_elements=max_elements)
        root: etree._Element = parser.close()
    except etree.XMLSyntaxError as exc:
        message = _LIBXML_POSITION.sub("", str(exc.msg or exc)).strip()
        line = exc.lineno or None
        where = f" at line {line}" if line else ""
        if message.startswith("Excessive depth in document"):
            # libxml2's own limit (256) within one chunk, before the check above sees the elements; its
            # words advised a parser option ("use XML_PARSE_HUGE option")
            _refuse(f"the file nests elements more than {max_depth} levels deep", filename, line=line)
        _refuse(f"the file is not well-formed XML: {message}{where}", filename, line=line)
    return root


def _check_no_doctype(first: etree._Element, filename: str) -> None:
    # The byte scan misses exotic encodings; the parser's own record of a DOCTYPE does not.
    info = first.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        _refuse("DOCTYPE declarations are not allowed", filename, line=1)


def _check_shape(element: etree._Element, filename: str, depth: int, count: int, *, max_depth: int, max_elements: int) -> None:
    line = element.sourceline
    if depth > max_depth:
        _refuse(f"the file nests elements more than {max_depth} levels deep", filename, line=line)
    if count > max_elements:
        _refuse(f"the file has more than {max_elements} elements; that is the limit", filename, line=line)


def _find_doctype(data: bytes) -> int | None:
    for marker in _DOCTYPE_MARKERS:
        at = data.find(marker)
        if at >= 0:
            return data.count(b"\n", 0, at) + 1
    return None


def _sizes(n_bytes: int, limit: int) -> tuple[str, str]:
    """`n_bytes` and `limit` in one unit, the largest that tells them apart at one decimal: "5.2 MB"
    and "5 MB", "5000.4 kB" and "5000 kB", or "5000001 bytes" and "5000000 bytes" (plain digits,
    which api/web/engine_words.py reads back). Rounded apart, the file never reads as within the limit."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if limit < factor:
            continue
        size, shown_limit = (f"{n / factor:.1f}".removesuffix(".0") for n in (n_bytes, limit))
        if size != shown_limit:
            return f"{size} {unit}", f"{shown_limit} {unit}"
    return f"{n_bytes} bytes", f"{limit} bytes"


def _refuse(message: str, filename: str, *, line: int | None = None) -> NoReturn:
    raise DiagramError([ValidationIssue(message, line=line, file=filename)], filename=filename)
