"""Principals found by an API token or a browser session, kept for a few seconds.

Every request names its caller by a token or a session cookie; reading the user, organisation,
lane mappings and owned processes for each one cost about 1 ms of a request's server time (issue 14).
A principal is kept under the hash of its credential (never the secret itself) for at most
`PRINCIPAL_TTL` seconds, and never past the credential's own expiry (read on Kapula's clock).

Changes made in this process take effect at once: revoking a token, signing out, disabling a user,
a new password, new lane mappings or a process owner's new process forget every kept principal
after their transaction committed (`forget_all`). A change made by another process (another server,
the command line) takes effect there within `PRINCIPAL_TTL` seconds.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime

from cachetools import TTLCache

from engine.access.policy import Principal

PRINCIPAL_TTL = 5.0  # seconds a principal is trusted without a read (other processes' revocations)
_CAPACITY = 10_000

_registry_lock = threading.Lock()
_all: weakref.WeakSet[PrincipalCache] = weakref.WeakSet()


class PrincipalCache:
    """(kind, credential hash) -> the principal and when the credential expires. Thread-safe."""

    def __init__(self, ttl: float = PRINCIPAL_TTL, *, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[tuple[str, str], tuple[Principal, datetime]] = TTLCache(_CAPACITY, ttl, timer=timer)
        self._lock = threading.Lock()
        with _registry_lock:
            _all.add(self)

    def get(self, kind: str, credential_hash: str, now: datetime) -> Principal | None:
        """The kept principal, or None when there is none, it is older than the TTL or the credential
        expired by `now`."""
        key = (kind, credential_hash)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= now:
                self._entries.pop(key, None)
                return None
            return entry[0]

    def put(self, kind: str, credential_hash: str, principal: Principal, valid_until: datetime) -> None:
        with self._lock:
            self._entries[(kind, credential_hash)] = (principal, valid_until)

    def forget(self, kind: str, credential_hash: str) -> None:
        with self._lock:
            self._entries.pop((kind, credential_hash), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def forget_all() -> None:
    """Forget every principal kept in this process: after a committed change of who may do what
    (users, tokens, sessions, organisations, lane mappings, process owners)."""
    with _registry_lock:
        caches = list(_all)
    for cache in caches:
        cache.clear()
