"""Case data as people read it: field titles instead of keys, choice labels instead of codes, lists
and yes/no in words, numbers in the locale's digits (engine/display.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine import display
from engine.model import ProcessVersion
from engine.services import Kapula


def properties(schemas: Iterable[dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    """Every field of the given forms by key; the first form that names a field gives its title."""
    out: dict[str, dict[str, Any]] = {}
    for schema in schemas:
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if isinstance(prop, dict):
                out.setdefault(name, prop)
    return out


def label(name: str, props: dict[str, dict[str, Any]]) -> str:
    return str((props.get(name) or {}).get("title") or name)


def text(value: Any, prop: dict[str, Any] | None = None, locale: str = display.DEFAULT_LOCALE) -> str:
    """One value in words: a choice's label, kyllä/ei, a list joined as a sentence, a number with its unit."""
    prop = prop or {}
    if value is None or value == "":
        return display.NOTHING
    if isinstance(value, bool):
        return display.yes_no(value, locale)
    if isinstance(value, (list, tuple)):
        declared = prop.get("items")
        items: dict[str, Any] = dict(declared) if isinstance(declared, dict) else {}
        items.setdefault("x-labels", prop.get("x-labels") or {})  # a multi-choice's labels sit on the list (forms.py)
        return display.listing([text(v, items, locale) for v in value], locale)
    if isinstance(value, (int, float)):
        return display.number(value, locale, unit=prop.get("x-unit"))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {text(v, None, locale)}" for k, v in value.items()) or display.NOTHING
    labels = prop.get("x-labels") or {}
    return str(labels.get(str(value), value))


def facts(data: dict[str, Any], props: dict[str, dict[str, Any]], locale: str = display.DEFAULT_LOCALE) -> list[tuple[str, str]]:
    """(title, value in words) per field of `data`, in the order the forms list their fields."""
    order = {name: i for i, name in enumerate(props)}
    keys = sorted(data, key=lambda k: (order.get(k, len(order)), k))
    return [(label(k, props), text(data[k], props.get(k), locale)) for k in keys]


def case_fields(kapula: Kapula, process_key: str, version: int) -> dict[str, dict[str, Any]]:
    """The fields of every form of a case's version. Forms are part of the diagram, not personal data:
    the page has checked that the user sees the case before asking."""
    return properties(kapula.forms(process_key, version).values())


def process_names(processes: Iterable[ProcessVersion]) -> dict[str, str]:
    """Process key → its name, for lists that hold cases and tasks of several processes."""
    return {p.key: p.name for p in processes}
