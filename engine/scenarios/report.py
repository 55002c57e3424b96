"""What a scenario run found: each scenario's steps, each model's coverage, and the report as text."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, SKIPPED, UNDEFINED = "passed", "failed", "skipped", "undefined"
KIND_LABELS = {"task": "tasks", "flow": "gateway flows", "end": "end events"}


@dataclass(frozen=True)
class StepResult:
    keyword: str
    text: str
    line: int
    status: str
    message: str | None = None


@dataclass(frozen=True)
class ScenarioResult:
    feature: str  # the feature file's path
    name: str
    line: int
    steps: tuple[StepResult, ...]

    @property
    def passed(self) -> bool:
        return all(s.status == PASSED for s in self.steps)

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in (FAILED, UNDEFINED)), None)


@dataclass(frozen=True)
class CoverageItem:
    """A task, a gateway's outgoing flow or an end event, and whether any scenario reached it."""

    kind: str  # "task" | "flow" | "end"
    element_id: str
    label: str
    reached: bool


@dataclass(frozen=True)
class ModelCoverage:
    key: str
    name: str
    items: tuple[CoverageItem, ...]

    def counts(self, kind: str) -> tuple[int, int]:
        of_kind = [i for i in self.items if i.kind == kind]
        return sum(i.reached for i in of_kind), len(of_kind)

    @property
    def missed(self) -> list[CoverageItem]:
        return [i for i in self.items if not i.reached]


@dataclass
class TestReport:
    """The outcome of `kapula test`: passed when every scenario passed and every file could be read."""

    __test__ = False  # not a pytest test class, despite the name

    scenarios: list[ScenarioResult] = field(default_factory=list)
    coverage: list[ModelCoverage] = field(default_factory=list)
    unexercised: list[str] = field(default_factory=list)  # models in the folder no scenario deployed
    problems: list[str] = field(default_factory=list)  # feature files that could not be read

    @property
    def passed(self) -> bool:
        return bool(self.scenarios) and not self.problems and all(s.passed for s in self.scenarios)


def render(report: TestReport) -> list[str]:
    """The report as lines of plain text."""
    lines: list[str] = []
    feature = None
    for s in report.scenarios:
        if s.feature != feature:
            feature = s.feature
            lines += ["", feature] if lines else [feature]
        lines.append(f"  {'PASS' if s.passed else 'FAIL'}  {s.name}  (line {s.line})")
        failed = s.failed_step
        if failed is not None:
            lines.append(f"        at line {failed.line}: {failed.keyword.strip()} {failed.text}")
            lines += [f"        {part}" for part in (failed.message or "").splitlines()]
    lines += ["", *(f"cannot read {p}" for p in report.problems)] if report.problems else []
    passed = sum(s.passed for s in report.scenarios)
    lines += ["", f"{len(report.scenarios)} scenario(s): {passed} passed, {len(report.scenarios) - passed} failed"]
    if not report.scenarios:
        lines.append("no scenarios found")
    lines += render_coverage(report)
    return lines


def render_coverage(report: TestReport) -> list[str]:
    if not report.coverage and not report.unexercised:
        return []
    lines = ["", "coverage of the models:"]
    for model in report.coverage:
        parts = []
        for kind, label in KIND_LABELS.items():
            reached, total = model.counts(kind)
            parts.append(f"{reached}/{total} {label}")
        lines.append(f"  {model.name} ({model.key}): {', '.join(parts)}")
        lines += [f"    not reached: {KIND_LABELS[i.kind][:-1]} {i.label}" for i in model.missed]
    lines += [f"  {name}: no scenario deployed it" for name in report.unexercised]
    return lines
