"""The step library: each process-owner phrase (English and Finnish) and what it does to a case.

pytest-bdd (tests/bdd) and `kapula test` (engine.scenarios.runner) both run steps through
`run_step`, so a phrase means the same thing everywhere. Templates: `"{name}"` is a quoted value,
`{n}` a whole number, `{name:text}` the rest of the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.model import CaseStatus
from engine.scenarios.errors import StepFailed, UndefinedStep
from engine.scenarios.values import parse_value, table_data
from engine.scenarios.world import ScenarioWorld

Table = Sequence[Sequence[str]] | None
Action = Callable[..., None]


@dataclass(frozen=True)
class StepDef:
    """One step: its phrases in English and in Finnish, an example of each, and its action."""

    english: tuple[str, ...]
    finnish: tuple[str, ...]
    example: str
    example_fi: str
    action: Action

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        return [compile_template(t) for t in (*self.english, *self.finnish)]


STEPS: list[StepDef] = []
_TOKEN = re.compile(r'"\{(\w+)\}"|\{(\w+)(:text)?\}')


def compile_template(template: str) -> re.Pattern[str]:
    parts, pos = [], 0
    for m in _TOKEN.finditer(template):
        parts.append(re.escape(template[pos : m.start()]))
        if m.group(1):
            parts.append(f'"(?P<{m.group(1)}>[^"]*)"')
        elif m.group(3):
            parts.append(f"(?P<{m.group(2)}>.+)")
        else:
            parts.append(f"(?P<{m.group(2)}>\\d+)")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts))


def step(english: Sequence[str], finnish: Sequence[str], *, example: str, example_fi: str) -> Callable[[Action], Action]:
    def register(action: Action) -> Action:
        STEPS.append(StepDef(tuple(english), tuple(finnish), example, example_fi, action))
        return action

    return register


def find_step(text: str) -> tuple[StepDef, dict[str, str]]:
    """The step whose phrase matches `text` (the step line without its keyword). Raises UndefinedStep."""
    for definition in STEPS:
        for pattern in definition.patterns:
            m = pattern.fullmatch(text.strip())
            if m is not None:
                return definition, m.groupdict()
    raise UndefinedStep(f'no step says "{text.strip()}"; see docs/scenarios.md for the phrases')


def run_step(world: ScenarioWorld, text: str, table: Table = None) -> None:
    """Run one step line (without its Given/When/Then keyword) with its data table, if any."""
    definition, args = find_step(text)
    definition.action(world, table, **args)


# -- Given --------------------------------------------------------------------------------------


@step(
    ['the process "{process}" is deployed'],
    ['prosessi "{process}" on otettu käyttöön'],
    example='Given the process "Yrityspalveluprosessi" is deployed',
    example_fi='Oletetaan prosessi "Yrityspalveluprosessi" on otettu käyttöön',
)
def _deployed(world: ScenarioWorld, table: Table, process: str) -> None:
    world.deploy(process)


@step(
    ['a new case of "{process}"', 'a new case of "{process}" with:'],
    ['uusi tapaus prosessista "{process}"', 'uusi tapaus prosessista "{process}" tiedoilla:'],
    example='Given a new case of "Yrityspalveluprosessi" with:\n  | customer | Lohjan Leipä Oy |',
    example_fi='Oletetaan uusi tapaus prosessista "Yrityspalveluprosessi" tiedoilla:\n  | customer | Lohjan Leipä Oy |',
)
def _new_case(world: ScenarioWorld, table: Table, process: str) -> None:
    world.start(process, table_data(table))


# -- When ---------------------------------------------------------------------------------------


@step(
    ['"{lane}" completes "{task}"', '"{lane}" completes "{task}" with:'],
    ['"{lane}" suorittaa tehtävän "{task}"', '"{lane}" suorittaa tehtävän "{task}" tiedoilla:'],
    example='When "Asiakas" completes "Arvioi palvelu" with:\n  | satisfaction | 4 |',
    example_fi='Kun "Asiakas" suorittaa tehtävän "Arvioi palvelu" tiedoilla:\n  | satisfaction | 4 |',
)
def _completes(world: ScenarioWorld, table: Table, lane: str, task: str) -> None:
    world.complete(lane, task, table_data(table))


@step(
    ["{n} days pass", "{n} day passes"],
    ["kuluu {n} päivää", "kuluu {n} päivä"],
    example="When 3 days pass",
    example_fi="Kun kuluu 3 päivää",
)
def _days_pass(world: ScenarioWorld, table: Table, n: str) -> None:
    world.pass_time(timedelta(days=int(n)))


@step(
    ["{n} hours pass", "{n} hour passes"],
    ["kuluu {n} tuntia", "kuluu {n} tunti"],
    example="When 4 hours pass",
    example_fi="Kun kuluu 4 tuntia",
)
def _hours_pass(world: ScenarioWorld, table: Table, n: str) -> None:
    world.pass_time(timedelta(hours=int(n)))


# -- Then ---------------------------------------------------------------------------------------


@step(
    ['the case waits at "{task}" in lane "{lane}"', 'the case waits at "{task}"'],
    ['tapaus odottaa tehtävässä "{task}" kaistalla "{lane}"', 'tapaus odottaa tehtävässä "{task}"'],
    example='Then the case waits at "Kuvaa tarve" in lane "Asiakas"',
    example_fi='Niin tapaus odottaa tehtävässä "Kuvaa tarve" kaistalla "Asiakas"',
)
def _waits_at(world: ScenarioWorld, table: Table, task: str, lane: str | None = None) -> None:
    world.check_element(task)
    if lane is not None:
        world.check_lane(lane)
    waiting = [e for e in world.open_elements() if task in (e.element_name, e.element_id)]
    if not any(lane is None or e.lane == lane for e in waiting):
        where = f' in lane "{lane}"' if lane is not None else ""
        raise StepFailed(f'expected the case to wait at "{task}"{where}, but {world.describe()}')


@step(
    ['the case does not wait at "{task}"'],
    ['tapaus ei odota tehtävässä "{task}"'],
    example='Then the case does not wait at "Toteuta palvelu: Laurea"',
    example_fi='Niin tapaus ei odota tehtävässä "Toteuta palvelu: Laurea"',
)
def _does_not_wait_at(world: ScenarioWorld, table: Table, task: str) -> None:
    world.check_element(task)
    if any(task in (e.element_name, e.element_id) for e in world.open_elements()):
        raise StepFailed(f'expected the case not to wait at "{task}", but {world.describe()}')


@step(
    ["the case is completed"],
    ["tapaus on valmis", "tapaus on päättynyt"],
    example="Then the case is completed",
    example_fi="Niin tapaus on valmis",
)
def _is_completed(world: ScenarioWorld, table: Table) -> None:
    if world.case.status is not CaseStatus.COMPLETED:
        raise StepFailed(f"expected the case to be completed, but {world.describe()}")


@step(
    ['the case ended at "{end}"'],
    ['tapaus päättyi tapahtumaan "{end}"'],
    example='Then the case ended at "Tyytyväinen asiakas"',
    example_fi='Niin tapaus päättyi tapahtumaan "Tyytyväinen asiakas"',
)
def _ended_at(world: ScenarioWorld, table: Table, end: str) -> None:
    world.check_element(end)
    ends = [e for e in world.events() if e.element_type == "endEvent" and e.lifecycle.value == "task_completed"]
    if not any(end in (e.element_name, e.element_id) for e in ends):
        reached = ", ".join(f'"{e.element_name or e.element_id}"' for e in ends) or "no end event"
        raise StepFailed(f'expected the case to end at "{end}", but it reached {reached}; {world.describe()}')


@step(
    ['the case passed through "{task}"'],
    ['tapaus kulki tehtävän "{task}" kautta'],
    example='Then the case passed through "Luovuta palveluopas"',
    example_fi='Niin tapaus kulki tehtävän "Luovuta palveluopas" kautta',
)
def _passed_through(world: ScenarioWorld, table: Table, task: str) -> None:
    world.check_element(task)
    if not world.completed(task):
        raise StepFailed(f'expected the case to pass through "{task}", but it did not; {world.describe()}')


@step(
    ['the case did not pass through "{task}"'],
    ['tapaus ei kulkenut tehtävän "{task}" kautta'],
    example='Then the case did not pass through "Rahoituspäätös"',
    example_fi='Niin tapaus ei kulkenut tehtävän "Rahoituspäätös" kautta',
)
def _not_passed_through(world: ScenarioWorld, table: Table, task: str) -> None:
    world.check_element(task)
    if world.completed(task):
        raise StepFailed(f'expected the case not to pass through "{task}", but it did')


@step(
    ['the work was handed from "{from_lane}" to "{to_lane}"'],
    ['työ siirtyi kaistalta "{from_lane}" kaistalle "{to_lane}"'],
    example='Then the work was handed from "SEK" to "ELY"',
    example_fi='Niin työ siirtyi kaistalta "SEK" kaistalle "ELY"',
)
def _handed(world: ScenarioWorld, table: Table, from_lane: str, to_lane: str) -> None:
    world.check_lane(from_lane)
    world.check_lane(to_lane)
    handoffs = world.kapula.handoffs(world.case.id)
    if not any(h.from_lane == from_lane and h.to_lane == to_lane for h in handoffs):
        seen = ", ".join(f"{h.from_lane} → {h.to_lane}" for h in handoffs) or "none"
        raise StepFailed(f'expected a handoff from "{from_lane}" to "{to_lane}"; the handoffs were: {seen}')


@step(
    ["there were {n} handoffs", "there was {n} handoff"],
    ["kapulanvaihtoja oli {n}", "kapula vaihtoi kaistaa {n} kertaa"],
    example="Then there were 4 handoffs",
    example_fi="Niin kapulanvaihtoja oli 4",
)
def _handoff_count(world: ScenarioWorld, table: Table, n: str) -> None:
    handoffs = world.kapula.handoffs(world.case.id)
    if len(handoffs) != int(n):
        seen = ", ".join(f"{h.from_lane} → {h.to_lane}" for h in handoffs) or "none"
        raise StepFailed(f"expected {n} handoff(s), there were {len(handoffs)}: {seen}")


@step(
    [
        'completing "{task}" is rejected because "{text}"',
        'completing "{task}" is rejected because "{text}" with:',
        'completing "{task}" with: is rejected because "{text}"',
    ],
    [
        'tehtävän "{task}" suorittaminen hylätään, koska "{text}"',
        'tehtävän "{task}" suorittaminen hylätään, koska "{text}", tiedoilla:',
        'tehtävän "{task}" suorittaminen tiedoilla: hylätään, koska "{text}"',
    ],
    example='Then completing "Arvioi palvelu" is rejected because "satisfaction" with:\n  | satisfaction | 5 |',
    example_fi='Niin tehtävän "Arvioi palvelu" suorittaminen hylätään, koska "satisfaction", tiedoilla:\n  | satisfaction | 5 |',
)
def _rejected(world: ScenarioWorld, table: Table, task: str, text: str) -> None:
    world.reject(task, table_data(table), text)


@step(
    ['the field "{field}" is {value:text}'],
    ['kentän "{field}" arvo on {value:text}'],
    example='Then the field "organisation" is "ELY"',
    example_fi='Niin kentän "organisation" arvo on "ELY"',
)
def _field_is(world: ScenarioWorld, table: Table, field: str, value: str) -> None:
    data: dict[str, Any] = world.case.data
    expected = parse_value(value)
    if field not in data:
        raise StepFailed(f'the case has no field "{field}"; it has {", ".join(sorted(data)) or "none"}')
    if data[field] != expected:
        raise StepFailed(f'expected "{field}" to be {expected!r}, it is {data[field]!r}')
