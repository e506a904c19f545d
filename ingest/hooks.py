"""What other domains do when ingest stores documents, in the transaction that stores them.

ingest imports no app domain: the composition point (app.tasks.load) adds each domain's
hook here, e.g. legal holds, which hold mail for a custodian under hold the moment it
lands. Ingest refuses to run before the hooks are loaded, so no entry point can store
mail that a hold should have caught.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Stored:
    """One batch's families that gained a location at `custodian`'s `source`."""

    custodian: str
    source: str
    families: frozenset[uuid.UUID]
    time_zone: str  # the city's


Hook = Callable[[Session, Stored], None]

_hooks: list[Hook] = []
_loaded = False


def add(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def loaded() -> None:
    """The composition point says every domain's hook is in."""
    global _loaded
    _loaded = True


def documents_stored(session: Session, stored: Stored) -> None:
    if not _loaded:
        raise RuntimeError("ingest's hooks are not loaded: call app.tasks.load() before "
                           "ingesting (legal holds must see every document stored)")
    if stored.families:
        for hook in _hooks:
            hook(session, stored)
