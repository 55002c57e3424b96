"""Which processes customers see and start: those whose process card says `customer_can_start`
(issue 15, item 7); internal processes are hidden from them. The flag is kept per version, set at
upload, and migration 0010 reads it from the cards already stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from engine.access.directory import Directory
from engine.access.policy import Role
from engine.errors import AccessDeniedError, InvalidDataError
from engine.persistence.database import make_engine
from engine.persistence.migrate import upgrade
from engine.persistence.tables import ProcessVersionRecord
from engine.process_card import load_card
from engine.services.gate import Caller
from tests.conftest import BPMN, read

CARD = json.loads((BPMN / "three_lanes.card.json").read_text())


def _card(offered: bool | None) -> tuple[str, bytes]:
    card = {k: v for k, v in CARD.items() if k != "customer_can_start"}
    if offered is not None:
        card["customer_can_start"] = offered
    return ("three_lanes.card.json", json.dumps(card).encode())


@pytest.fixture
def customer(kapula) -> Caller:
    directory = Directory(kapula.sessions, kapula.clock)
    directory.add_user("asiakas", "salasana-123", role=Role.CUSTOMER)
    return Caller(directory.principal("asiakas"), origin="test")


def test_the_card_flag_is_read_and_checked():
    assert load_card(json.dumps(CARD)).customer_can_start is True
    assert load_card(json.dumps({k: v for k, v in CARD.items() if k != "customer_can_start"})).customer_can_start is False
    with pytest.raises(InvalidDataError, match="customer_can_start: must be true or false"):
        load_card(json.dumps({**CARD, "customer_can_start": "yes"}))


@pytest.mark.parametrize("offered", [None, False])
def test_an_internal_process_is_hidden_from_customers_and_they_cannot_start_it(kapula, customer, offered):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), *([_card(offered)] if offered is not None else [])])
    assert kapula.processes(caller=customer) == []
    with pytest.raises(AccessDeniedError, match="not a service customers start themselves"):
        kapula.start_case("Handoff_demo", {}, caller=customer)
    assert [e.refused for e in kapula.access_log()] == ["process 'Handoff_demo' is not a service customers start themselves"]
    assert [v.key for v in kapula.processes()] == ["Handoff_demo"]  # everyone else sees it as before


def test_a_service_is_offered_by_its_latest_version(kapula, customer):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), _card(True)])
    assert [(v.key, v.customer_can_start) for v in kapula.processes(caller=customer)] == [("Handoff_demo", True)]
    started = kapula.start_case("Handoff_demo", {}, caller=customer)  # no start form: no data
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), _card(False)])  # withdrawn from customers
    assert kapula.processes(caller=customer) == []
    with pytest.raises(AccessDeniedError):
        kapula.start_case("Handoff_demo", {}, caller=customer)
    assert kapula.get_case(started.id, caller=customer).id == started.id  # their own case stays theirs


def test_migration_0010_reads_the_flag_from_the_stored_cards(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0009")
    columns = (
        "key",
        "version",
        "name",
        "content_hash",
        "dialect",
        "spec_json",
        "actors_json",
        "elements_json",
        "source_json",
        "created_at",
    )
    rows = []
    for key, card in [
        ("offered", {**CARD, "process": "offered"}),
        ("internal", {**CARD, "process": "internal", "customer_can_start": False}),
        ("other_card", {**CARD, "process": "someone_else"}),
        ("broken", None),
    ]:
        source = {"x.bpmn": "<x/>", "x.card.json": json.dumps(card) if card else "{not json"}
        rows.append(
            dict(
                zip(columns, (key, 1, key, "h", "spiff", "", "[]", "{}", json.dumps(source), "2026-01-01 00:00:00"), strict=True)
            )
        )
    with engine.begin() as connection:  # the table as revision 0009 left it: no flag column yet
        connection.execute(
            text(f"INSERT INTO process_version ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"), rows
        )
    upgrade(engine)
    with engine.connect() as connection:
        found = dict(connection.execute(select(ProcessVersionRecord.key, ProcessVersionRecord.customer_can_start)).all())
    engine.dispose()
    assert found == {"offered": True, "internal": False, "other_card": False, "broken": False}
