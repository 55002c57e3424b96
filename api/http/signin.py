"""Signing in over HTTP (the sign-in page and POST /api/tokens): attempt limits per account and per
address, and argon2 in a small pool of its own, so that a burst of sign-ins cannot take the threads
and cores that every other request needs.

Limits (moving windows, the `limits` library, kept in each server process's memory):
- per address, every attempt: 30 a minute;
- per address, failures: 20 in 15 minutes, then that address is refused until the window moves
  (password spraying: one address trying many accounts);
- per account name and address, failures: 5 in 15 minutes, then that address may not sign in to
  that account for the rest of the window, even with the right password;
- per account name, failures from all addresses: 200 in 15 minutes, then the account is under
  attack: an address that has failed on it in the window is refused, but an address without such
  a failure still has its password checked, so the owner is never locked out from elsewhere.
Unknown names count the same, so a lockout does not tell whether an account exists. A successful
sign-in clears the account's failures. Locking an account by its name alone let anyone lock anyone
out (OWASP's Authentication Cheat Sheet, "Account Lockout": lockouts are a denial-of-service
vector), and so did the earlier 50 failures from all addresses: the per-account limit now only
takes the spread guesser's further tries away (each address gets one guess, not five), never the
right password from an address that has not been guessing.
A sign-in whose password is still being checked counts as a failure of its account at its address
until it is answered: the checks take argon2's time, and a burst of guesses sent at once all passed
the "5 failures" test before the first one failed (the reviewer's find, session 6).
With N server processes an attacker spreading over all of them gets at most N times these.
An IPv6 address counts by its /64 network (`limit_key`): one host commonly holds a whole /64, so
counting each of its addresses would give it endless fresh "addresses" (OWASP: rate limiting by IPv6
prefix).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from engine.access.policy import Principal
from engine.errors import AuthenticationError, TooManyAttemptsError

HASH_THREADS_SETTING = "KAPULA_HASH_THREADS"
P = ParamSpec("P")
T = TypeVar("T")


def _hash_threads() -> int:
    """KAPULA_HASH_THREADS, else half the cores (at least one): sign-ins never take every core."""
    value = os.environ.get(HASH_THREADS_SETTING, "")
    return int(value) if value.isdigit() and int(value) > 0 else max(1, (os.cpu_count() or 2) // 2)


class HashingPool:
    """The threads that hash and verify passwords, apart from the pool that serves requests (a
    plain executor, not an event loop's limiter, so every loop of the process shares it)."""

    def __init__(self, threads: int, *, max_waiting: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kapula-argon2")
        self._max_waiting = max_waiting
        self._queued = 0
        self._lock = threading.Lock()

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in the pool, its result. Raises TooManyAttemptsError when `max_waiting` calls are
        already queued or running (a flood is answered at once instead of queueing without end)."""
        with self._lock:
            if self._queued >= self._max_waiting:
                raise TooManyAttemptsError("too many sign-ins at once; try again in a moment", retry_after=2)
            self._queued += 1
        try:
            return await asyncio.wrap_future(self._executor.submit(function, *args, **kwargs))
        finally:
            with self._lock:
                self._queued -= 1


_process_pool: HashingPool | None = None
_process_pool_lock = threading.Lock()


def hashing_pool() -> HashingPool:
    """This process's hashing pool, made on first use."""
    global _process_pool
    with _process_pool_lock:
        if _process_pool is None:
            _process_pool = HashingPool(_hash_threads(), max_waiting=64)
        return _process_pool


def limit_key(host: str) -> str:
    """The address the limits count for a client `host`: an IPv6 address's /64 network (an
    IPv4-mapped one as its IPv4 address), anything else as given."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass
class SignInGuard:
    """The sign-in limits and the password-hashing pool of one server process."""

    attempts_per_address: RateLimitItem = field(default_factory=lambda: parse("30/minute"))
    failures_per_address: RateLimitItem = field(default_factory=lambda: parse("20 per 15 minutes"))
    failures_per_account_address: RateLimitItem = field(default_factory=lambda: parse("5 per 15 minutes"))
    failures_per_account: RateLimitItem = field(default_factory=lambda: parse("200 per 15 minutes"))
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))
    # sign-ins being checked now, per account at an address: each may still fail
    checking: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def authenticate(self, request: Request, username: str, password: str) -> Principal:
        """The user, if the name and password match and no limit is reached. Raises
        TooManyAttemptsError (429, nothing checked) or AuthenticationError (401)."""
        address = limit_key(request.client.host) if request.client else "-"
        account = username.strip().casefold()[:150]
        account_at_address = f"{account}\n{address}"
        if not self.limiter.hit(self.attempts_per_address, "address", address):
            self._refuse(self.attempts_per_address, ("address", address), "too many sign-ins from this address")
        if not self.limiter.test(self.failures_per_address, "address-failed", address):
            self._refuse(self.failures_per_address, ("address-failed", address), "too many failed sign-ins from this address")
        if not self.limiter.test(self.failures_per_account, "account-failed", account) and self._failed_here(account_at_address):
            # under attack from many addresses: no more guesses from those already guessing, but the
            # owner (an address with no failure here) is not locked out (OWASP: lockout as DoS)
            self._refuse(self.failures_per_account, ("account-failed", account), "too many failed sign-ins for this account")
        with self._lock:
            item = self.failures_per_account_address
            remaining = self.limiter.get_window_stats(item, "account-address-failed", account_at_address).remaining
            if remaining <= 0:
                self._refuse(item, ("account-address-failed", account_at_address), "too many failed sign-ins for this account")
            if remaining - self.checking[account_at_address] <= 0:
                # the sign-ins being checked would use up the failures left: wait for their answers
                raise TooManyAttemptsError("sign-ins to this account are being checked; try again in a moment", retry_after=2)
            self.checking[account_at_address] += 1
        try:
            principal: Principal = await hashing_pool().run(request.app.state.directory.authenticate, username, password)
        except AuthenticationError:
            self.limiter.hit(self.failures_per_address, "address-failed", address)
            self.limiter.hit(self.failures_per_account_address, "account-address-failed", account_at_address)
            self.limiter.hit(self.failures_per_account, "account-failed", account)
            raise
        finally:
            with self._lock:
                self.checking[account_at_address] -= 1
                if not self.checking[account_at_address]:
                    del self.checking[account_at_address]
        self.limiter.clear(self.failures_per_account_address, "account-address-failed", account_at_address)
        self.limiter.clear(self.failures_per_account, "account-failed", account)
        return principal

    def _failed_here(self, account_at_address: str) -> bool:
        """Whether this address failed to sign in to this account within the window."""
        item = self.failures_per_account_address
        return self.limiter.get_window_stats(item, "account-address-failed", account_at_address).remaining < item.amount

    def _refuse(self, item: RateLimitItem, key: tuple[str, str], why: str) -> None:
        reset = self.limiter.get_window_stats(item, *key).reset_time
        wait = min(item.get_expiry(), max(1, math.ceil(reset - time.time())))
        raise TooManyAttemptsError(f"{why}; try again in {math.ceil(wait / 60)} min", retry_after=wait)


def signin_guard(request: Request) -> SignInGuard:
    """The app's guard (create_app makes one per app, so each test app starts with clean counts)."""
    guard: SignInGuard = request.app.state.signin_guard
    return guard
