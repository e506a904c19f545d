"""Saved searches: the query, who saved it, when, and what it found at that moment."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.errors import Forbidden, NotFound
from app.core.settings import Settings
from app.models import Role, SavedSearch
from app.search.schemas import SavedSearchIn, SavedSearchOut
from app.search.service import engine_errors, parse_query
from search.engines import SearchEngine


def snapshot(saved: SavedSearch) -> dict[str, object]:
    return SavedSearchOut.model_validate(saved, from_attributes=True).model_dump(mode="json")


def create(session: Session, engine: SearchEngine, settings: Settings, principal: Principal,
           body: SavedSearchIn) -> SavedSearch:
    query = parse_query(body.query)
    with engine_errors():
        found = engine.matching(query, settings.time_zone)
    saved = SavedSearch(name=body.name, query=body.query, created_by_id=principal.user.id,
                        created_by=principal.user.username, hit_count=len(found),
                        family_count=len(set(found.values())), engine=engine.name)
    session.add(saved)
    session.flush()
    audit.record(session, principal.actor, "saved_search.create", "saved_search", saved.id,
                 after=snapshot(saved))
    return saved


def newest_first() -> Select[SavedSearch]:
    """Every saved search, the newest first (the API pages it, the search page shows the top)."""
    return select(SavedSearch).order_by(SavedSearch.created_at.desc(), SavedSearch.id)


def recent(session: Session, limit: int) -> list[SavedSearch]:
    return list(session.scalars(newest_first().limit(limit)))


def get(session: Session, saved_id: uuid.UUID) -> SavedSearch:
    saved = session.get(SavedSearch, saved_id)
    if saved is None:
        raise NotFound("No saved search with that id.")
    return saved


def delete(session: Session, principal: Principal, saved_id: uuid.UUID) -> None:
    """Only the person who saved it, or an administrator, may delete a saved search."""
    saved = get(session, saved_id)
    if saved.created_by_id != principal.user.id and Role.admin not in principal.roles:
        raise Forbidden(f"Only {saved.created_by} or an administrator may delete this search.")
    before = snapshot(saved)
    session.delete(saved)
    session.flush()
    audit.record(session, principal.actor, "saved_search.delete", "saved_search", saved_id,
                 before=before)
