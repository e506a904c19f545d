"""What other domains say about what ingest stores: in the transaction that stores a
batch (`documents_stored`), or just after it commits (`documents_committed`).

ingest imports no app domain: the composition point (app.tasks.load) adds each domain's
hooks here. Legal holds add two: `documents_stored` holds mail for a custodian under
hold the moment it lands, and `must_keep` says a custodian's source is under hold, so a
message a retention purge removed earlier is stored again when it turns up there
(preservation wins over "never bring a purged document back"). Ingest refuses to run
before the hooks are loaded, so no entry point can store mail a hold should have caught.
Near-duplicate grouping runs after the commit: it need not hold the catalog writers'
turn while it makes signatures, and what it has not done a periodic job does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.core.db import Database


@dataclass(frozen=True)
class Stored:
    """One batch's families that gained a location at `custodian`'s `source`."""

    custodian: str
    source: str
    families: frozenset[uuid.UUID]
    time_zone: str  # the city's
    thread_window_days: int = 30  # how far apart a subject-joined e-mail may be (threads)
    near_duplicate_similarity: float = 0.9  # CUSTODIA_NEAR_DUPLICATE_SIMILARITY


Hook = Callable[[Session, Stored], None]
AfterHook = Callable[[Database, Stored], None]
Keeper = Callable[[Session, str, str], bool]  # (session, custodian, source)

_hooks: list[Hook] = []
_after: list[AfterHook] = []
_keepers: list[Keeper] = []
_loaded = False


def add(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def add_after(hook: AfterHook) -> None:
    """A hook run once the batch has committed, with its own transactions: work that must
    not hold the catalog writers' turn the batch holds (a failure loses nothing stored)."""
    if hook not in _after:
        _after.append(hook)


def add_keeper(keeper: Keeper) -> None:
    if keeper not in _keepers:
        _keepers.append(keeper)


def _require_loaded() -> None:
    if not _loaded:
        raise RuntimeError("ingest's hooks are not loaded: call app.tasks.load() before "
                           "ingesting (legal holds must see every document stored)")


def must_keep(session: Session, custodian: str, source: str) -> bool:
    """Whether everything found at this custodian's source must be kept (a hold)."""
    _require_loaded()
    return any(keeper(session, custodian, source) for keeper in _keepers)


def loaded() -> None:
    """The composition point says every domain's hook is in."""
    global _loaded
    _loaded = True


def documents_stored(session: Session, stored: Stored) -> None:
    _require_loaded()
    if stored.families:
        for hook in _hooks:
            hook(session, stored)


def documents_committed(database: Database, stored: Stored) -> None:
    _require_loaded()
    if stored.families:
        for hook in _after:
            hook(database, stored)
