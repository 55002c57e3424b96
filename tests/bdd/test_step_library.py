"""The step library run by pytest-bdd on the test fixture diagrams (tests/fixtures/features)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd import scenarios

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def models_folder() -> Path:
    return FIXTURES / "bpmn"


scenarios(str(FIXTURES / "features"))
