"""Erasing a case's personal data (issue 15) as a use case on the in-memory unit of work: who may
erase, which fields go, where their values go from, and the access-log entry, without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.access.access_log import AccessEntry
from engine.access.policy import Principal, Role
from engine.erasure import ERASED
from engine.errors import AccessDeniedError, InvalidDataError, NotFoundError
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import BufferedMessage, CaseTexts
from engine.services.cases import erase
from engine.services.gate import Caller, refusal_of

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ADMIN = Caller(Principal("admin", "Admin", Role.ADMINISTRATOR), origin="test")
ADVISOR = Caller(Principal("sek.a", "A", Role.ADVISOR, organisation="SEK"), origin="test")
FORM = {"properties": {"asiakas": {"type": "string", "x-personal": True}, "kanava": {"type": "string"}}}
SECRET = "Oy Salainen Ab"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Case 7: its customer's name in the data, a task's body, two events and a correlation value."""
    fake = FakeUnitOfWork()
    fake.erasure.cases[7] = (
        {"k.bpmn": "<definitions/>", "yhteydenotto.json": json.dumps(FORM)},
        CaseTexts(
            json.dumps({"asiakas": SECRET, "kanava": "kaynti", "muistio": f"soitettu {SECRET}"}),
            json.dumps({"title": "Yhteydenotto"}),
            tasks={"t1": json.dumps({"data": {"asiakas": SECRET}}), "t2": json.dumps({"data": {}})},
            events={1: json.dumps({"asiakas": SECRET, "kanava": "kaynti"}), 2: json.dumps({"kanava": "puhelin"})},
            correlations={"customer": json.dumps({"name": SECRET})},
        ),
    )
    return fake


def _texts(uow: FakeUnitOfWork) -> list[str]:
    texts = uow.erasure.cases[7][1]
    return [
        t
        for t in (texts.data, texts.header, *texts.tasks.values(), *texts.events.values(), *texts.correlations.values())
        if t is not None
    ]


def test_the_reasons_typed_for_the_case_are_erased_and_counted_the_erasure_s_own_stays(uow):
    earlier = [
        AccessEntry(NOW, "omistaja", 7, "cancel", reason="Asiakas Erkki (puh 040 1234567) pyysi"),
        AccessEntry(NOW, "sek.a", 7, "read"),
        AccessEntry(NOW, "admin", 8, "cancel", reason="toisen tapauksen syy"),
    ]
    uow.access_log.add(earlier)
    result = erase(uow, 7, None, reason="Tietopyyntö 2026/7", by="ignored", origin=None, caller=ADMIN, now=NOW)
    assert result.rows_changed == 5  # the four texts of the case and the cancel's reason
    assert [(e.user, e.case_id, e.action, e.reason) for e in uow.access_log.rows] == [
        ("omistaja", 7, "cancel", ERASED),
        ("sek.a", 7, "read", None),
        ("admin", 8, "cancel", "toisen tapauksen syy"),
        ("admin", 7, "erase", "Tietopyyntö 2026/7"),
    ]


def test_an_administrator_erases_the_declared_fields_everywhere_with_a_reason(uow):
    result = erase(uow, 7, None, reason="  GDPR request  ", by="ignored", origin=None, caller=ADMIN, now=NOW)
    assert (result.fields, result.rows_changed) == (("asiakas",), 4)  # data, task t1, event 1, the correlation
    assert not any(SECRET in t for t in _texts(uow))
    data = json.loads(uow.erasure.cases[7][1].data)
    assert data == {"asiakas": ERASED, "kanava": "kaynti", "muistio": f"soitettu {ERASED}"}  # a copy under another key too
    assert uow.erasure.cases[7][1].events[2] == json.dumps({"kanava": "puhelin"})
    assert uow.erasure.row_versions[7] == 2  # every process's cache of live cases reloads the case
    (logged,) = uow.access_log.rows
    assert (logged.user, logged.case_id, logged.action, logged.origin, logged.reason, logged.refused) == (
        "admin",
        7,
        "erase",
        "test",
        "GDPR request",
        None,
    )


def test_an_advisor_is_refused_and_nothing_changes(uow):
    before = _texts(uow)
    with pytest.raises(AccessDeniedError, match="only administrators erase personal data") as raised:
        erase(uow, 7, None, reason="asked", by="sek.a", origin=None, caller=ADVISOR, now=NOW)
    assert _texts(uow) == before and uow.access_log.rows == []
    refused = refusal_of(raised.value)
    assert (refused.user, refused.action, refused.case_id, refused.refused) == (
        "sek.a",
        "erase",
        7,
        "only administrators erase personal data",
    )


def test_a_caller_gives_a_reason(uow):
    with pytest.raises(InvalidDataError) as raised:
        erase(uow, 7, None, reason="   ", by="admin", origin=None, caller=ADMIN, now=NOW)
    assert raised.value.field_errors == {"reason": "required"} and uow.access_log.rows == []


def test_named_fields_replace_the_declared_ones(uow):
    result = erase(uow, 7, ["kanava"], reason=None, by="tietosuoja", origin="kapula erase", caller=None, now=NOW)
    assert result.fields == ("kanava",)
    assert json.loads(uow.erasure.cases[7][1].data)["asiakas"] == SECRET
    assert json.loads(uow.erasure.cases[7][1].events[2]) == {"kanava": ERASED}
    assert uow.access_log.rows[0].user == "tietosuoja" and uow.access_log.rows[0].reason is None


def test_without_declared_fields_the_fields_are_named(uow):
    source, texts = uow.erasure.cases[7]
    uow.erasure.cases[7] = ({"k.bpmn": "<definitions/>"}, texts)
    with pytest.raises(InvalidDataError) as raised:
        erase(uow, 7, None, reason="asked", by="admin", origin=None, caller=ADMIN, now=NOW)
    assert raised.value.field_errors == {"fields": "required"}


def test_an_unknown_case_is_not_found(uow):
    with pytest.raises(NotFoundError):
        erase(uow, 8, None, reason="asked", by="admin", origin=None, caller=ADMIN, now=NOW)


def _kept_from(case_id: int, payload: object) -> BufferedMessage:
    correlations = {"customer": {"name": SECRET}}
    return BufferedMessage(
        "decision", "k2", "Pool", None, correlations, payload, case_id, "End", None, NOW, NOW + timedelta(days=1)
    )


def test_the_messages_the_case_sent_that_are_kept_are_blanked_too(uow):
    """As SqlErasureRepository does message_buffer's rows: the payload and thrown correlation values
    of what case 7 sent and nobody took yet; another case's kept message stays as it was."""
    mine = uow.buffer.add(_kept_from(7, {"asiakas": SECRET, "kanava": "kaynti"}))
    other = uow.buffer.add(_kept_from(8, {"asiakas": SECRET}))
    result = erase(uow, 7, None, reason="GDPR", by="admin", origin=None, caller=ADMIN, now=NOW)
    assert result.rows_changed == 6  # the four of the case, the kept payload and its correlation values
    kept = {m.id: m for m in uow.buffer.pending("k2", "decision", now=NOW)}
    assert (kept[mine].payload, kept[mine].correlations) == (
        {"asiakas": ERASED, "kanava": "kaynti"},
        {"customer": {"name": ERASED}},
    )
    assert (kept[other].payload, kept[other].correlations) == ({"asiakas": SECRET}, {"customer": {"name": SECRET}})
    assert uow.erasure.read(7)[1].kept_payloads == {mine: json.dumps({"asiakas": ERASED, "kanava": "kaynti"})}
