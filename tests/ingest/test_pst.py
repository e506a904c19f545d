"""Outlook PST/OST reading on the real samples in the shared corpus (facts checked by hand)."""

from __future__ import annotations

import email
from collections import Counter
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from ingest.message import Address, ParsedMessage
from ingest.sources.pst import PstItem, iter_pst


@pytest.fixture
def pst_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "formats" / "pst"


def items(path: Path) -> list[PstItem]:
    found = list(iter_pst(path))
    assert all(item.error is None for item in found), [item.error for item in found]
    return found


def message(found: list[PstItem], folder: str, subject: str) -> ParsedMessage:
    matches = [i.message for i in found if i.folder == folder and i.message and i.message.subject == subject]
    assert len(matches) == 1, [(i.folder, i.message.subject if i.message else None) for i in found]
    return matches[0]


def parse_rfc822(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_folder_tree_is_relative_to_the_ipm_subtree(pst_dir: Path) -> None:
    found = items(pst_dir / "source.pst")
    # "Top of Personal Folders" is dropped; the empty Inbox/SubInbox yields nothing;
    # the free/busy object under the root is not a message and is skipped.
    assert Counter(item.folder for item in found) == {
        "Inbox": 8,
        "Sent Items": 6,
        "Calendar": 1,
        "Contacts": 1,
    }


def test_received_mail_from_transport_headers(pst_dir: Path) -> None:
    found = items(pst_dir / "source.pst")
    mail = message(found, "Inbox", "Multiple attachments")
    assert mail.sender == Address("saqib.razzaq@xp.local", "Saqib Razzaq")
    assert [a.email for a in mail.to] == ["saqib.razzaq@xp.local"]
    assert mail.date == datetime(2011, 6, 21, 23, 51, 7, tzinfo=UTC)
    assert mail.date_header == "Wed, 22 Jun 2011 04:51:07 +0500"
    assert mail.message_id == "003c01cc306e$17006760$45013620$@razzaq@xp.local"
    assert mail.headers["X-Mailer"] == "Microsoft Office Outlook 12.0"
    assert mail.headers["X-Folder"] == "Inbox"
    assert mail.body_text.startswith("This message contains multiple attachments")
    assert "<html" in mail.body_html
    assert [(a.filename, a.content_type, len(a.data)) for a in mail.attachments] == [
        ("text file.txt", "text/plain", 29),
        ("Sunset.jpg", "image/jpeg", 71189),
        ("Blue hills.jpg", "image/jpeg", 28521),
    ]
    assert mail.attachments[0].data == b"hello\r\n\r\nthis is a text file."


def test_sent_item_uses_properties_and_recipient_table(pst_dir: Path) -> None:
    found = items(pst_dir / "source.pst")
    sent = message(found, "Sent Items", "message 1")
    # No transport headers in Sent Items: recipients come from the recipient table
    # (with Outlook's quoted display name) and the date from PR_CLIENT_SUBMIT_TIME.
    assert sent.to == [Address("saqib.razzaq@xp.local", "'saqib.razzaq@xp.local'")]
    assert sent.sender == Address("saqib.razzaq@xp.local", "Saqib Razzaq")
    assert sent.date == datetime(2011, 6, 21, 23, 46, 39, 156250, tzinfo=UTC)
    assert sent.date_header == "2011-06-21T23:46:39.156250+00:00"


def test_embedded_messages_become_rfc822_attachments(pst_dir: Path) -> None:
    found = items(pst_dir / "source.pst")
    mail = message(found, "Inbox", "this message contains embedded MSG")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("message 1.eml", "message/rfc822"),
        ("message 2.eml", "message/rfc822"),
    ]
    inner = parse_rfc822(mail.attachments[0].data)
    assert inner["Subject"] == "message 1"
    assert inner["From"].addresses[0].addr_spec == "saqib.razzaq@xp.local"
    body = inner.get_body(("plain",))
    assert body is not None and "This is first message" in body.get_content()


def test_native_is_the_rendered_message(pst_dir: Path) -> None:
    found = items(pst_dir / "source.pst")
    for item in found:
        assert item.message is not None
        rendered = parse_rfc822(item.native)
        assert rendered["Subject"] == item.message.subject
        assert len(list(rendered.iter_attachments())) == len(item.message.attachments)


def test_source_ids_are_libpff_identifiers_and_stable(pst_dir: Path) -> None:
    first = [(i.folder, i.source_id) for i in items(pst_dir / "source.pst")]
    second = [(i.folder, i.source_id) for i in items(pst_dir / "source.pst")]
    assert first == second
    assert ("Inbox", "2097476") in first  # "Multiple attachments"
    assert len({source_id for _, source_id in first}) == len(first)


def test_localized_ipm_subtree_and_nested_attachment(pst_dir: Path) -> None:
    found = items(pst_dir / "testPST.pst")
    # The IPM subtree is named "Début du fichier de données Outlook" here: mail kept
    # directly in it has the empty folder path.
    assert {item.folder for item in found} == {""}
    assert len(found) == 7
    reply = message(found, "", "Re: Feature Generators")
    assert reply.sender == Address("kottmann@gmail.com", "Jörn Kottmann")
    assert reply.to == [Address("users@opennlp.apache.org", "users@opennlp.apache.org")]
    forward = message(found, "", "FW: First email")
    assert [a.filename for a in forward.attachments] == ["First email.eml"]
    inner = parse_rfc822(forward.attachments[0].data)
    assert inner["Subject"] == "First email"
    assert [p.get_filename() for p in inner.iter_attachments()] == ["attachment.docx"]


def test_non_mail_items_are_yielded_with_their_class(pst_dir: Path) -> None:
    found = items(pst_dir / "dist-list.pst")
    classes = {
        (i.folder, i.message.subject, i.message.headers["X-Message-Class"]) for i in found if i.message
    }
    assert classes == {
        ("Calendar", "Test appointment", "IPM.Appointment"),
        ("Contacts", "test dist list", "IPM.DistList"),
        ("Contacts", "contact name 1", "IPM.Contact"),
    }


def test_ost_is_read_too(corpus_dir: Path) -> None:
    found = items(corpus_dir / "formats" / "ost" / "test.ost")
    assert len(found) == 18
    assert {item.folder for item in found} == {"myInbox"}
    assert all(i.message and i.message.headers["X-Message-Class"] == "IPM.Contact" for i in found)
    assert "Sebastian Wright" in {i.message.subject for i in found if i.message}


def test_not_a_pst_raises_at_once(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pst"
    garbage.write_bytes(b"not a personal folders file" * 100)
    with pytest.raises(ValueError, match="no !BDN header"):
        iter_pst(garbage)  # at the call, before any iteration
    with pytest.raises(ValueError, match="cannot read PST file"):
        iter_pst(tmp_path / "missing.pst")


def test_truncated_pst_raises_at_once(pst_dir: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pst"
    truncated.write_bytes((pst_dir / "source.pst").read_bytes()[:65536])
    with pytest.raises(ValueError, match="corrupt Outlook PST/OST file"):
        iter_pst(truncated)
