"""Secrets from settings or, outside production, generated once per data directory.

A secret set in the environment wins, and must be good enough in every mode.
Without one, development, test and demo installs keep a random one in a file of
the data directory that only its owner may read, so the API, its in-process worker
and every CLI command on that directory agree. Production never generates one: it
refuses to start until the variable is set. Values are never logged or shown.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr

from app.core.settings import ConfigurationError, Settings

# The old public default; refused wherever it turns up.
PLACEHOLDER_SECRET = "change-me-in-production"


@dataclass(frozen=True)
class SecretKind:
    variable: str  # the environment variable that sets it
    file_name: str  # where it is kept in the data directory outside production
    generate: Callable[[], str]
    flaw: Callable[[str], str | None]  # why a value cannot be used, or None
    advice: str  # what a good value is and how to make one
    on_loss: str  # what deleting the kept file costs


def _signing_key_flaw(value: str) -> str | None:
    if value == PLACEHOLDER_SECRET or len(value) < 32:
        return "a placeholder or shorter than 32 characters"
    return None


def _fernet_key_flaw(value: str) -> str | None:
    try:
        Fernet(value)
    except ValueError:
        return "not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


SIGNING_KEY = SecretKind(
    variable="CUSTODIA_SECRET_KEY", file_name="secret_key",
    generate=lambda: secrets.token_urlsafe(48), flaw=_signing_key_flaw,
    advice="a long random value, e.g. the output of "
           "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`",
    on_loss="everyone signs in again",
)
CREDENTIALS_KEY = SecretKind(
    variable="CUSTODIA_CREDENTIALS_KEY", file_name="credentials_key",
    generate=lambda: Fernet.generate_key().decode(), flaw=_fernet_key_flaw,
    advice="a Fernet key, e.g. the output of `python -c \"from cryptography.fernet import "
           "Fernet; print(Fernet.generate_key().decode())\"`",
    on_loss="stored mail-server passwords must be entered again",
)


def signing_key(settings: Settings) -> SecretStr:
    """The key that signs people's sign-in tokens."""
    return resolve(SIGNING_KEY, settings.secret_key, settings)


def credentials_key(settings: Settings) -> Fernet:
    """What encrypts the mail-server passwords Custodia stores."""
    return Fernet(resolve(CREDENTIALS_KEY, settings.credentials_key, settings).get_secret_value())


def resolve(kind: SecretKind, configured: SecretStr | None, settings: Settings) -> SecretStr:
    """The configured value if it is safe; else, outside production, the data directory's."""
    production = settings.env == "production"
    if configured is not None:
        flaw = kind.flaw(configured.get_secret_value())
        if flaw is None:
            return configured
        if production:
            raise ConfigurationError(f"{kind.variable} is {flaw}; in production set it to {kind.advice}")
        raise ConfigurationError(
            f"{kind.variable} is {flaw}; set it to {kind.advice}, or leave it unset "
            f"to use a key kept in CUSTODIA_DATA_DIR"
        )
    if production:
        raise ConfigurationError(f"{kind.variable} is not set; in production set it to {kind.advice}")
    path = settings.data_dir / kind.file_name
    try:
        return SecretStr(_kept(kind, path))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot keep a generated key in {path} ({exc.strerror or exc}); fix that, "
            f"or set {kind.variable} to {kind.advice}"
        ) from None


def _kept(kind: SecretKind, path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path, kind.generate())
    with open(path, encoding="ascii", errors="replace") as file:
        mode = os.fstat(file.fileno()).st_mode  # of the file read, not of whatever is there now
        if not stat.S_ISREG(mode):
            raise ConfigurationError(f"{path} is not a regular file; remove it ({kind.on_loss})")
        if mode & 0o077:
            raise ConfigurationError(
                f"other users may read or change {path} (mode {stat.S_IMODE(mode):04o}): run "
                f"`chmod 600 {path}`, or delete it for a new key ({kind.on_loss})"
            )
        value = file.read().strip()
    flaw = kind.flaw(value)
    if flaw is not None:
        raise ConfigurationError(f"{path} is {flaw}; delete it for a new key ({kind.on_loss})")
    return value


def _create(path: Path, value: str) -> None:
    """Write the whole key under a temporary name, then link it into place.

    mkstemp opens its file O_EXCL with mode 0600 before a byte is written, and the
    link refuses to replace a key that another process has just made: then theirs is used.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(value + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
