"""The in-memory unit of work answers as the SQL one does: the same calls on FakeUnitOfWork and on
SqlUnitOfWork over the test database (SQLite, or PostgreSQL with KAPULA_DATABASE_URL), so the unit
tests that run on the fake test what the service does on the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from engine.access.access_log import AccessEntry
from engine.access.credentials import TokenInfo
from engine.access.policy import Principal, Role
from engine.bundles import model_bundle
from engine.case_store import CaseStore
from engine.consistency import check_cases
from engine.definitions import VersionCache
from engine.erasure import ERASED
from engine.errors import ConflictError, NotFoundError
from engine.incidents import Failure
from engine.model import CaseNote, Lifecycle, ValidationIssue
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import BufferedMessage, NewUser, NewVersion, UnitOfWork
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseCorrelationRecord, CaseRecord
from engine.runtime import stepping
from engine.runtime.parser import load_files
from engine.runtime.script_engine import SafeScriptEngine
from engine.runtime.states import READY
from engine.services.cases import erase
from engine.services.definitions import store_upload
from engine.services.gate import Caller
from engine.services.messages import correlated_cases
from engine.services.routing import waiting_cases
from tests.conftest import read

LU_MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "lansi_uusimaa_yrityspalvelu.bpmn"

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "sql"])
def uow(request, kapula) -> Iterator[UnitOfWork]:
    """A unit of work of either kind; the SQL one's transaction is rolled back at the end."""
    if request.param == "fake":
        yield FakeUnitOfWork()
        return
    session = kapula.sessions()
    session.begin()
    try:
        yield SqlUnitOfWork(session)
    finally:
        session.rollback()
        session.close()


def _user(name: str, role: Role = Role.ADVISOR, organisation: str | None = "SEK") -> NewUser:
    return NewUser(name, name.upper(), role, organisation, "not-a-real-hash", NOW)


def test_the_directory(uow):
    uow.directory.add_organisation("SEK", [(None, "Neuvonta")], at=NOW)
    uow.directory.add_organisation("Novago", [], at=NOW)
    uow.directory.map_lane("SEK", "Kassa", process_key="k")
    with pytest.raises(NotFoundError):
        uow.directory.map_lane("Nobody", "Kassa", process_key=None)
    uow.directory.add_user(_user("sek.a"))
    uow.directory.add_user(_user("asiakas", Role.CUSTOMER, None))
    with pytest.raises(NotFoundError):
        uow.directory.add_user(_user("x", organisation="Nobody"))
    uow.owners.claim(["k"], "SEK")
    uow.directory.set_language("sek.a", "sv")
    with pytest.raises(NotFoundError):
        uow.directory.set_language("nobody", "sv")

    advisor = uow.directory.principal("sek.a")
    assert (advisor.username, advisor.display_name, advisor.role, advisor.organisation, advisor.language) == (
        "sek.a",
        "SEK.A",
        Role.ADVISOR,
        "SEK",
        "sv",
    )
    assert set(advisor.mapped_lanes) == {(None, "Neuvonta"), ("k", "Kassa")}
    assert advisor.owned_processes == frozenset({"k"})
    customer = uow.directory.principal("asiakas")
    assert (customer.organisation, customer.mapped_lanes, customer.owned_processes) == (None, (), frozenset())
    assert uow.directory.principal("nobody") is None
    assert (uow.directory.role("asiakas"), uow.directory.role("nobody")) == (Role.CUSTOMER, None)
    assert uow.directory.usernames() == ["asiakas", "sek.a"]
    assert uow.directory.disabled() == {}
    assert [(name, set(lanes)) for name, lanes in uow.directory.organisations()] == [
        ("Novago", set()),
        ("SEK", {(None, "Neuvonta"), ("k", "Kassa")}),
    ]
    assert (uow.directory.owner_of("k"), uow.directory.owner_of("other")) == ("SEK", None)
    assert uow.owners.owners(["k", "other"]) == {"k": "SEK", "other": None}
    assert uow.owners.organisations() == ["Novago", "SEK"]


def test_a_taken_user_name_is_a_conflict(uow):
    uow.directory.add_organisation("SEK", [], at=NOW)
    uow.directory.add_user(_user("sek.a"))
    with pytest.raises(ConflictError, match="exists already"):
        uow.directory.add_user(_user("sek.a"))


def test_a_taken_organisation_name_is_a_conflict(uow):
    uow.directory.add_organisation("SEK", [], at=NOW)
    with pytest.raises(ConflictError, match="exists already"):
        uow.directory.add_organisation("SEK", [], at=NOW)


def test_the_versions(uow):
    assert uow.versions.find("k") is None and uow.versions.of_key("k") == [] and uow.versions.latest_source("k") is None
    for n in (1, 2):
        added = uow.versions.add(
            NewVersion("k", n, f"K{n}", f"hash{n}", "bpmn", "", NOW, "k.bpmn", actors=("SEK",), source={"k.bpmn": f"<v{n}/>"})
        )
        assert (added.key, added.version, added.actors, added.runnable) == ("k", n, ("SEK",), True)
    uow.versions.add(NewVersion("a", 1, "A", "h", "bpmn", "", NOW, None))
    assert uow.versions.find("k").process.version == 2
    assert uow.versions.find("k", 1).process.name == "K1"
    assert uow.versions.find("k", 3) is None
    assert [v.version for v in uow.versions.of_key("k")] == [1, 2]
    assert [(v.key, v.version) for v in uow.versions.latest_of_each()] == [("a", 1), ("k", 2)]
    assert uow.versions.source("k", 1) == {"k.bpmn": "<v1/>"} and uow.versions.source("k", 9) is None
    number, text = uow.versions.latest_source("k")
    assert number == 2 and "<v2/>" in text
    assert uow.owners.deployed(["k", "b"]) == {"k"}
    with pytest.raises(ConflictError):
        uow.versions.add(NewVersion("k", 2, "again", "h", "bpmn", "", NOW, None))


def test_a_versions_spec_for_restoring_it(uow):
    issue = ValidationIssue("no start event", element_id="P", line=3, file="k.bpmn")
    uow.versions.add(
        NewVersion(
            "k",
            1,
            "K",
            "h",
            "bpmn",
            '{"spec": 1}',
            NOW,
            "k.bpmn",
            actors=("SEK", "Kassa"),
            elements={
                "Task": {"name": "Tarkista", "type": "UserTask", "actor": "SEK", "form": "f.json"},
                "sub:Task2": {"name": None, "type": "ScriptTask", "actor": None, "form": None},
            },
            source={"k.bpmn": "<definitions/>", "f.json": "{}"},
            issues=(issue,),
        )
    )
    stored = uow.versions.find("k", 1)
    spec = uow.versions.spec(stored.id)
    assert (spec.id, spec.key, spec.version, spec.name, spec.dialect, spec.spec_json, spec.actors) == (
        stored.id,
        "k",
        1,
        "K",
        "bpmn",
        '{"spec": 1}',
        ("SEK", "Kassa"),
    )
    assert spec.elements["Task"] == {"name": "Tarkista", "type": "UserTask", "actor": "SEK", "form": "f.json"}
    assert set(spec.elements) == {"Task", "sub:Task2"} and spec.source == {"k.bpmn": "<definitions/>", "f.json": "{}"}
    assert spec.issues == (issue,)
    assert uow.versions.spec(stored.id + 100) is None


def test_the_access_log(uow):
    uow.access_log.add(
        [
            AccessEntry(NOW, "admin", 7, "cancel", origin="test", reason="asked by the customer"),
            AccessEntry(NOW, "sek.a", 7, "read"),
            AccessEntry(NOW, "sek.b", 7, "erase", refused="only administrators erase", reason="x"),
            AccessEntry(NOW, "admin", 8, "erase", reason="GDPR request"),
        ]
    )
    assert uow.access_log.notes(7) == (CaseNote(NOW, "admin", "cancel", "asked by the customer"),)
    assert [e.user for e in uow.access_log.entries(case_id=7)] == ["admin", "sek.a", "sek.b"]
    assert [e.action for e in uow.access_log.entries(refused=True)] == ["erase"]
    assert [e.case_id for e in uow.access_log.entries(user="admin", limit=1)] == [8]


def test_an_erasure_s_rewrite_of_the_reasons(uow):
    uow.access_log.add(
        [
            AccessEntry(NOW, "admin", 7, "cancel", origin="test", reason="Erkki Esimerkki (puh 040 1234567) pyysi"),
            AccessEntry(NOW, "sek.a", 7, "read"),
            AccessEntry(NOW, "admin", 7, "erase", reason=ERASED),
            AccessEntry(NOW, "sek.b", 7, "erase", refused="only administrators erase", reason="Erkki"),
            AccessEntry(NOW, "admin", 8, "cancel", reason="Maija pyysi"),
        ]
    )
    before = uow.access_log.entries(case_id=7)
    assert uow.access_log.erase_reasons(7, ERASED) == 2
    assert uow.access_log.entries(case_id=7) == [replace(e, reason=e.reason and ERASED) for e in before]
    assert uow.access_log.notes(7) == (CaseNote(NOW, "admin", "cancel", ERASED), CaseNote(NOW, "admin", "erase", ERASED))
    assert uow.access_log.notes(8) == (CaseNote(NOW, "admin", "cancel", "Maija pyysi"),)
    assert uow.access_log.erase_reasons(7, ERASED) == 0


def _two_users(uow) -> None:
    uow.directory.add_organisation("SEK", [], at=NOW)
    uow.directory.add_user(_user("sek.a"))
    uow.directory.add_user(_user("sek.b"))


def test_sign_in_and_the_users_state(uow):
    _two_users(uow)
    assert uow.directory.sign_in("sek.a") == ("not-a-real-hash", False) and uow.directory.sign_in("nobody") is None
    uow.directory.set_password_hash("sek.a", "another-hash")
    uow.directory.set_disabled("sek.a", NOW)
    assert uow.directory.sign_in("sek.a") == ("another-hash", True)
    assert uow.directory.disabled() == {"sek.a": NOW}
    uow.directory.set_disabled("sek.a", None)
    assert uow.directory.sign_in("sek.a") == ("another-hash", False) and uow.directory.disabled() == {}
    for change in (lambda: uow.directory.set_password_hash("nobody", "h"), lambda: uow.directory.set_disabled("nobody", NOW)):
        with pytest.raises(NotFoundError):
            change()


def test_browser_sessions(uow):
    _two_users(uow)
    later = NOW + timedelta(hours=1)
    uow.credentials.open_session("sek.a", "h-old", now=NOW - timedelta(days=1), expires_at=NOW - timedelta(hours=1))
    uow.credentials.open_session("sek.a", "h-a", now=NOW, expires_at=later)
    uow.credentials.open_session("sek.b", "h-b", now=NOW, expires_at=later)
    with pytest.raises(NotFoundError):
        uow.credentials.open_session("nobody", "h-x", now=NOW, expires_at=later)
    principal, until = uow.credentials.session_holder("h-a", NOW)
    assert (principal.username, principal.organisation, until) == ("sek.a", "SEK", later)
    assert uow.credentials.session_holder("h-a", later) is None  # expired
    assert uow.credentials.session_holder("h-old", NOW - timedelta(days=1)) is None  # removed by the next sign-in
    assert uow.credentials.session_holder("unknown", NOW) is None
    uow.directory.set_disabled("sek.b", NOW)
    assert uow.credentials.session_holder("h-b", NOW) is None
    uow.directory.set_disabled("sek.b", None)
    uow.credentials.end_session("h-b")
    uow.credentials.end_session("unknown")
    assert uow.credentials.session_holder("h-b", NOW) is None
    uow.credentials.end_sessions_of("sek.a")
    assert uow.credentials.session_holder("h-a", NOW) is None


def test_api_tokens(uow):
    _two_users(uow)
    until = NOW + timedelta(days=90)
    first = uow.credentials.add_token("sek.a", "t-a", name="ci", now=NOW, expires_at=until)
    second = uow.credentials.add_token("sek.b", "t-b", name="api", now=NOW, expires_at=until)
    assert first == TokenInfo(first.id, "sek.a", "ci", NOW, until, None) and second.id > first.id
    with pytest.raises(NotFoundError):
        uow.credentials.add_token("nobody", "t-x", name="api", now=NOW, expires_at=until)
    principal, holds = uow.credentials.token_holder("t-a", NOW)
    assert (principal.username, holds) == ("sek.a", until)
    assert uow.credentials.token_holder("t-a", until) is None and uow.credentials.token_holder("t-x", NOW) is None
    assert uow.credentials.tokens(None) == [first, second] and uow.credentials.tokens("sek.b") == [second]
    with pytest.raises(NotFoundError):
        uow.credentials.tokens("nobody")
    assert uow.credentials.token(first.id) == first and uow.credentials.token(first.id + 100) is None
    uow.credentials.set_revoked(first.id, NOW)
    assert uow.credentials.token(first.id).revoked_at == NOW and uow.credentials.token_holder("t-a", NOW) is None
    uow.directory.set_disabled("sek.b", NOW)
    assert uow.credentials.token_holder("t-b", NOW) is None


def test_settings(uow):
    assert uow.settings.get("session_secret") is None
    uow.settings.add("session_secret", "s1")
    assert uow.settings.get("session_secret") == "s1"
    with pytest.raises(ConflictError):
        uow.settings.add("session_secret", "s2")


def test_the_message_buffer(uow):
    def kept(name: str, key: str, hours: int, payload: object) -> BufferedMessage:
        correlations = {"application": {"Prop_application_id": "A-1"}}
        return BufferedMessage(
            name,
            key,
            "Front office",
            "c-1",
            correlations,
            payload,
            7,
            "End_back",
            "Back office",
            NOW,
            NOW + timedelta(hours=hours),
        )

    first = uow.buffer.add(kept("decision", "Front_office", 2, {"approved": True, "n": [1, 2]}))
    second = uow.buffer.add(kept("decision", "Front_office", 1, "plain text"))
    third = uow.buffer.add(kept("decision", "Other", 2, {}))
    fourth = uow.buffer.add(kept("päätös", "Front_office", 2, {}))
    found = uow.buffer.pending("Front_office", "decision", now=NOW)
    assert [(m.id, m.payload) for m in found] == [(first, {"approved": True, "n": [1, 2]}), (second, "plain text")]
    assert found[0] == replace(kept("decision", "Front_office", 2, {"approved": True, "n": [1, 2]}), id=first)
    assert found[1].correlations == {"application": {"Prop_application_id": "A-1"}} and found[1].expires_at == NOW + timedelta(
        hours=1
    )
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW + timedelta(hours=1))] == [first]
    assert [m.name for m in uow.buffer.pending("Front_office", "päätös", now=NOW)] == ["päätös"]
    # the timer round's look at every process and name: unexpired, by id from `after`, at most `limit`
    assert [m.id for m in uow.buffer.unexpired(now=NOW, after=0, limit=10)] == [first, second, third, fourth]
    assert [m.id for m in uow.buffer.unexpired(now=NOW, after=0, limit=2)] == [first, second]
    assert [m.id for m in uow.buffer.unexpired(now=NOW, after=second, limit=2)] == [third, fourth]
    assert [m.id for m in uow.buffer.unexpired(now=NOW + timedelta(hours=1), after=0, limit=10)] == [first, third, fourth]
    assert uow.buffer.unexpired(now=NOW, after=fourth, limit=10) == []
    assert uow.buffer.unexpired(now=NOW, after=0, limit=1)[0] == found[0]
    assert uow.buffer.take(first) is True and uow.buffer.take(first) is False
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW)] == [second]
    # expired at NOW + 2 h: the three left, oldest first, in batches
    assert uow.buffer.purge_expired(now=NOW + timedelta(hours=1, minutes=59), limit=10) == 1
    assert uow.buffer.purge_expired(now=NOW + timedelta(hours=2), limit=1) == 1
    assert uow.buffer.purge_expired(now=NOW + timedelta(hours=2), limit=5) == 1
    assert uow.buffer.purge_expired(now=NOW + timedelta(hours=2), limit=5) == 0
    assert uow.buffer.pending("Front_office", "päätös", now=NOW) == []


def test_the_message_buffer_leaves_out_the_receiving_case_s_own_messages(uow):
    def sent_by(case_id: int, hours: int) -> int:
        later = NOW + timedelta(hours=hours)
        return uow.buffer.add(
            BufferedMessage("decision", "Front_office", "Front office", None, {}, {}, case_id, None, None, NOW, later)
        )

    seven, eight, expired, seven_again, eight_again = sent_by(7, 2), sent_by(8, 2), sent_by(8, 1), sent_by(7, 2), sent_by(8, 3)
    everyone = [seven, eight, expired, seven_again, eight_again]
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW)] == everyone
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW, not_from=7)] == [eight, expired, eight_again]
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW + timedelta(hours=1), not_from=7)] == [
        eight,
        eight_again,
    ]
    assert [m.id for m in uow.buffer.pending("Front_office", "decision", now=NOW, not_from=9)] == everyone


# -- on the rows of real cases: the engine makes them on the database, the fake is given the same
# state as the SQL repositories read it, and then both must answer every call alike


@pytest.fixture
def sql_unit(kapula) -> Iterator[SqlUnitOfWork]:
    """A SQL unit of work over the test database, opened after the test's cases were made through
    the engine; its transaction is rolled back at the end."""
    session = kapula.sessions()
    session.begin()
    try:
        yield SqlUnitOfWork(session)
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def waiting_at_sek(kapula, clock):
    """A Handoff_demo case a customer started, waiting in SEK's task; (case id, SEK's task id, the
    customer's completed task id)."""
    clock.set(NOW)
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Oy"}, user="asiakas")
    first = case.ready_tasks[0].id
    clock.advance(hours=1)
    kapula.complete_task(first, {"need": "kasvu"}, user="asiakas")
    (task,) = kapula.ready_tasks(case_id=case.id)
    return case.id, task.id, first


def test_claims_and_events_answer_alike(waiting_at_sek, sql_unit):
    case_id, task_id, done_id = waiting_at_sek
    fake = FakeUnitOfWork()
    fake.events.rows += sql_unit.events.of_case(case_id)
    for tid in (task_id, done_id):
        fake.claims.tasks[tid] = sql_unit.claims.user_task(tid)
    task = fake.claims.tasks[task_id]
    assert (task.ready, task.lane, fake.claims.tasks[done_id].ready) == (True, "SEK", False)
    later = NOW + timedelta(hours=2)
    for uow in (sql_unit, fake):
        assert uow.claims.user_task("no-such-task") is None
        uow.claims.record(task, user="sek.a", claim=True, at=later)
        with pytest.raises(ConflictError):  # read before the claim: the case row changed since
            uow.claims.record(task, user="sek.b", claim=True, at=later)
    for call in (
        lambda u: u.events.for_access(case_id),
        lambda u: u.events.of_case(case_id)[-1],
        lambda u: u.claims.holders([task_id, done_id]),
        lambda u: u.claims.user_task(task_id),
    ):
        assert call(fake) == call(sql_unit)
    assert fake.claims.holders([task_id]) == {task_id: "sek.a"}
    for uow in (sql_unit, fake):
        uow.claims.record(uow.claims.user_task(task_id), user="sek.a", claim=False, at=later)
    assert fake.events.of_case(case_id)[-2:] == sql_unit.events.of_case(case_id)[-2:]
    assert fake.claims.holders([task_id]) == sql_unit.claims.holders([task_id]) == {}


def test_erasure_answers_alike(kapula, clock):
    kapula.deploy(model_bundle(LU_MODEL))
    secret = "Oy Salainen Ab"
    case = kapula.start_case("lansi_uusimaa_yrityspalvelu", {"asiakas": secret, "kanava": "kaynti"}, user="neuvoja")
    kapula.complete_task(
        case.ready_tasks[0].id, {"aiempi_asiakas": False, "segmentti": "paikallinen", "tarpeet": ["rekrytointi"]}, user="neuvoja"
    )
    task_id = kapula.ready_tasks(case_id=case.id)[0].id
    session = kapula.sessions()
    session.begin()
    try:
        sql_unit = SqlUnitOfWork(session)
        fake = FakeUnitOfWork()
        # what the case sent that is still kept is its data too; another case's kept message is not
        for sender in (case.id, case.id + 1):
            payload = {"asiakas": secret, "viesti": f"soita {secret}"}
            correlations = {"hakemus": {"nimi": secret}}
            later = NOW + timedelta(days=1)
            sql_unit.buffer.add(
                BufferedMessage("vastaus", "k2", "Pool", None, correlations, payload, sender, "End", None, NOW, later)
            )
        fake.buffer.rows += sql_unit.buffer.pending("k2", "vastaus", now=NOW)  # the rows as stored, with their ids
        fake.erasure.cases[case.id] = sql_unit.erasure.read(case.id)
        assert sql_unit.erasure.read(case.id + 1) is None and fake.erasure.read(case.id + 1) is None
        version_before = sql_unit.claims.user_task(task_id).row_version
        earlier = [
            AccessEntry(NOW, "admin", case.id, "cancel", reason=f"{secret} soitti"),
            AccessEntry(NOW, "x", case.id, "read"),
        ]
        for uow in (sql_unit, fake):
            uow.access_log.add(earlier)
        admin = Caller(Principal("admin", "Admin", Role.ADMINISTRATOR), origin="test")
        results = [
            erase(uow, case.id, None, reason="GDPR", by=None, origin=None, caller=admin, now=NOW) for uow in (sql_unit, fake)
        ]
        assert results[0] == results[1] and results[0].fields == ("asiakas",) and results[0].rows_changed > 2
        after = sql_unit.erasure.read(case.id)
        assert after == fake.erasure.read(case.id)
        assert secret not in repr(after) and ERASED in after[1].data and len(after[1].kept_payloads) == 1
        kept = sql_unit.buffer.pending("k2", "vastaus", now=NOW)
        assert kept == fake.buffer.pending("k2", "vastaus", now=NOW)
        assert [(m.payload["asiakas"], m.correlations) for m in kept] == [
            (ERASED, {"hakemus": {"nimi": ERASED}}),
            (secret, {"hakemus": {"nimi": secret}}),
        ]
        assert sql_unit.claims.user_task(task_id).row_version == version_before + 1
        logged = sql_unit.access_log.entries(case_id=case.id)
        assert logged == fake.access_log.entries(case_id=case.id)
        assert [(e.action, e.reason) for e in logged] == [("cancel", ERASED), ("read", None), ("erase", "GDPR")]
    finally:
        session.rollback()
        session.close()


def test_the_consistency_reads_answer_alike(waiting_at_sek, sql_unit):
    case_id, task_id, done_id = waiting_at_sek
    fake = FakeUnitOfWork()
    fake.events.rows += sql_unit.events.of_case(case_id)
    fake.consistency.cases.update(sql_unit.consistency.case_rows([case_id]))
    fake.consistency.task_states.update(sql_unit.consistency.user_task_states([case_id]))
    fake.claims.tasks[task_id] = sql_unit.claims.user_task(task_id)
    assert set(fake.consistency.task_states[case_id]) >= {task_id, done_id}
    for call in (
        lambda u: u.consistency.case_ids(),
        lambda u: u.consistency.event_rows([case_id, case_id + 1]),
        lambda u: u.consistency.case_rows([case_id + 1]),
        lambda u: u.consistency.user_task_states([case_id + 1]),
        lambda u: check_cases(u),
    ):
        assert call(fake) == call(sql_unit)
    assert check_cases(fake) == [] and [e.lifecycle for e in sql_unit.consistency.event_rows([case_id])][0] == "case_started"
    # after a claim of SEK's task both read the new event and the case row's new count alike
    for uow in (sql_unit, fake):
        uow.claims.record(uow.claims.user_task(task_id), user="sek.a", claim=True, at=NOW)
    fake.consistency.cases[case_id] = sql_unit.consistency.case_rows([case_id])[case_id]
    assert fake.consistency.event_rows([case_id]) == sql_unit.consistency.event_rows([case_id])
    assert check_cases(fake) == check_cases(sql_unit) == []


def test_case_reads_and_incidents_answer_alike(waiting_at_sek, sql_unit):
    case_id, task_id, done_id = waiting_at_sek
    fake = FakeUnitOfWork()
    row = sql_unit.case_reads.row(case_id)
    fake.case_reads.cases[case_id] = row
    for tid in (done_id, task_id):
        fake.case_reads.tasks[tid] = (sql_unit.case_reads.task(tid), True)
    assert (row.status, row.process_key) == ("running", "Handoff_demo")
    for call in (
        lambda u: u.case_reads.row(case_id + 1),
        lambda u: u.case_reads.user_tasks(case_id, READY),
        lambda u: u.case_reads.task("no-such-task"),
        lambda u: u.case_reads.case_of_task(task_id),
        lambda u: u.case_reads.case_of_task("no-such-task"),
        lambda u: u.case_reads.ids_of("Handoff_demo"),
        lambda u: u.case_reads.ids_of("other"),
        lambda u: u.case_reads.timers_due(NOW + timedelta(days=999), limit=10),
        lambda u: u.incidents.open_of(case_id),
        lambda u: u.incidents.of_case(case_id),
        lambda u: u.case_reads.on_version(row.process_version_id, statuses=("running", "failed")),
        lambda u: u.case_reads.on_version(row.process_version_id, statuses=("running",), among=[case_id + 1]),
        lambda u: u.case_reads.on_version(row.process_version_id, statuses=("completed",)),
        lambda u: u.case_reads.on_version(row.process_version_id + 1, statuses=("running",)),
        lambda u: u.case_reads.user_task_in(task_id),
        lambda u: u.case_reads.user_task_in(done_id),
        lambda u: u.case_reads.user_task_in("no-such-task"),
    ):
        assert call(fake) == call(sql_unit)
    assert [t.task_id for t in fake.case_reads.user_tasks(case_id, READY)] == [task_id]
    assert fake.case_reads.on_version(row.process_version_id, statuses=("running",), among=[case_id]) == [case_id]
    found = sql_unit.case_reads.user_task_in(task_id)
    assert (found.id, found.task.lane, found.header_json) == (case_id, "SEK", None)  # no subworkflow: no header read
    first = Failure("timer", "Task_prepare", "Valmistele käynti", "the script failed")
    again = Failure("timer", "Task_prepare", "Valmistele käynti", "it failed again")
    for uow in (sql_unit, fake):
        assert uow.incidents.record_failure(case_id, "Handoff_demo", row.row_version - 1, first, now=NOW) is False
        assert uow.incidents.record_failure(case_id, "Handoff_demo", row.row_version, first, now=NOW) is True
        assert uow.incidents.record_failure(case_id, "Handoff_demo", row.row_version + 1, again, now=NOW) is True
    for call in (
        lambda u: u.case_reads.row(case_id),
        lambda u: u.incidents.open_of(case_id),
        lambda u: u.incidents.of_case(case_id),
    ):
        assert call(fake) == call(sql_unit)
    assert [(i.message, i.resolved_at) for i in fake.incidents.of_case(case_id)] == [("it failed again", None)]
    assert fake.case_reads.row(case_id).status == "failed"
    for uow in (sql_unit, fake):
        uow.incidents.resolve(case_id, now=NOW, by="admin")
    assert fake.incidents.of_case(case_id) == sql_unit.incidents.of_case(case_id)
    assert fake.incidents.open_of(case_id) is None and sql_unit.incidents.open_of(case_id) is None


def test_the_message_reads_answer_alike(kapula, sql_unit):
    kapula.deploy([read("two_pools_correlated.bpmn")])
    front = "Front_office"
    a, b = kapula.start_case(front), kapula.start_case(front)
    kapula.complete_task(a.ready_tasks[0].id, {"application_id": "A-1"})
    kapula.complete_task(b.ready_tasks[0].id, {"application_id": "B-2"})
    fake = FakeUnitOfWork()  # given the rows as stored, read apart from the repositories under test
    with kapula.sessions() as session:
        for row in session.execute(
            select(CaseRecord.id, CaseRecord.process_key, CaseRecord.status, CaseRecord.waiting_json, CaseRecord.conversation_id)
        ):
            fake.messages.cases[row.id] = (row.process_key, row.status, row.waiting_json, row.conversation_id)
        for case_id, key, value in session.execute(
            select(CaseCorrelationRecord.case_id, CaseCorrelationRecord.key, CaseCorrelationRecord.value)
        ):
            fake.messages.correlations[(case_id, key)] = value
    held_by_b = fake.messages.correlations[(b.id, "application")]
    conversation_of_a = fake.messages.cases[a.id][3]
    for call in (
        lambda u: u.messages.correlated("decision", ["application"]),
        lambda u: u.messages.correlated("no-such-message", ["application"]),
        lambda u: u.messages.waiting(front, "decision", values={"application": held_by_b}, conversation=None),
        lambda u: u.messages.waiting(front, "decision", values={"application": held_by_b}, conversation=conversation_of_a),
        lambda u: u.messages.waiting(front, "decision", values={"other_key": "1"}, conversation=conversation_of_a),
        lambda u: u.messages.waiting(front, "decision", values={}, conversation=conversation_of_a),
        lambda u: u.messages.waiting(front, "decision", values={}, conversation=None),
        lambda u: correlated_cases(u, "decision", {"application": "B-2"}),
        lambda u: waiting_cases(
            u, front, "decision", conversation=None, correlations={"application": {"Prop_application_id": "A-1"}}
        ),
    ):
        assert call(fake) == call(sql_unit)
    assert correlated_cases(fake, "decision", {"application": "B-2"}) == [b.id]
    assert list(fake.messages.waiting(front, "decision", values={}, conversation=conversation_of_a)) == [a.id]


# -- the cases' steps: the same calls on the fake case repository and on CaseStore over the database


@pytest.fixture
def case_units(kapula) -> Iterator[tuple[FakeUnitOfWork, SqlUnitOfWork]]:
    """A fake unit and a SQL one with a case store of its own (no live workflow kept between steps
    of the engine's); the SQL one's transaction is rolled back at the end."""
    session = kapula.sessions()
    session.begin()
    try:
        yield FakeUnitOfWork(), SqlUnitOfWork(session, store=CaseStore(VersionCache(), SafeScriptEngine()))
    finally:
        session.rollback()
        session.close()


class _Names:
    """Each side's case and task ids renamed by first appearance (ids come from a sequence and from
    uuid4), so that the two sides' answers compare."""

    def __init__(self) -> None:
        self.ids: dict[object, str] = {}

    def __call__(self, value: object) -> str | None:
        if value is None:
            return None
        return self.ids.setdefault(value, f"#{len(self.ids)}")


def _shown(events: list, names: _Names) -> list[tuple]:
    return [
        (
            names(e.case_id),
            e.seq,
            e.at,
            e.lifecycle,
            e.element_id,
            e.element_name,
            e.element_type,
            e.lane,
            e.user,
            names(e.task_id),
            e.changed,
        )
        for e in events
    ]


def _steps(uow: UnitOfWork, clock) -> dict[str, object]:
    """Deploy Handoff_demo, start a case, complete the customer's task, claim SEK's, then: a step
    read before the claim, a load of no case and of a cancelled case, and a migration onto the same
    version; what every read answered on the way, with the ids renamed."""
    names = _Names()
    seen: dict[str, object] = {}
    clock.set(NOW)
    store_upload(
        uow, [(load_files(files := [read("three_lanes.bpmn"), read("tarve.json")]), files)], caller=None, owner=None, now=NOW
    )
    deployed = VersionCache().get(uow.versions, uow.versions.find("Handoff_demo").id)
    ctx = uow.cases.create(deployed, now=NOW, conversation_id="conversation")
    case_id = ctx.case.id
    names(case_id)
    stepping.start(ctx.live, {"customer": "Oy"}, clock=clock, case_id=case_id)
    seen["started"] = uow.cases.save(
        ctx, now=NOW, user="asiakas", first_event=Lifecycle.CASE_STARTED, start_data={"customer": "Oy"}
    )
    (first,) = uow.case_reads.user_tasks(case_id, READY)
    later = NOW + timedelta(hours=1)
    clock.set(later)
    ctx = uow.cases.load(case_id)
    task = stepping.ready_user_task(ctx.live, first.task_id, ctx.deployed, case_id=case_id)
    ctx.acting = (UUID(task.id), "asiakas")
    stepping.complete(ctx.live, task, {"need": "kasvu"}, clock=clock, case_id=case_id)
    seen["completed"] = uow.cases.save(ctx, now=later, user="asiakas")
    (sek,) = uow.case_reads.user_tasks(case_id, READY)
    stale = uow.cases.load(case_id)
    uow.claims.record(uow.claims.user_task(sek.task_id), user="sek.a", claim=True, at=later)
    with pytest.raises(ConflictError, match="changed by someone else"):  # the claim moved the row on
        uow.cases.save(stale, now=later, user="sek.a")
    with pytest.raises(NotFoundError):
        uow.cases.load(case_id + 1000)
    ctx = uow.cases.load(case_id)
    uow.cases.save_migrated(ctx, deployed, now=later, user="admin", details={"from": 1, "to": 1})
    row = uow.case_reads.row(case_id)
    seen["row"] = (
        row.process_key,
        row.status,
        row.row_version,
        row.started_at,
        row.ended_at,
        row.next_timer_due,
        json.loads(row.data_json),
        row.waiting_json,
    )
    seen["tasks"] = [
        (names(t.task_id), t.workflow_id, t.element_id, t.lane, t.state) for t in uow.case_reads.user_tasks(case_id, READY)
    ]
    claim = uow.claims.user_task(sek.task_id)
    seen["claim"] = (names(claim.case_id), claim.element_id, claim.lane, claim.ready, claim.row_version, claim.last_event_seq)
    seen["holders"] = {names(k): v for k, v in uow.claims.holders([sek.task_id, first.task_id]).items()}
    states = uow.consistency.user_task_states([case_id])[case_id]
    seen["consistency"] = (
        uow.consistency.case_rows([case_id])[case_id],
        sorted(states.values()),
        [states[first.task_id], states[sek.task_id]],
    )
    ctx = uow.cases.load(case_id)
    stepping.cancel(ctx.live)
    seen["cancelled"] = uow.cases.save(ctx, now=later, user="admin", last_event=Lifecycle.CASE_CANCELLED)
    with pytest.raises(ConflictError, match="takes no more steps"):
        uow.cases.load(case_id)
    seen["events"] = _shown(uow.events.of_case(case_id), names)
    seen["for_access"] = _shown(uow.events.for_access(case_id), names)
    return seen


def test_the_cases_steps_answer_alike(case_units, clock):
    fake, sql = case_units
    on_fake, on_sql = _steps(fake, clock), _steps(sql, clock)
    assert on_fake.keys() == on_sql.keys()
    for what in on_fake:
        assert on_fake[what] == on_sql[what], what
    lifecycles = [e[3] for e in on_fake["events"]]
    assert lifecycles[0] is Lifecycle.CASE_STARTED and lifecycles[-1] is Lifecycle.CASE_CANCELLED
    assert Lifecycle.TASK_CLAIMED in lifecycles and Lifecycle.CASE_MIGRATED in lifecycles
