"""Demo organisations and users for the demo lanes: one advisor per organisation lane, an owner,
an administrator and a customer with a case of their own, all with one known password."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from engine.access.directory import Directory
from engine.access.policy import Role, is_customer_lane
from engine.errors import ConflictError, KapulaError
from engine.services import Kapula

DEMO_PASSWORD = "kapula-demo"
DEMO_OWNER_ORGANISATION = "Yritys-Suomi-verkosto"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: Role
    organisation: str | None
    lanes: tuple[str, ...] = ()


def username_for(lane: str) -> str:
    """A sign-in name from a lane: 'TE-toimisto' → 'te-toimisto', 'Lohjan Yrittäjät' → 'lohjan-yrittajat'."""
    plain = unicodedata.normalize("NFKD", lane).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "neuvoja"


def add_demo_people(kapula: Kapula) -> list[DemoPerson]:
    """Create (once) the demo organisations and users for the deployed processes' lanes."""
    directory = Directory(kapula.sessions, kapula.clock)
    processes = kapula.processes()
    lanes = sorted({lane for p in processes for lane in p.actors if not is_customer_lane(lane)})
    people = [DemoPerson("admin", Role.ADMINISTRATOR, None), DemoPerson("omistaja", Role.PROCESS_OWNER, DEMO_OWNER_ORGANISATION)]
    people += [DemoPerson(username_for(lane), Role.ADVISOR, lane, (lane,)) for lane in lanes]
    people.append(DemoPerson("asiakas", Role.CUSTOMER, None))
    for org in [DEMO_OWNER_ORGANISATION, *lanes]:
        _quietly(partial(directory.add_organisation, org))
    created_customer = False
    for person in people:
        created = _quietly(
            partial(directory.add_user, person.username, DEMO_PASSWORD, role=person.role, organisation=person.organisation)
        )
        created_customer = created_customer or (created and person.role is Role.CUSTOMER)
    directory.claim_ownership([p.key for p in processes], DEMO_OWNER_ORGANISATION)
    # a service the customer could have started themselves (their portal's catalogue), else any with their lane
    offered = [p for p in processes if p.customer_can_start] + processes
    first = next((p for p in offered if p.actors and is_customer_lane(p.actors[0])), None)
    if created_customer and first is not None:
        try:
            kapula.start_case(first.key, {}, user="asiakas")  # so the customer's own view has a case
        except KapulaError:
            pass  # e.g. a start form that needs data: the customer starts one in the browser instead
    return people


def _quietly(action: Callable[[], object]) -> bool:
    """Run `action`; False if what it creates exists already (the demo runs again on every start)."""
    try:
        action()
    except ConflictError:
        return False
    return True
