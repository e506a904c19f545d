"""Guessing portal tokens is slowed: too many unknown tokens from one address answer 429.

A token has 256 random bits, so guessing cannot succeed; the limit keeps a scanner
from trying at full speed. Misses are counted in this process's memory, with the
sign-in limits (CUSTODIA_SIGN_IN_FAILURES_PER_ADDRESS within
CUSTODIA_SIGN_IN_WINDOW_MINUTES): with N API processes an address gets N times as many.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.deps import client_address, request_id
from app.core.errors import NotFound, TooManyRequests
from app.core.settings import Settings
from app.models import RecordsRequest, RequestLink
from app.portal import service

T = TypeVar("T")

MAX_ADDRESSES = 10_000  # beyond this, the oldest address is forgotten


class Misses:
    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Seconds until `address` may try again, or None if it may now."""
        with self._lock:
            seen = self._recent(address, now)
            if len(seen) < self.limit:
                return None
            return max(1, math.ceil((seen[0] + self.window - now).total_seconds()))

    def miss(self, address: str, now: datetime) -> None:
        with self._lock:
            self._recent(address, now).append(now)
            while len(self._seen) > MAX_ADDRESSES:
                del self._seen[next(iter(self._seen))]

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        seen = self._seen.setdefault(address, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen


def misses_of(request: Request, settings: Settings) -> Misses:
    """This process's count of unknown tokens per address (portal and acknowledgement
    links share it)."""
    misses: Misses | None = getattr(request.app.state, "portal_misses", None)
    if misses is None:
        misses = request.app.state.portal_misses = Misses(
            settings.sign_in_failures_per_address, timedelta(minutes=settings.sign_in_window_minutes))
    return misses


def open_link(request: Request, session: Session, settings: Settings,
              token: str) -> tuple[RequestLink, RecordsRequest, Actor]:
    """The link a token opens, its request, and the requester who follows it (for the audit),
    unless this address has guessed too often: the API's portal and the portal's pages."""
    link, found = opened(request, settings, clock_of(session).now(),
                         lambda: service.by_token(session, token))
    return link, found, Actor(f"requester link {link.id}", client_address(request),
                              request_id(request))


def opened(request: Request, settings: Settings, now: datetime, find: Callable[[], T]) -> T:
    """What a secret link opens (`find()`), unless its address guessed too many unknown
    links lately (429); a link `find` does not know (NotFound) counts as a guess."""
    misses, address = misses_of(request, settings), client_address(request)
    wait = misses.retry_after(address, now)
    if wait is not None:
        raise TooManyRequests("Too many unknown links from this address; try again later.", wait)
    try:
        return find()
    except NotFound:
        misses.miss(address, now)
        raise


# Requests submitted through the portal's form, per address: a person sends a few, a robot
# many. Counted in this process's memory like the misses above (N processes, N times as many).
SUBMISSIONS_PER_ADDRESS = 5
SUBMISSION_WINDOW = timedelta(hours=1)


def submissions_of(request: Request) -> Misses:
    """This process's count of portal submissions per address."""
    counted: Misses | None = getattr(request.app.state, "portal_submissions", None)
    if counted is None:
        counted = request.app.state.portal_submissions = Misses(SUBMISSIONS_PER_ADDRESS, SUBMISSION_WINDOW)
    return counted


def refuse_if_too_many(request: Request, now: datetime) -> None:
    """429 when this address sent too many requests lately (a form with mistakes is not one)."""
    wait = submissions_of(request).retry_after(client_address(request), now)
    if wait is not None:
        raise TooManyRequests("Too many requests sent from this address; try again later.", wait)


def count_submission(request: Request, now: datetime) -> None:
    """One more request (or robot's form) sent from this address."""
    submissions_of(request).miss(client_address(request), now)
