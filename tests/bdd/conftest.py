"""pytest-bdd bindings of the step library: every phrase of engine.scenarios.steps, on the real engine.

The steps' logic lives in engine/scenarios (shared with `kapula test`); here each phrase is only
bound to pytest-bdd, with a fresh database (the `open_engine` fixture) and a FakeClock per scenario.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from inspect import Parameter, Signature
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import parsers, step

from engine.clock import FakeClock
from engine.scenarios.catalog import ModelCatalog
from engine.scenarios.steps import STEPS, StepDef
from engine.scenarios.world import ScenarioWorld

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def models_folder() -> Path:
    """Where `Given the process … is deployed` looks for models; test modules override it."""
    return ROOT / "bpmn"


@pytest.fixture
def scenario_world(open_engine: Callable[[], Any], clock: FakeClock, models_folder: Path) -> ScenarioWorld:
    return ScenarioWorld(open_engine(), clock, ModelCatalog(models_folder))


def _binding(definition: StepDef, pattern: re.Pattern[str]) -> Callable[..., None]:
    def bound(scenario_world: ScenarioWorld, datatable: list[list[str]] | None = None, **args: str) -> None:
        definition.action(scenario_world, datatable, **args)

    # pytest-bdd passes only the parsed arguments a step function names in its signature
    keyword = Parameter.POSITIONAL_OR_KEYWORD
    bound.__signature__ = Signature(  # type: ignore[attr-defined]
        [
            Parameter("scenario_world", keyword),
            *(Parameter(name, keyword) for name in pattern.groupindex),
            Parameter("datatable", keyword, default=None),
        ]
    )
    return bound


# Registered at module level: pytest-bdd puts step fixtures into the calling module's namespace.
for _definition in STEPS:
    for _pattern in _definition.patterns:
        step(parsers.re(_pattern.pattern))(_binding(_definition, _pattern))
