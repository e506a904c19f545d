"""Finding a records request by id: the one loader every domain on a request uses.

Its own module, so that letters, review, fees and the portal can use it while
app.requests.service uses them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.models import RecordsRequest
from app.requests.timing import STOPPED


def records_request(session: Session, request_id: uuid.UUID) -> RecordsRequest:
    found = session.get(RecordsRequest, request_id)
    if found is None:
        raise NotFound("No records request with that id.")
    return found


def open_requests(session: Session) -> list[RecordsRequest]:
    """Requests still being worked (not closed, denied, withdrawn...), by number."""
    return list(session.scalars(select(RecordsRequest).where(RecordsRequest.status.not_in(STOPPED))
                                .order_by(RecordsRequest.number)))
