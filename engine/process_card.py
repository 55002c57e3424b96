"""Process cards (TEM process description model): the sidecar `<model>.card.json` format and its loader.

A card holds what a BPMN diagram does not: purpose, scope, owner, each phase's content, success
factors and tools, the metrics with their targets, and continuous improvement. It lives next to
the model (`bpmn/<model>.card.json`) so that bpmn.io never sees, and never drops, it; it is
uploaded with the model and stored in the version's source files. Format: docs/process-card-format.md.
Stdlib only: the loader must run without SpiffWorkflow or a database.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InvalidDataError

CARD_SUFFIX = ".card.json"
FORMAT_VERSION = 1
PROCESS_TYPES = ("ydinprosessi", "tukiprosessi", "avainprosessi")
PERIODS = ("year", "half_year", "quarter", "month", "case")

# How a metric is measured from execution; each kind names the keys it needs.
MEASURE_KINDS: dict[str, tuple[str, ...]] = {
    "cases_started": (),
    "cases_completed": (),
    "cases_reaching": ("elements",),  # cases in which any of the elements completed at least once
    "element_completions": ("elements",),  # completions of the elements, summed over cases
    "field_true": ("fields",),  # (case, field) pairs whose value is true, summed over the fields
    "field_equals": ("field", "value"),  # cases whose field equals the value (or contains it, for a list)
    "field_mean": ("field",),  # mean of a numeric field over the cases that have it
    "field_share_true": ("fields",),  # share of true among the (case, field) pairs that are set
    "lead_time_mean": (),  # mean case lead time in days, completed cases
    "manual": (),  # not measurable from execution; reported by hand
}


class CardError(InvalidDataError):
    """A process card that cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class Measure:
    """How a metric's value is computed from cases and the event log (see MEASURE_KINDS)."""

    kind: str
    elements: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    field: str | None = None
    value: Any = None


@dataclass(frozen=True)
class Metric:
    """One row of the card's metrics table: `target` `unit` per `period`, e.g. 20 kpl per year."""

    id: str
    name: str
    target: float | None
    unit: str
    period: str
    comparison: str  # ">=" | "<=" | "=": which side of the target is good
    data_source: str
    processed_in: str
    measure: Measure


@dataclass(frozen=True)
class Phase:
    """One phase of the process description (the TEM card's *vaihe*): its elements in the diagram and
    what the card says of it. Not a metrics *stage* (docs/glossary.md)."""

    id: str
    name: str
    elements: tuple[str, ...]
    lanes: tuple[str, ...]
    content: str
    success_factors: tuple[str, ...]
    tools: tuple[str, ...]


@dataclass(frozen=True)
class Improvement:
    """Continuous improvement: who improves the process, how, and how often the card is reviewed."""

    responsible: str
    how: str
    review: str


@dataclass(frozen=True)
class ProcessCard:
    """The TEM process card of one process key."""

    process: str
    name: str
    type: str
    owner: str
    owner_tasks: tuple[str, ...]
    participants: tuple[str, ...]
    participant_tasks: tuple[str, ...]
    purpose: str
    goals: tuple[str, ...]
    scope: str
    start: str
    end: str
    phases: tuple[Phase, ...]
    tools: tuple[str, ...]
    metrics: tuple[Metric, ...]
    improvement: Improvement
    source: str = ""
    # a service customers may start themselves from the portal; without it the process is internal
    customer_can_start: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def phase_of(self, element_id: str) -> Phase | None:
        """The phase whose elements include `element_id`, else None."""
        return next((s for s in self.phases if element_id in s.elements), None)


def is_card_file(filename: str) -> bool:
    return filename.endswith(CARD_SUFFIX)


def load_card(content: bytes | str, *, filename: str = "card.json") -> ProcessCard:
    """Parse and check one card. Raises CardError naming the file and the field."""
    try:
        raw = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CardError(f"{filename}: not valid JSON: {exc}", field_errors={"": str(exc)}) from exc
    return _Reader(filename).card(raw)


def check_elements(card: ProcessCard, element_ids: set[str], *, filename: str = "card.json") -> list[str]:
    """Element ids that the card names but the diagram lacks, as readable problems."""
    problems = []
    for phase in card.phases:
        problems += [
            f"{filename}: phases.{phase.id}.elements: no element '{e}' in the diagram"
            for e in phase.elements
            if e not in element_ids
        ]
    for metric in card.metrics:
        problems += [
            f"{filename}: metrics.{metric.id}.measure.elements: no element '{e}' in the diagram"
            for e in metric.measure.elements
            if e not in element_ids
        ]
    return problems


class _Reader:
    """Reads the raw JSON; every error says which file and which field."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, path: str, message: str) -> CardError:
        return CardError(f"{self.filename}: {path}: {message}", field_errors={path: message})

    def obj(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(path, "must be an object")
        return raw

    def text(self, raw: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = raw.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{path}{key}", "must be a non-empty text" if required else "must be a text")
        return value

    def texts(self, raw: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}{key}", "must be a list of texts")
        return tuple(value)

    def card(self, raw: Any) -> ProcessCard:
        raw = self.obj(raw, "(top level)")
        if raw.get("format") != FORMAT_VERSION:
            raise self.fail("format", f"must be {FORMAT_VERSION}")
        kind = raw.get("type", "ydinprosessi")
        if kind not in PROCESS_TYPES:
            raise self.fail("type", f"must be one of {', '.join(PROCESS_TYPES)}")
        key = "phases" if "phases" in raw or "stages" not in raw else "stages"  # "stages": the format's first name
        phases = [self.phase(s, f"{key}[{i}]") for i, s in enumerate(self.list(raw, key))]
        metrics = [self.metric(m, f"metrics[{i}]") for i, m in enumerate(self.list(raw, "metrics"))]
        self.unique([s.id for s in phases], key)
        self.unique([m.id for m in metrics], "metrics")
        known = {
            "format",
            "process",
            "name",
            "type",
            "owner",
            "owner_tasks",
            "participants",
            "participant_tasks",
            "purpose",
            "goals",
            "scope",
            "start",
            "end",
            "phases",
            "stages",
            "tools",
            "metrics",
            "improvement",
            "customer_can_start",
        }
        offered = raw.get("customer_can_start", False)
        if not isinstance(offered, bool):
            raise self.fail("customer_can_start", "must be true or false")
        return ProcessCard(
            process=self.text(raw, "process", ""),
            name=self.text(raw, "name", ""),
            type=kind,
            owner=self.text(raw, "owner", ""),
            owner_tasks=self.texts(raw, "owner_tasks", ""),
            participants=self.texts(raw, "participants", ""),
            participant_tasks=self.texts(raw, "participant_tasks", ""),
            purpose=self.text(raw, "purpose", ""),
            goals=self.texts(raw, "goals", ""),
            scope=self.text(raw, "scope", "", required=False),
            start=self.text(raw, "start", ""),
            end=self.text(raw, "end", ""),
            phases=tuple(phases),
            tools=self.texts(raw, "tools", ""),
            metrics=tuple(metrics),
            improvement=self.improvement(raw.get("improvement", {})),
            source=self.filename,
            extra={k: v for k, v in raw.items() if k not in known},
            customer_can_start=offered,
        )

    def list(self, raw: dict[str, Any], key: str) -> builtins.list[Any]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value

    def unique(self, ids: builtins.list[str], path: str) -> None:
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                raise self.fail(f"{path}.{ident}", "the id is used twice")
            seen.add(ident)

    def phase(self, raw: Any, path: str) -> Phase:
        raw = self.obj(raw, path)
        p = f"{path}."
        return Phase(
            id=self.text(raw, "id", p),
            name=self.text(raw, "name", p),
            elements=self.texts(raw, "elements", p),
            lanes=self.texts(raw, "lanes", p),
            content=self.text(raw, "content", p, required=False),
            success_factors=self.texts(raw, "success_factors", p),
            tools=self.texts(raw, "tools", p),
        )

    def metric(self, raw: Any, path: str) -> Metric:
        raw = self.obj(raw, path)
        p = f"{path}."
        target = raw.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
            raise self.fail(f"{p}target", "must be a number or null")
        period = raw.get("period", "year")
        if period not in PERIODS:
            raise self.fail(f"{p}period", f"must be one of {', '.join(PERIODS)}")
        comparison = raw.get("comparison", ">=")
        if comparison not in (">=", "<=", "="):
            raise self.fail(f"{p}comparison", "must be '>=', '<=' or '='")
        return Metric(
            id=self.text(raw, "id", p),
            name=self.text(raw, "name", p),
            target=target,
            unit=self.text(raw, "unit", p, required=False),
            period=period,
            comparison=comparison,
            data_source=self.text(raw, "data_source", p),
            processed_in=self.text(raw, "processed_in", p),
            measure=self.measure(raw.get("measure"), f"{p}measure"),
        )

    def measure(self, raw: Any, path: str) -> Measure:
        raw = self.obj(raw, path)
        kind = raw.get("kind")
        if kind not in MEASURE_KINDS:
            raise self.fail(f"{path}.kind", f"must be one of {', '.join(MEASURE_KINDS)}")
        for key in MEASURE_KINDS[kind]:
            if key not in raw or raw[key] in (None, "", []):
                raise self.fail(f"{path}.{key}", f"is required for kind '{kind}'")
        p = f"{path}."
        return Measure(
            kind=kind,
            elements=self.texts(raw, "elements", p),
            fields=self.texts(raw, "fields", p),
            field=self.text(raw, "field", p) if "field" in raw else None,
            value=raw.get("value"),
        )

    def improvement(self, raw: Any) -> Improvement:
        raw = self.obj(raw, "improvement")
        p = "improvement."
        return Improvement(
            responsible=self.text(raw, "responsible", p),
            how=self.text(raw, "how", p),
            review=self.text(raw, "review", p),
        )


def card_in_source(source: dict[str, str], key: str) -> ProcessCard | None:
    """The card among a version's uploaded files that describes process `key`, if any."""
    name = card_file(source, key)
    return load_card(source[name], filename=name) if name is not None else None


def card_file(source: dict[str, str], key: str) -> str | None:
    """The name of the file among a version's uploaded files that is process `key`'s card, if any."""
    return next((n for n in sorted(source) if is_card_file(n) and load_card(source[n], filename=n).process == key), None)
