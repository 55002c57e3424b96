"""`kapula test`: run feature files against the models and report each scenario and each model's coverage."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from engine.services.operations import render_scenario_report as render
from engine.services.operations import run_features
from engine.services.results import TestReport


@click.command("test")
@click.argument("paths", nargs=-1, metavar="[FEATURE_OR_DIR]...", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--models",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    show_default="bpmn",
    help="Folder of the models (.bpmn, .dmn, process cards) that `Given the process … is deployed` finds.",
)
@click.option(
    "--forms",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of the forms (default: forms/ next to the models folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def run_scenarios(paths: tuple[Path, ...], models: Path | None, forms: Path | None, as_json: bool) -> None:
    """Run the scenarios of FEATURE files (or of every .feature under DIR; default: features/).

    Each scenario runs on its own fresh database with a simulated clock, so nothing is written to
    Kapula's own database. Exits 1 when a scenario fails or a file cannot be read.
    """
    targets = list(paths) or [Path("features")]
    missing = [t for t in targets if not t.exists()]
    if missing and not paths:
        raise click.UsageError(f"no features: the default folder 'features' is not in {Path.cwd()}; name FEATURE_OR_DIR")
    if missing:
        raise click.BadParameter(f"{missing[0]} does not exist", param_hint="FEATURE_OR_DIR")
    # `kapula test /etc/passwd` said "Invalid value for '--models': Directory 'bpmn' does not exist", an
    # option not given: the argument is checked first, and the default folder only when it is used
    other = [t for t in targets if not t.is_dir() and t.suffix != ".feature"]
    if other:
        raise click.BadParameter(f"{other[0]} is not a .feature file or a folder of them", param_hint="FEATURE_OR_DIR")
    if models is None:
        models = Path("bpmn")
        if not models.is_dir():
            raise click.UsageError(
                f"no models: the default models folder 'bpmn' is not in {Path.cwd()}; name the folder with --models"
            )
    report = run_features(targets, models=models, forms=forms)
    if as_json:
        click.echo(json.dumps(_as_json(report), ensure_ascii=False, indent=2))
    else:
        for line in render(report):
            click.echo(line)
    sys.exit(0 if report.passed else 1)


def _as_json(report: TestReport) -> dict[str, object]:
    return {
        "passed": report.passed,
        "scenarios": [{**dataclasses.asdict(s), "passed": s.passed} for s in report.scenarios],
        "coverage": [dataclasses.asdict(c) for c in report.coverage],
        "unexercised": report.unexercised,
        "problems": report.problems,
    }
