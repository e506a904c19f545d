"""The custodian's page, public and without an account: the link in a hold notice opens
it; it shows the notice and its questions and records the acknowledgement.

The same rules as the API's link (app.holds.links): unknown, superseded and ended links
answer one 404 page, and too many unknown links from one address answer 429. The token
is a password in the path: app.portal.logs keeps it out of every log line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.holds import links
from app.holds.schemas import AcknowledgeIn
from app.ui.forms import attempt, parsed
from app.ui.pages import render

router = APIRouter()
Answer = Annotated[str, Form(max_length=8000)]
TOKEN = 200  # a real token has 43 characters


@router.get("/portal/acknowledgements/{token}")
def acknowledgement_page(request: Request, token: str, database: DatabaseDep,
                         settings: SettingsDep) -> Response:
    with database.reading() as session:
        shown = links.view(session, links.custodian(request, session, settings, token[:TOKEN]),
                           token[:TOKEN])
    return render(request, "holds/acknowledge.html", {"notice": shown, "answers": {},
                                                      "error": "", "token": token[:TOKEN]})


@router.post("/portal/acknowledgements/{token}")
def acknowledge(request: Request, token: str, database: DatabaseDep, settings: SettingsDep,
                personal_devices: Answer = "", text_messages: Answer = "",
                paper_files: Answer = "", other_mailboxes: Answer = "",
                other: Answer = "") -> Response:
    token = token[:TOKEN]
    answers = {"personal_devices": personal_devices, "text_messages": text_messages,
               "paper_files": paper_files, "other_mailboxes": other_mailboxes, "other": other}
    done = attempt(database, lambda session: links.acknowledge(
        session, links.custodian(request, session, settings, token), token,
        parsed(AcknowledgeIn, answers).model_dump()))  # the link is checked first
    if isinstance(done, CustodiaError) and done.status == 400:  # an answer too long
        with database.reading() as session:
            shown = links.page(session, token)
        return render(request, "holds/acknowledge.html", {
            "notice": shown, "answers": answers, "error": done.detail, "token": token},
            status=400)
    if isinstance(done, CustodiaError):
        raise done  # 404 alike for every link that opens nothing; 409 once acknowledged; 429
    return render(request, "holds/acknowledge.html", {"notice": done, "answers": {},
                                                      "error": "", "token": token})
