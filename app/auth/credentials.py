"""Password hashing (argon2), access tokens for people (JWT), API tokens for city systems."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.hashing import sha256
from app.core.time import utcnow

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


def issue_access_token(user_id: uuid.UUID, secret: str, lifetime: timedelta) -> tuple[str, datetime]:
    expires = utcnow() + lifetime
    claims = {"sub": str(user_id), "exp": expires, "iat": utcnow(), "typ": "access"}
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def read_access_token(token: str, secret: str) -> uuid.UUID | None:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        return uuid.UUID(claims["sub"]) if claims.get("typ") == "access" else None
    except (jwt.PyJWTError, ValueError):
        return None


def new_api_token() -> tuple[str, str]:
    """A fresh token and the hash stored for it; the token itself is shown once."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, api_token_hash(token)


def api_token_hash(token: str) -> str:
    # A 256-bit random token needs no slow hash; SHA-256 lets us look it up directly.
    return sha256(token)
