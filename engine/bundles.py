"""A model's upload bundle: the .bpmn, its process card, the decision tables and forms it refers to."""

from __future__ import annotations

import re
from pathlib import Path

from engine.process_card import CARD_SUFFIX

_FORM = re.compile(rb'kapula:form="([^"]+)"')
_DECISION_REF = re.compile(rb"<spiffworkflow:calledDecisionId>\s*([^<\s]+)\s*<")
_DECISION_ID = re.compile(rb'<(?:\w+:)?decision\b[^>]*\bid="([^"]+)"')


def model_bundle(model: Path, forms: Path | None = None) -> list[tuple[str, bytes]]:
    """(filename, content) of everything `model` needs to be a self-contained version.

    Forms are looked up in `forms` (default: the `forms/` folder next to the model's folder),
    decision tables and the `<stem>.card.json` card next to the model. A missing form or table is
    left out; loading reports what the diagram then lacks.
    """
    content = model.read_bytes()
    forms = forms if forms is not None else model.parent.parent / "forms"
    files = [(model.name, content)]
    card = model.with_name(model.stem + CARD_SUFFIX)
    if card.exists():
        files.append((card.name, card.read_bytes()))
    wanted = set(_DECISION_REF.findall(content))
    for table in sorted(model.parent.glob("*.dmn")):
        table_content = table.read_bytes()
        if wanted & set(_DECISION_ID.findall(table_content)):
            files.append((table.name, table_content))
    for name in sorted({m.decode() for m in _FORM.findall(content)}):
        path = forms / name
        if path.is_file():
            files.append((name, path.read_bytes()))
    return files


def folder_bundles(folder: Path, forms: Path | None = None) -> list[list[tuple[str, bytes]]]:
    """One bundle per .bpmn file of `folder`, in name order."""
    return [model_bundle(p, forms) for p in sorted(folder.glob("*.bpmn"))]
