"""The JSON files of an upload: process cards (`*.card.json`) and forms (`*.json`), checked and kept as uploaded."""

from __future__ import annotations

from engine.bpmn_xml.inspect import ProcessInfo
from engine.forms import form_file_problems, is_form_file
from engine.model import ValidationIssue
from engine.process_card import CardError, check_elements, is_card_file, load_card


def is_sidecar(filename: str) -> bool:
    return filename.endswith(".json")


def sidecar_issues(files: list[tuple[str, bytes]], processes: list[ProcessInfo]) -> list[ValidationIssue]:
    """Problems of the upload's JSON files; a card must describe a process of the upload, by its element ids."""
    by_key = {p.id: p for p in processes}
    issues: list[ValidationIssue] = []
    for name, content in files:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            issues.append(ValidationIssue("a process card or form must be UTF-8 text", file=name))
            continue
        if is_card_file(name):
            issues += _card_issues(name, content, by_key)
        elif is_form_file(name):
            issues += [ValidationIssue(problem, file=name) for problem in form_file_problems(name, content)]
    return issues


def _card_issues(name: str, content: bytes, by_key: dict[str, ProcessInfo]) -> list[ValidationIssue]:
    try:
        card = load_card(content, filename=name)
    except CardError as exc:
        return [ValidationIssue(f"the process card cannot be read: {exc.message}", file=name)]
    process = by_key.get(card.process)
    if process is None:
        return [ValidationIssue(f"the process card describes process '{card.process}', which is not in this upload", file=name)]
    return [ValidationIssue(problem, file=name) for problem in check_elements(card, set(process.elements), filename=name)]
