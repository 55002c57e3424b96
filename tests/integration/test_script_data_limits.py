"""Data written by scripts meets the same data limits as data from forms and the API
(engine/data_limits.py; issue 12, item 3): a script that builds data nested 300 levels deep, a
non-finite number or ever more text is a failed step with a clear message naming the element, and
nothing of it is stored; after a timer the failure is the case's incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import CaseStepError
from engine.model import CaseStatus
from tests.conftest import FIXTURES

TEMPLATE = (FIXTURES / "security" / "rt_fmtbomb.bpmn").read_text(encoding="utf-8")  # start → script 'Muotoile' (sc) → task
SCRIPT = 'tunnus = "%0*d" % (leveys, numero)'
TIMER = (FIXTURES / "incidents" / "rt_timerpoison.bpmn").read_text(
    encoding="utf-8"
)  # start → PT1S timer → script 'Laske osuus' (sc)

NESTED_300 = "a = 1\n" + "a = [a]\n" * 300
# the sandbox stops a script building more than 1,000,000 items; copies of what the data holds cost nothing
MORE_THAN_1_MB = "".join(f"b{i} = teksti\n" for i in range(12))


def _deploy(kapula, script: str, key: str = "rt_fmtbomb") -> str:
    kapula.deploy([(f"{key}.bpmn", TEMPLATE.replace(SCRIPT, script).encode("utf-8"))])
    return key


@pytest.mark.parametrize(
    ("script", "problem"),
    [  # started with {"leveys", "numero", "teksti": 99,000 characters}
        (NESTED_300, r"field 'a' \(at a\[0\]\[0\].*\) is nested more than 32 levels deep"),
        ('osuus = float("nan")', r"field 'osuus' is nan, which is not a JSON number"),
        ("osuus = 1e308 * 10", r"field 'osuus' is inf, which is not a JSON number"),
        (MORE_THAN_1_MB, r"makes the data larger than 1048576 bytes"),
        ('a = "x" * 100000\nb = a + a', r"too long"),  # the sandbox refuses a text past 100,000 characters as it is built
        ("a = 2 ** 60", r"whole number beyond"),
    ],
)
def test_a_script_whose_data_breaks_the_limits_is_a_failed_step_and_nothing_is_stored(kapula, script, problem):
    key = _deploy(kapula, script)
    with pytest.raises(CaseStepError, match=problem) as info:
        kapula.start_case(key, {"leveys": 6, "numero": 7, "teksti": "x" * 99_000})
    assert info.value.element_id == "sc"
    assert "'Muotoile'" in info.value.message and "Traceback" not in info.value.message
    assert kapula.cases() == []


def test_a_script_within_the_limits_stores_its_data(kapula):
    key = _deploy(kapula, "a = 1\n" + "a = [a]\n" * 30 + 'teksti = "x" * 100000\nluku = 2 ** 52')
    case = kapula.start_case(key, {})
    assert case.status is CaseStatus.RUNNING and len(case.data["teksti"]) == 100_000 and case.data["luku"] == 2**52


def test_after_a_timer_the_scripts_bad_data_is_the_cases_incident_and_a_retry_with_other_data_goes_on(kapula, clock):
    kapula.deploy([("rt_timerpoison.bpmn", TIMER.replace("osuus = 100 / summa", "osuus = float(summa)").encode("utf-8"))])
    case = kapula.start_case("rt_timerpoison", {"summa": "nan"})
    clock.advance(timedelta(seconds=5))
    assert kapula.fire_due_timers_round().failed == (case.id,)
    failed = kapula.get_case(case.id)
    assert failed.status is CaseStatus.FAILED and failed.data == {"summa": "nan"}
    assert "field 'osuus' is nan, which is not a JSON number" in failed.incident.message
    assert failed.incident.element_id == "sc"
    moved = kapula.retry_case(case.id, {"summa": "2.5"})
    assert moved.status is CaseStatus.RUNNING and moved.data["osuus"] == 2.5
