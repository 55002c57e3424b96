"""A deploy's transaction (issue 13) on the in-memory unit of work: the upload rule, the claim of
new keys, a version per changed upload and the upload's access-log entries, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.access.policy import Principal, Role
from engine.errors import AccessDeniedError, ConflictError, NotFoundError
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import NewVersion
from engine.runtime.parser import load_files
from engine.services.definitions import latest, store_upload, versions_of
from engine.services.gate import Caller, refusal_of
from tests.conftest import read

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SEK_OWNER = Caller(Principal("sek.owner", "SEK", Role.PROCESS_OWNER, organisation="SEK"), origin="test")
NOVAGO_OWNER = Caller(Principal("novago.owner", "Novago", Role.PROCESS_OWNER, organisation="Novago"), origin="test")
SEK_ADVISOR = Caller(Principal("sek.a", "A", Role.ADVISOR, organisation="SEK"), origin="test")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.owners.organisation_names.update({"SEK", "Novago"})
    return fake


def _upload(*names: str) -> list:
    files = [read(n) for n in names]
    return [(load_files(files), files)]


def test_an_owner_deploys_a_new_key_it_then_owns_and_an_unchanged_upload_makes_no_version(uow):
    result = store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    (version,) = result.versions
    assert (version.key, version.version, result.created) == ("Handoff_demo", 1, (True,))
    assert version.runnable and "SEK" in version.actors
    assert uow.owners.owned == {"Handoff_demo": "SEK"}
    assert [(e.user, e.action, e.process_key) for e in uow.access_log.rows] == [("sek.owner", "deploy", "Handoff_demo")]
    again = store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    assert again.created == (False,) and [v.version for v in uow.versions.of_key("Handoff_demo")] == [1]
    assert latest(uow, "Handoff_demo").process == version
    assert "tarve.json" in uow.versions.source("Handoff_demo", 1)


def test_a_changed_upload_is_the_next_version_and_keeps_the_forms_of_the_last(uow):
    store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    name, content = read("three_lanes.bpmn")
    changed = [(name, content.replace(b"</bpmn:definitions>", b"<!-- v2 --></bpmn:definitions>"))]
    result = store_upload(uow, [(load_files(changed), changed)], caller=SEK_OWNER, owner=None, now=NOW)
    assert result.created == (True,) and result.versions[0].version == 2
    assert result.versions[0].runnable  # the form came from version 1
    assert "tarve.json" in uow.versions.source("Handoff_demo", 2)


def test_another_organisations_owner_is_refused_and_nothing_is_stored(uow):
    store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    with pytest.raises(AccessDeniedError, match="belongs to SEK") as refused:
        store_upload(uow, _upload("three_lanes.bpmn"), caller=NOVAGO_OWNER, owner=None, now=NOW)
    assert refusal_of(refused.value).user == "novago.owner"
    assert [v.version for v in uow.versions.of_key("Handoff_demo")] == [1]


def test_reading_versions_checks_the_process_rule(uow):
    with pytest.raises(NotFoundError):
        versions_of(uow, "Handoff_demo", None, NOW)
    store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    assert [v.version for v in versions_of(uow, "Handoff_demo", SEK_ADVISOR, NOW)] == [1]  # a lane of theirs
    with pytest.raises(AccessDeniedError, match="no lane of yours"):
        versions_of(uow, "Handoff_demo", NOVAGO_OWNER, NOW)


def test_a_version_number_stored_meanwhile_is_a_conflict(uow):
    store_upload(uow, _upload("three_lanes.bpmn", "tarve.json"), caller=SEK_OWNER, owner=None, now=NOW)
    twin = NewVersion("Handoff_demo", 1, "Handoff", "other", "bpmn", "", NOW, None)
    with pytest.raises(ConflictError, match="at the same moment"):
        uow.versions.add(twin)
