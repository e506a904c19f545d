"""Texts for near-duplicate tests, made here: a long memo, the same memo edited, another."""

from __future__ import annotations

import mailbox
import random
import uuid
from pathlib import Path

from sqlalchemy import select

from app.core.db import Database
from app.models import NearDuplicate

SUBJECTS = ("water", "budget", "council", "permit", "contract", "street", "park", "library",
            "meeting", "invoice", "staff", "report", "zoning", "bond", "audit", "fleet")
VERBS = ("reviewed", "approved", "delayed", "questioned", "funded", "scheduled", "revised",
         "signed", "rejected", "posted", "discussed", "moved")
OBJECTS = ("the proposal", "the second draft", "the vendor list", "a new estimate",
           "the quarterly figures", "the public notice", "the agenda item", "the appendix",
           "the site plan", "the grant terms", "the purchase order", "the memo")


def memo(seed: int, sentences: int = 80) -> str:
    """A memo of plain sentences from a fixed seed: the same seed, the same memo."""
    pick = random.Random(seed)
    lines = []
    for n in range(sentences):
        lines.append(f"The {pick.choice(SUBJECTS)} committee {pick.choice(VERBS)} "
                     f"{pick.choice(OBJECTS)} on day {pick.randint(1, 400)} after "
                     f"{pick.choice(SUBJECTS)} review number {seed * 1000 + n}.")
    return " ".join(lines)


def edited(text: str) -> str:
    """`text` with known edits: three words replaced, a sentence added, spacing changed."""
    words = text.split(" ")
    for share, word in ((0.05, "reconsidered"), (0.4, "Tuesday"), (0.8, "withdrawn")):
        words[int(len(words) * share)] = word
    changed = " ".join(words)
    changed = changed.replace(". ", ".\n\n", 5).replace(" the ", "  the ", 7)
    return changed + "\nPlease send any corrections to the clerk before Friday."


def group_of(database: Database, document_id: uuid.UUID) -> uuid.UUID | None:
    with database.reading() as session:
        return session.scalar(select(NearDuplicate.group_id)
                              .where(NearDuplicate.document_id == document_id))


def long_enron_body(corpus: Path, words: int = 600) -> str | None:
    """The first plain body of so many words in one of the shared slice's mailboxes."""
    path = corpus / "enron" / "mbox" / "enron.allen-p.discussion_threads"
    if not path.is_file():
        return None
    for message in mailbox.mbox(path):
        payload = None if message.is_multipart() else message.get_payload(decode=True)
        if isinstance(payload, bytes) and len(payload.split()) >= words:
            return payload.decode("utf-8", errors="replace")
    return None
