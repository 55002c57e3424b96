"""A format width taken from case data is refused before anything is allocated
(../shared/cases/security/format-width: `"%0*d" % (leveys, numero)` with leveys = 10**9 allocated ~1 GB)."""

from __future__ import annotations

import time

import pytest

from engine.errors import CaseStepError
from tests.conftest import FIXTURES


def test_the_format_bomb_is_a_failed_step_at_once(kapula):
    kapula.deploy([("rt_fmtbomb.bpmn", (FIXTURES / "security" / "rt_fmtbomb.bpmn").read_bytes())])
    started = time.monotonic()
    with pytest.raises(CaseStepError, match="format width larger than 1000") as info:
        kapula.start_case("rt_fmtbomb", {"leveys": 10**9, "numero": 7})
    assert time.monotonic() - started < 2
    assert info.value.element_id == "sc"
    assert kapula.cases() == []
    case = kapula.start_case("rt_fmtbomb", {"leveys": 6, "numero": 7})
    assert case.data["tunnus"] == "000007"
