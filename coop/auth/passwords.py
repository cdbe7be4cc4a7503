"""Password hashing with argon2 (argon2-cffi's recommended parameters in production)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A valid hash of a random password: verifying against it when the account does not exist
# costs the same time as a real check, so timing does not reveal which e-mails exist.
_DUMMY_HASH = _hasher.hash("no such account: constant time dummy")


def use_fast_hashing() -> None:
    """Cheaper argon2 parameters for the test suite only (create_app in testing mode)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("no such account: constant time dummy")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still spends the time of a check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
