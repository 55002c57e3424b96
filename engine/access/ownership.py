"""Which organisation owns which process key: the upload rule and the claim of new keys, run on
the unit of work of a deploy's transaction (engine.persistence.ports).

The first owner of a key is decided by the database: `process_owner.process_key` is its primary
key, so of two uploads claiming one new key at once, the second's INSERT fails (PostgreSQL makes it
wait for the first to commit, SQLite's write lock queues it behind) and its upload is refused.
"""

from __future__ import annotations

from engine.access.policy import Principal, Role, upload_refusal
from engine.errors import InvalidDataError
from engine.persistence.ports import OwnerRepository, UnitOfWork


def settle_ownership(uow: UnitOfWork, keys: list[str], *, principal: Principal | None, requested: str | None) -> str | None:
    """Check the upload rule for `keys` and claim the keys nobody owns: for a process owner's
    organisation, else `requested`, else the only organisation. `principal` None is an in-process
    deploy (tests, the demo), which claims only with `requested`. Returns the refusal (nothing
    claimed) or None. Raises InvalidDataError (several organisations and none named; `requested`
    is not an owned key's owner), NotFoundError (no such organisation), ConflictError (another
    upload claimed a key first)."""
    owners_now = uow.owners.owners(keys)
    if principal is None and requested is None:
        return None
    org: str | None = None
    if principal is not None:
        reason = upload_refusal(principal, owners_now, uow.owners.deployed(keys))
        if reason is not None:
            return reason
        if principal.role is Role.PROCESS_OWNER:
            org = principal.organisation
    if org is None:
        org = owner_for_upload(uow.owners, owners_now, requested=requested)
    unowned = [key for key, owner in owners_now.items() if owner is None]
    if org is not None and unowned:
        uow.owners.claim(unowned, org)
    return None


def owner_for_upload(owners: OwnerRepository, owners_now: dict[str, str | None], *, requested: str | None) -> str | None:
    """The organisation an administrator's (or the command line's) upload gives the keys nobody owns
    yet: `requested`, else the only organisation there is. Raises InvalidDataError when there are
    several organisations and none was named, or when `requested` is not the owner of an owned key."""
    taken = {key: org for key, org in owners_now.items() if org is not None and org != requested}
    if requested is not None and taken:
        key, org = next(iter(taken.items()))
        raise InvalidDataError(
            f"process {key!r} belongs to {org} already; the owner applies to new processes only",
            field_errors={"owner": f"{key} belongs to {org}"},
        )
    unowned = [key for key, org in owners_now.items() if org is None]
    if requested is not None or not unowned:
        return requested
    names = owners.organisations()
    if len(names) > 1:
        raise InvalidDataError(
            f"there are {len(names)} organisations: name the one that owns {', '.join(unowned)} "
            "(`kapula load --owner ORG`, or `owner=ORG` with the upload)",
            field_errors={"owner": "required when there is more than one organisation"},
        )
    return names[0] if names else None
