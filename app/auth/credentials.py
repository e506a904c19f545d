"""Password hashing (argon2), access tokens for people (JWT), API tokens for city systems."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.hashing import sha256

API_TOKEN_PREFIX = "cus_"
_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown name as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def issue_access_token(
    user_id: uuid.UUID, secret: str, lifetime: timedelta, now: datetime
) -> tuple[str, datetime]:
    expires = now + lifetime
    claims = {"sub": str(user_id), "exp": expires, "iat": now, "typ": "access"}
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def read_access_token(token: str, secret: str, now: datetime) -> uuid.UUID | None:
    """The user a token names, if it is ours, an access token, and not expired at `now`."""
    try:
        # Expiry is checked against the app's clock, not PyJWT's own reading of the system's.
        claims = jwt.decode(token, secret, algorithms=["HS256"],
                            options={"require": ["exp", "sub"], "verify_exp": False})
        if claims.get("typ") != "access" or not isinstance(claims["exp"], int | float):
            return None
        if claims["exp"] <= now.timestamp():
            return None
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


def new_api_token() -> tuple[str, str]:
    """A fresh token and the hash stored for it; the token itself is shown once."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, api_token_hash(token)


def api_token_hash(token: str) -> str:
    # A 256-bit random token needs no slow hash; SHA-256 lets us look it up directly.
    return sha256(token)
