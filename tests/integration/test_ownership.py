"""Process ownership (issue 12, item 1): every key an administrator or the command line deploys
gets an owning organisation, and the first owner of a new key is decided by the database."""

from __future__ import annotations

import threading

import pytest

from engine.access.directory import Directory
from engine.access.policy import Role
from engine.errors import AccessDeniedError, ConflictError, InvalidDataError, NotFoundError
from engine.persistence.sql import SqlOwnerRepository
from engine.services.gate import Caller, operator
from tests.conftest import read


@pytest.fixture
def directory(kapula) -> Directory:
    d = Directory(kapula.sessions, kapula.clock)
    for org in ("SEK", "Novago"):
        d.add_organisation(org)
    d.add_user("sek.owner", "salasana-123", role=Role.PROCESS_OWNER, organisation="SEK")
    d.add_user("novago.owner", "salasana-123", role=Role.PROCESS_OWNER, organisation="Novago")
    d.add_user("admin", "salasana-123", role=Role.ADMINISTRATOR)
    return d


def _changed() -> tuple[str, bytes]:
    """three_lanes.bpmn with other content: a new version of its key."""
    name, content = read("three_lanes.bpmn")
    return name, content + b"\n<!-- v2 -->\n"


def _as(directory: Directory, name: str) -> Caller:
    return Caller(directory.principal(name), origin="test")


def test_an_administrators_deploy_names_the_owner_when_there_are_several_organisations(kapula, directory):
    admin = _as(directory, "admin")
    with pytest.raises(InvalidDataError, match="name the one that owns Handoff_demo"):
        kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")], caller=admin)
    assert kapula.processes() == []
    with pytest.raises(NotFoundError):
        kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")], caller=admin, owner="Nobody")
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")], caller=admin, owner="SEK")
    assert directory.owner_of("Handoff_demo") == "SEK"
    # the hole of issue 12: another organisation's owner can no longer upload over it and take it
    with pytest.raises(AccessDeniedError, match="belongs to SEK"):
        kapula.deploy([_changed(), read("tarve.json")], caller=_as(directory, "novago.owner"))
    assert [v.version for v in kapula.versions("Handoff_demo")] == [1]
    assert "Handoff_demo" in directory.principal("sek.owner").owned_processes


def test_the_only_organisation_owns_what_the_operator_deploys(kapula, clock):
    d = Directory(kapula.sessions, clock)
    d.add_organisation("SEK")
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")], caller=Caller(operator("ops")))
    assert d.owner_of("Handoff_demo") == "SEK"


def test_a_key_deployed_before_any_organisation_is_not_taken_by_the_first_process_owner(kapula, directory):
    kapula.deploy(
        [read("three_lanes.bpmn"), read("tarve.json")]
    )  # in-process, no owner: e.g. deployed before organisations existed
    assert directory.owner_of("Handoff_demo") is None
    with pytest.raises(AccessDeniedError, match="no owning organisation yet"):
        kapula.deploy([_changed(), read("tarve.json")], caller=_as(directory, "novago.owner"))
    kapula.deploy([_changed(), read("tarve.json")], caller=_as(directory, "admin"), owner="Novago")
    assert directory.owner_of("Handoff_demo") == "Novago"


def test_the_first_upload_of_a_new_key_is_decided_by_the_database_constraint(kapula, directory, monkeypatch):
    """A second upload that read "nobody owns it" before the first committed (the race) loses on the
    unique key when it claims the key, and stores nothing."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")], caller=_as(directory, "sek.owner"))
    real = SqlOwnerRepository.owners
    # what the loser of a race read: nobody owns the key and it has no version yet
    monkeypatch.setattr(SqlOwnerRepository, "owners", lambda self, keys: {k: None for k in real(self, keys)})
    monkeypatch.setattr(SqlOwnerRepository, "deployed", lambda self, keys: set())
    with pytest.raises(ConflictError, match="at the same moment"):
        kapula.deploy([_changed(), read("tarve.json")], caller=_as(directory, "novago.owner"))
    assert [v.version for v in kapula.versions("Handoff_demo")] == [1]
    monkeypatch.undo()
    assert directory.owner_of("Handoff_demo") == "SEK"


def test_two_organisations_uploading_one_new_key_at_once_one_wins(kapula, directory):
    callers = [_as(directory, "sek.owner"), _as(directory, "novago.owner")]
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def upload(caller: Caller) -> None:
        start.wait()
        try:
            results[caller.principal.organisation or ""] = kapula.deploy(
                [read("three_lanes.bpmn"), read("tarve.json")], caller=caller
            )
        except (ConflictError, AccessDeniedError) as exc:
            results[caller.principal.organisation or ""] = exc

    threads = [threading.Thread(target=upload, args=(c,)) for c in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    winners = [org for org, r in results.items() if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert directory.owner_of("Handoff_demo") == winners[0]
    assert [v.version for v in kapula.versions("Handoff_demo")] == [1]
