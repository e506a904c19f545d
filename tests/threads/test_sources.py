"""Thread-Index and Thread-Topic as each source gives them: e-mail headers, MSG and PST
properties (the real samples of the shared corpus), all as base64 text."""

from __future__ import annotations

import uuid
from pathlib import Path

from app.threads import outlook
from ingest import rfc822
from ingest.sources.msg import read_msg
from ingest.sources.pst import iter_pst
from tests.threads.mail import conversation_index, eml, index_text, outlook_msg

GUID = uuid.UUID(int=0xC0FFEE)


def test_an_email_file_gives_its_thread_headers() -> None:
    index = index_text(conversation_index(GUID, 1))
    data = eml("RE: Budget", "a@city.example", "b@city.example", 0, "x", thread_index=index)
    data = data.replace(b"Thread-Index:", b"Thread-Topic: Budget\nThread-Index:")
    parsed = rfc822.parse(data)
    assert (parsed.thread_index, parsed.thread_topic) == (index, "Budget")


def test_a_built_msg_gives_the_conversation_properties() -> None:
    index = conversation_index(GUID, 2)
    parsed = read_msg(outlook_msg("RE: RE: Budget", "a@city.example", "b@city.example", 0, "x",
                                  index=index, topic="Budget"))
    assert (parsed.thread_index, parsed.thread_topic) == (index_text(index), "Budget")
    assert parsed.message_id == ""


def test_a_real_forwarded_msg_is_one_reply_deep(corpus_dir: Path) -> None:
    parsed = read_msg((corpus_dir / "formats" / "msg" / "testMSG_forwarded.msg").read_bytes())
    index = outlook.parse(parsed.thread_index)
    assert index is not None and index.depth == 1
    assert parsed.thread_topic == "Testing"


def test_a_real_pst_reply_shares_its_original_conversation(corpus_dir: Path) -> None:
    found = {item.message.subject: item.message for item in
             iter_pst(corpus_dir / "formats" / "pst" / "testPST.pst") if item.message}
    original = outlook.parse(found["Feature Generators"].thread_index)
    reply = outlook.parse(found["Re: Feature Generators"].thread_index)
    assert original is not None and reply is not None
    assert reply.conversation == original.conversation and reply.parent() == original.raw
    assert found["Re: Feature Generators"].thread_topic == "Feature Generators"
