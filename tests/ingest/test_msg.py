"""Outlook .msg reading on the real samples in the shared corpus (facts checked by hand)."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from ingest.message import Address, Attachment, ParsedMessage
from ingest.sources.msg import read_msg
from ingest.sources.rfc822_render import to_rfc822


@pytest.fixture
def msg_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "formats" / "msg"


def read(msg_dir: Path, name: str) -> ParsedMessage:
    return read_msg((msg_dir / name).read_bytes())


def parse_rfc822(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def only(attachments: list[Attachment], filename: str) -> Attachment:
    found = [a for a in attachments if a.filename == filename]
    assert len(found) == 1, [a.filename for a in attachments]
    return found[0]


def test_every_sample_reads(msg_dir: Path) -> None:
    # All 25 samples read (none needs a ValueError); "mail_outlook_1" has no extension.
    names = sorted(p.name for p in msg_dir.iterdir())
    assert len(names) == 25
    for name in names:
        message = read(msg_dir, name)
        assert message.subject, name
        assert message.date is None or message.date.tzinfo is UTC, name


def test_received_mail_with_transport_headers(msg_dir: Path) -> None:
    message = read(msg_dir, "58214_with_attachment.msg")
    assert message.subject == "Master mail"
    assert message.sender == Address("bertrand.beyssac@c6.eu", "Bertrand Beyssac")
    assert message.to == [Address("bertrand.beyssac@c6.eu", "Bertrand Beyssac")]
    assert message.date == datetime(2015, 8, 5, 12, 2, 22, tzinfo=UTC)
    assert message.date_header == "Wed, 5 Aug 2015 14:02:22 +0200"
    assert message.message_id == "003c01d0cf76$96c2be20$c4483a60$@c6.eu"
    assert message.headers["Message-ID"] == "<003c01d0cf76$96c2be20$c4483a60$@c6.eu>"
    assert message.headers["Return-Path"] == "<bertrand.beyssac@c6.eu>"
    assert message.body_text.startswith("Vestibulum orci purus, malesuada vitae")
    assert message.body_html.startswith("<html")  # decoded from the RTF-encapsulated HTML
    assert message.defects == []


def test_recipients_split_by_type_with_display_names(msg_dir: Path) -> None:
    message = read(msg_dir, "example_received_unicode.msg")
    assert message.subject == "This is a test message please ignore"
    assert message.sender == Address("mike.farman@alfresco.com", "Mike Farman")
    assert [a.email for a in message.to] == [
        "ashutosh.dandavate@alfresco.com",
        "paul.hh@alfresco.com",
        "mikef@alfresco.com",
    ]
    assert message.to[1].name == "'Paul Holmes-Higgin'"  # Outlook's quotes are kept as found
    assert [a.email for a in message.cc] == [
        "nickb@alfresco.com",
        "nick.burch@alfresco.com",
        "roy.wetherall@alfresco.com",
    ]
    assert message.bcc == []
    assert message.headers["X-Zimbra-ItemId"] == "102959"
    gif = only(message.attachments, "alfresco.gif")
    assert (gif.content_type, len(gif.data), gif.inline) == ("image/gif", 16174, False)


def test_many_recipients_and_mixed_case_address(msg_dir: Path) -> None:
    message = read(msg_dir, "outlook_30_msg.msg")
    assert message.sender == Address("nick.cramer@pnl.gov", "Cramer, Nick")
    assert len(message.to) == 18
    assert Address("richard.carter@pnl.gov", "Carter, Richard J") in message.to  # lower-cased
    assert message.date_header == "Fri, 12 Sep 2008 07:28:29 -0700"


def test_cyrillic_recipient_names_in_to_and_cc(msg_dir: Path) -> None:
    message = read(msg_dir, "cyrillic_message.msg")
    assert message.subject.startswith("Автоматический ответ подсистемы обмена данными")
    recipient = Address("sviridov@niips.ru", "Свиридов Дмитрий Владимирович")
    assert message.to == [recipient]
    assert message.cc == [recipient]


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        # Non-Unicode MSGs without PR_MESSAGE_CODEPAGE: the locale's ANSI code page is used.
        ("ASCII_CP1251_LCID1049.msg", "Subject автоматически Subject"),
        ("nonUnicodeCP932.msg", "日本語 Non Unicode タイトル"),
        ("testMSG_chinese.msg", "Alfresco MSG format testing ( MSG 格式測試 )"),
        ("unicode1.msg", "畑㵲応ｲ瑤㵨㠱"),
    ],
)
def test_code_pages(msg_dir: Path, name: str, subject: str) -> None:
    assert read(msg_dir, name).subject == subject


def test_html_body_declared_utf8_but_cp1251(msg_dir: Path) -> None:
    message = read(msg_dir, "HTMLBodyBinary_CP1251.msg")
    assert "HTML автоматически" in message.body_html
    assert message.body_text == ""


def test_exchange_sender_without_smtp_address_is_kept(msg_dir: Path) -> None:
    message = read(msg_dir, "quick.msg")
    assert message.sender is not None
    assert message.sender.name == "Kevin Roast"
    assert message.sender.email.startswith("/O=HOSTEDSERVICE2/OU=FIRST ADMINISTRATIVE GROUP/CN=RECIPIENTS")
    # The recipient table does carry the SMTP address of the same person.
    assert message.to == [Address("kevin.roast@alfresco.org", "Kevin Roast")]
    # No transport headers: the ids and the date come from MAPI properties.
    assert message.message_id == "B17B1CFF4282214AB8BAADDDC20711220E0C025E@THHS2EXBE1X.hostedservice2.net"
    assert message.date == datetime(2007, 6, 14, 9, 42, 53, 500000, tzinfo=UTC)
    assert message.date_header == "2007-06-14T09:42:53.500000+00:00"
    assert message.headers == {}


def test_reply_ids(msg_dir: Path) -> None:
    message = read(msg_dir, "testMSG_forwarded.msg")
    parent = "C8508767C15DBF40A21693142739EA8D564D18FDA1@EXVMBX018-1.exch018.msoutlookonline.net"
    assert message.subject == "FW: Testing"
    assert message.in_reply_to == parent
    assert message.references == [parent]


def test_file_attachments(msg_dir: Path) -> None:
    message = read(msg_dir, "testMSG_att_doc.msg")
    assert message.subject == "test pièce jointe 1"
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("test-unicode.doc", "application/msword"),
        ("pj1.txt", "text/plain"),
    ]
    assert message.attachments[0].data.startswith(b"\xd0\xcf\x11\xe0")  # a Word OLE file


def test_inline_image_is_marked_inline(msg_dir: Path) -> None:
    message = read(msg_dir, "attachAndInline.msg")
    assert [(a.filename, a.inline) for a in message.attachments] == [
        ("attach.png", False),
        ("image001.png", True),
    ]
    assert all(a.data.startswith(b"\x89PNG") for a in message.attachments)


def test_msg_in_msg_becomes_rfc822_attachment(msg_dir: Path) -> None:
    message = read(msg_dir, "msgInMsg.msg")
    assert message.subject == "I have attachments!"
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("Microsoft Outlook テスト メッセージ.eml", "message/rfc822"),
        ("green.png", "image/png"),
    ]
    inner = parse_rfc822(message.attachments[0].data)
    assert inner["Subject"] == "Microsoft Outlook テスト メッセージ"
    assert inner["From"].addresses[0].addr_spec == "xmailuser@xmailserver.test"
    assert inner["Message-ID"] is None or inner["Message-ID"].startswith("<")


def test_nested_message_keeps_its_own_attachments(msg_dir: Path) -> None:
    message = read(msg_dir, "testMSG_att_msg.msg")
    embedded = only(message.attachments, "Test Attachment.eml")
    assert embedded.content_type == "message/rfc822"
    assert only(message.attachments, "smbprn.00009008.KdcPjl.pdf").content_type == "application/pdf"
    inner = parse_rfc822(embedded.data)
    assert inner["Subject"] == "Test Attachment"
    assert inner["From"].addresses[0].addr_spec == "nick.booth@pof.com.au"
    assert inner.get_body(("plain",)) is not None


def test_non_mail_items_say_what_they_are(msg_dir: Path) -> None:
    appointment = read(msg_dir, "testMSG_Appointment.msg")
    assert appointment.subject == "Quick brown fox"
    assert appointment.headers["X-Message-Class"] == "IPM.Appointment"
    contact = read(msg_dir, "contactUnicode.msg")
    assert contact.subject == "コム ドット イグザンプル 殿"
    assert contact.headers["X-Message-Class"] == "IPM.Contact"
    # Its RTF is plain (not encapsulated HTML or text) and holds no text: nothing to
    # recover and nothing wrong. (RTFDE, used before, failed on its Shift-JIS font names.)
    assert contact.defects == []
    assert (contact.body_text, contact.body_html) == ("", "")


def test_rendered_message_parses_back(msg_dir: Path) -> None:
    message = read(msg_dir, "testMSG_att_doc.msg")
    rendered = parse_rfc822(to_rfc822(message))
    assert rendered["Subject"] == "test pièce jointe 1"
    assert rendered["From"].addresses[0].addr_spec == "nicolas1.23456@free.fr"
    assert [part.get_filename() for part in rendered.iter_attachments()] == ["test-unicode.doc", "pj1.txt"]
    body = rendered.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "contenu"


def test_garbage_is_not_an_msg() -> None:
    with pytest.raises(ValueError, match="no OLE header"):
        read_msg(b"this is not an outlook file" * 100)
    with pytest.raises(ValueError, match="no OLE header"):
        read_msg(b"")


def test_truncated_msg_keeps_what_is_there(msg_dir: Path) -> None:
    data = (msg_dir / "msgInMsg.msg").read_bytes()
    # The first half holds the directory and the top-level properties: the message is
    # read, and what the lost sectors held is listed as defects (the pipeline keeps such
    # a message as read and shows it as an ingest error). extract-msg refused the file.
    message = read_msg(data[: len(data) // 2])
    assert message.subject == "I have attachments!"
    assert "OLE structure: incorrect OLE FAT, sector index out of range" in message.defects
    assert any(d.startswith("attachment 0: ") for d in message.defects)
    with pytest.raises(ValueError, match="truncated Outlook MSG file"):
        read_msg(data[:512])


def test_other_ole_file_is_not_an_msg(corpus_dir: Path) -> None:
    word = (corpus_dir / "formats" / "doc" / "testWORD.doc").read_bytes()
    with pytest.raises(ValueError, match="not an Outlook MSG"):
        read_msg(word)
