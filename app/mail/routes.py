"""Outbound mail about one thing (a records request, a hold), so it can show its failures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.auth.deps import ClerkAuditorUser
from app.core.deps import ReadSessionDep
from app.core.pagination import Page, PageDep, paginate
from app.mail.schemas import MailOut
from app.models import MailStatus, OutboxMessage

router = APIRouter(prefix="/api/v1/mail", tags=["mail"])

NAME = r"^[a-z][a-z0-9_]{0,39}$"


def mail_out(message: OutboxMessage) -> MailOut:
    return MailOut.model_validate(
        {**{c: getattr(message, c) for c in MailOut.model_fields},
         "status": message.status.value})


@router.get("", response_model=Page[MailOut])
def list_mail(
    reader: ClerkAuditorUser, session: ReadSessionDep, page: PageDep,
    about_type: Annotated[str, Query(pattern=NAME, description="e.g. records_request")],
    about_id: Annotated[str, Query(min_length=1, max_length=64)],
    status: Annotated[MailStatus | None, Query(description="failed: given up")] = None,
) -> Page[MailOut]:
    """The mail about one thing, newest first, with each message's attempts and last error."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.about_type == about_type, OutboxMessage.about_id == about_id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id))
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return paginate(session, query, page, mail_out)
