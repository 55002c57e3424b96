"""The steps' world on the real engine: time passing fires timers on time, rejections change nothing,
names are checked against the model so a typo cannot pass."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.model import Lifecycle
from engine.scenarios.catalog import ModelCatalog
from engine.scenarios.errors import StepFailed
from engine.scenarios.steps import run_step
from engine.scenarios.world import ScenarioWorld
from tests.conftest import BPMN


@pytest.fixture
def world(kapula, clock) -> ScenarioWorld:
    return ScenarioWorld(kapula, clock, ModelCatalog(BPMN))


def _to_timer(world: ScenarioWorld) -> None:
    run_step(world, 'a new case of "Handoff_demo"')
    run_step(world, '"Asiakas" completes "Kuvaa tarve"')
    run_step(world, '"SEK" completes "Valmistele käynti" with:', [["needs_funding", "true"]])
    run_step(world, '"ELY" completes "Rahoituspäätös"')


def test_the_process_is_found_by_name_in_the_folder_and_deployed_once(world):
    first = world.deploy("Yrityskäynti ja kapulan vaihto")
    again = world.deploy("Handoff_demo")
    assert first.key == again.key == "Handoff_demo"
    assert [v.version for v in world.kapula.versions("Handoff_demo")] == [1]


def test_an_unknown_process_fails_the_step_naming_it(world):
    with pytest.raises(StepFailed, match="\"Nope\" cannot be deployed: process in .* 'Nope' was not found"):
        run_step(world, 'the process "Nope" is deployed')


def test_days_passing_fire_a_timer_just_after_its_due_time_not_before(world, clock):
    _to_timer(world)
    due = world.case.next_timer_due
    assert due == clock.now() + timedelta(days=2)
    run_step(world, "1 day passes")
    assert world.case.ready_tasks == ()
    run_step(world, "1 day passes")
    assert [t.name for t in world.case.ready_tasks] == ["Jälkihoito"]
    fired = next(e for e in world.events() if e.element_id == "Timer_wait" and e.lifecycle is Lifecycle.TASK_COMPLETED)
    assert fired.at == due + timedelta(seconds=1)
    assert clock.now() == due + timedelta(seconds=1)


def test_a_rejection_that_did_not_happen_fails_the_step(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(StepFailed, match='was accepted; it should be rejected because "anything"'):
        world.reject("Kuvaa tarve", {"need": "kasvu"}, "anything")


def test_a_rejection_for_another_reason_fails_the_step(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(StepFailed, match='not because "satisfaction".*plain identifiers'):
        world.reject("Kuvaa tarve", {"_x": 1}, "satisfaction")


def test_a_rejection_leaves_the_case_as_it_was(world):
    run_step(world, 'a new case of "Handoff_demo"')
    before = (world.case, world.events())
    run_step(world, 'completing "Kuvaa tarve" is rejected because "plain identifiers" with:', [["_x", "1"]])
    assert (world.case, world.events()) == before


def test_a_task_name_not_in_the_model_fails_even_a_negative_step(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(StepFailed, match='has no element "Rahoituspäätöz"; it has .*"Rahoituspäätös"'):
        run_step(world, 'the case did not pass through "Rahoituspäätöz"')


def test_a_lane_not_in_the_model_fails_the_step(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(StepFailed, match='no lane "TE"; its lanes are Asiakas, ELY, SEK'):
        run_step(world, '"TE" completes "Kuvaa tarve"')


def test_completing_in_the_wrong_lane_names_the_right_one(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(StepFailed, match='"Kuvaa tarve" waits in lane "Asiakas", not in "SEK"'):
        run_step(world, '"SEK" completes "Kuvaa tarve"')


def test_a_task_that_is_not_waiting_says_what_the_case_waits_at(world):
    run_step(world, 'a new case of "Handoff_demo"')
    with pytest.raises(
        StepFailed, match='"Jälkihoito" is not waiting for anyone; the case waits at "Kuvaa tarve" in lane "Asiakas"'
    ):
        run_step(world, '"SEK" completes "Jälkihoito"')


def test_then_steps_fail_with_what_happened_instead(world):
    _to_timer(world)
    with pytest.raises(
        StepFailed, match='expected the case to be completed, but the case waits at "Odota 2 päivää" in lane "ELY"'
    ):
        run_step(world, "the case is completed")
    with pytest.raises(StepFailed, match=r"expected 3 handoff\(s\), there were 2: Asiakas → SEK, SEK → ELY"):
        run_step(world, "there were 3 handoffs")
    with pytest.raises(StepFailed, match='expected a handoff from "ELY" to "SEK"'):
        run_step(world, 'the work was handed from "ELY" to "SEK"')
    with pytest.raises(StepFailed, match="expected the case not to pass through"):
        run_step(world, 'the case did not pass through "Rahoituspäätös"')
    with pytest.raises(StepFailed, match='expected "needs_funding" to be False, it is True'):
        run_step(world, 'the field "needs_funding" is false')
    with pytest.raises(StepFailed, match='expected the case to end at "Tyytyväinen asiakas", but it reached no end event'):
        run_step(world, 'the case ended at "Tyytyväinen asiakas"')


def test_steps_before_a_case_exists_say_how_to_start_one(world):
    with pytest.raises(StepFailed, match="no case yet"):
        run_step(world, "the case is completed")
