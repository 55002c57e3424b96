"""The upload rule and the claim of new keys (issue 12, item 1), on the in-memory unit of work."""

from __future__ import annotations

import pytest

from engine.access.ownership import settle_ownership
from engine.access.policy import Principal, Role
from engine.errors import ConflictError, InvalidDataError, NotFoundError
from engine.persistence.fake import FakeUnitOfWork

ADMIN = Principal("admin", "Admin", Role.ADMINISTRATOR)
SEK_OWNER = Principal("sek.owner", "SEK", Role.PROCESS_OWNER, organisation="SEK")
NOVAGO_OWNER = Principal("novago.owner", "Novago", Role.PROCESS_OWNER, organisation="Novago")
ADVISOR = Principal("sek.advisor", "SEK", Role.ADVISOR, organisation="SEK")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.owners.organisation_names.update({"SEK", "Novago"})
    return fake


def test_a_process_owner_owns_the_new_keys_they_upload(uow):
    assert settle_ownership(uow, ["k"], principal=SEK_OWNER, requested=None) is None
    assert uow.owners.owned == {"k": "SEK"}
    # their own key again: allowed; another organisation's owner: refused, nothing claimed
    assert settle_ownership(uow, ["k"], principal=SEK_OWNER, requested=None) is None
    assert "belongs to SEK" in settle_ownership(uow, ["k", "new"], principal=NOVAGO_OWNER, requested=None)
    assert uow.owners.owned == {"k": "SEK"}


def test_only_process_owners_and_administrators_upload(uow):
    assert "only process owners and administrators" in settle_ownership(uow, ["k"], principal=ADVISOR, requested=None)
    assert uow.owners.owned == {}


def test_an_administrator_names_the_owner_when_there_are_several_organisations(uow):
    with pytest.raises(InvalidDataError, match="name the one that owns k"):
        settle_ownership(uow, ["k"], principal=ADMIN, requested=None)
    with pytest.raises(NotFoundError):
        settle_ownership(uow, ["k"], principal=ADMIN, requested="Nobody")
    assert settle_ownership(uow, ["k"], principal=ADMIN, requested="Novago") is None
    assert uow.owners.owned == {"k": "Novago"}
    with pytest.raises(InvalidDataError, match="belongs to Novago already"):
        settle_ownership(uow, ["k"], principal=ADMIN, requested="SEK")


def test_the_only_organisation_owns_what_an_administrator_uploads():
    uow = FakeUnitOfWork()
    uow.owners.organisation_names.add("SEK")
    assert settle_ownership(uow, ["k"], principal=ADMIN, requested=None) is None
    assert uow.owners.owned == {"k": "SEK"}


def test_a_deployed_key_nobody_owns_is_assigned_by_an_administrator_only(uow):
    uow.owners.versions.add("k")
    assert "no owning organisation yet" in settle_ownership(uow, ["k"], principal=NOVAGO_OWNER, requested=None)
    assert settle_ownership(uow, ["k"], principal=ADMIN, requested="SEK") is None
    assert uow.owners.owned == {"k": "SEK"}


def test_in_process_deploys_claim_only_when_an_owner_is_named(uow):
    assert settle_ownership(uow, ["k"], principal=None, requested=None) is None
    assert uow.owners.owned == {}
    assert settle_ownership(uow, ["k"], principal=None, requested="SEK") is None
    assert uow.owners.owned == {"k": "SEK"}


def test_the_claim_decides_a_race(uow):
    """The loser read "nobody owns it" before the winner's claim: its own claim is refused."""

    class Stale(type(uow.owners)):
        def owners(self, keys):
            return dict.fromkeys(keys)

    stale = FakeUnitOfWork(owners=Stale(organisation_names={"SEK", "Novago"}, owned={"k": "SEK"}))
    with pytest.raises(ConflictError, match="at the same moment"):
        settle_ownership(stale, ["k"], principal=NOVAGO_OWNER, requested=None)
    assert stale.owners.owned == {"k": "SEK"}
