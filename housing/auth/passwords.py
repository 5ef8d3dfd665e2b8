"""Password hashing with argon2id; parameters come from the ``PASSWORD_HASH`` setting."""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    return PasswordHasher(type=Type.ID, **current_app.config["PASSWORD_HASH"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_DUMMY_HASHES: dict[tuple, str] = {}


def burn_verification_time(password: str) -> None:
    """Spend as long as a real check would, so an unknown e-mail cannot be told apart by timing."""
    params = tuple(sorted(current_app.config["PASSWORD_HASH"].items()))
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASHES[params], password)
