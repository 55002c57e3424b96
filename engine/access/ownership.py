"""Which organisation owns which process key, read and claimed inside a deploy's transaction.

The first owner of a key is decided by the database: `process_owner.process_key` is its primary
key, so of two uploads claiming one new key at once, the second's INSERT fails (PostgreSQL makes it
wait for the first to commit, SQLite's write lock queues it behind) and its upload is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.errors import InvalidDataError, NotFoundError
from engine.persistence.tables import OrganisationRecord, ProcessOwnerRecord, ProcessVersionRecord


def owners(session: Session, keys: Iterable[str]) -> dict[str, str | None]:
    """Each key's owning organisation's name, None for a key nobody owns."""
    wanted = list(dict.fromkeys(keys))
    rows = session.execute(
        select(ProcessOwnerRecord.process_key, OrganisationRecord.name)
        .join(OrganisationRecord, OrganisationRecord.id == ProcessOwnerRecord.organisation_id)
        .where(ProcessOwnerRecord.process_key.in_(wanted))
    ).all()
    found = {key: name for key, name in rows}
    return {key: found.get(key) for key in wanted}


def deployed(session: Session, keys: Iterable[str]) -> set[str]:
    """The keys that have a version already."""
    return set(session.scalars(select(ProcessVersionRecord.key).where(ProcessVersionRecord.key.in_(list(keys))).distinct()))


def organisation_names(session: Session) -> list[str]:
    return list(session.scalars(select(OrganisationRecord.name).order_by(OrganisationRecord.name)))


def claim(session: Session, keys: list[str], organisation: str) -> None:
    """Make `organisation` the owner of `keys` (which have none). Flushed at once, so a concurrent
    claim of a key fails here (IntegrityError) before any version is stored. Raises NotFoundError."""
    org_id = session.scalars(select(OrganisationRecord.id).where(OrganisationRecord.name == organisation)).first()
    if org_id is None:
        raise NotFoundError("organisation", organisation)
    if keys:
        session.execute(insert(ProcessOwnerRecord), [{"process_key": k, "organisation_id": org_id} for k in keys])


def owner_for_upload(session: Session, owners_now: dict[str, str | None], *, requested: str | None) -> str | None:
    """The organisation an administrator's (or the command line's) upload gives the keys nobody owns
    yet: `requested`, else the only organisation there is. Raises InvalidDataError when there are
    several organisations and none was named, or when `requested` is not the owner of an owned key."""
    taken = {key: org for key, org in owners_now.items() if org is not None and org != requested}
    if requested is not None and taken:
        key, org = next(iter(taken.items()))
        raise InvalidDataError(f"process {key!r} belongs to {org} already; the owner applies to new processes only",
                               field_errors={"owner": f"{key} belongs to {org}"})
    unowned = [key for key, org in owners_now.items() if org is None]
    if requested is not None or not unowned:
        return requested
    names = organisation_names(session)
    if len(names) > 1:
        raise InvalidDataError(
            f"there are {len(names)} organisations: name the one that owns {', '.join(unowned)} "
            "(`kapula load --owner ORG`, or `owner=ORG` with the upload)",
            field_errors={"owner": "required when there is more than one organisation"},
        )
    return names[0] if names else None
