"""Password hashing with argon2 (argon2-cffi's defaults, RFC 9106's second recommended setting)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# verified against when the user does not exist, so a wrong name takes as long as a wrong password;
# made with the hasher in use (per hasher, so it always costs what a real hash costs)
_dummy_hashes: dict[int, str] = {}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("kapula-not-a-password")
    return _dummy_hashes[key]
