"""Every Outlook .msg of the shared corpus, field by field (values checked against extract-msg).

The old reader (extract-msg) was run over the corpus before it was removed; the new one
agrees on every field below except where a comment says why it now does better.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.sources.msg import read_msg


@dataclass(frozen=True)
class Expected:
    subject: str
    sender: str | None  # the address; an Exchange DN when the file has no SMTP address
    recipients: tuple[int, int, int]  # To, Cc, Bcc
    attachments: tuple[str, ...]
    text: str  # a phrase of the plain body ("" for no plain body)
    html: str = ""  # a phrase of the HTML body's text, where the file has one worth checking


_DRAFT = None  # unsent messages carry no sender properties at all
_OUTLOOK_2003_IMAGES = tuple(f"{n}.jpg" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12))

CORPUS = {
    # Received mail: transport headers, an attached message, HTML only as encapsulated RTF.
    "58214_with_attachment.msg": Expected(
        "Master mail", "bertrand.beyssac@c6.eu", (1, 0, 0), ("Test mail attachment.eml",),
        "Vestibulum orci purus", "Vestibulum orci purus"),
    # Non-Unicode, no code page: the Russian locale (LCID 1049) means cp1251. The HTML body
    # is a string property here (PR_BODY_HTML); extract-msg only read the binary one.
    "ASCII_CP1251_LCID1049.msg": Expected(
        "Subject автоматически Subject", _DRAFT, (0, 0, 0), (), "Body автоматически Body",
        "HTML автоматически"),
    "Attach sample eml received.msg": Expected(
        "Attach sample.eml", "hmailuser@hmailserver.test", (1, 0, 0), ("sample.eml",),
        "Sent from my Windows 10", "Sent from my Windows 10"),
    # PR_HTML says utf-8 in its meta tag but holds cp1251 bytes.
    "HTMLBodyBinary_CP1251.msg": Expected(
        "Subject öäü Subject", _DRAFT, (0, 0, 0), (), "", "HTML автоматически"),
    "Hello +CJK.msg": Expected(
        "Hello +CJK", _DRAFT, (0, 0, 0), (), "J こんにちは K 안녕하세요", "J こんにちは K 안녕하세요"),
    # The body is an inline image and no text.
    "attachAndInline.msg": Expected(
        "Attach and inline", _DRAFT, (1, 0, 0), ("attach.png", "image001.png"), ""),
    # A contact: no body at all, and its plain RTF is nothing to decode.
    "contactUnicode.msg": Expected(
        "コム ドット イグザンプル 殿", "xmailuser@xmailserver.test", (0, 0, 0), (), ""),
    "cyrillic_message.msg": Expected(
        'Автоматический ответ подсистемы обмена данными ФГУП "Почта России".', "no-reply@niips.ru",
        (1, 1, 0), (), "было успешно получено брокером"),
    "example_received_unicode.msg": Expected(
        "This is a test message please ignore", "mike.farman@alfresco.com", (3, 3, 0), ("alfresco.gif",),
        "The quick brown fox jumps over the lazy dog", "The quick brown fox"),
    "mail_outlook_1": Expected(
        "Newsletter Prüfung Personalwesen / Prüfung Eröffnungsbilanz", "nueblingv@w-vwa.de", (1, 0, 0),
        ("newsletter.png", "spacer.gif", "image004.jpg", "image006.jpg", "image008.jpg"),
        "Wenn Sie diesen Newsletter nicht lesen können", "Wenn Sie diesen Newsletter nicht lesen"),
    "msgInMsg.msg": Expected(
        "I have attachments!", _DRAFT, (0, 0, 0), ("Microsoft Outlook テスト メッセージ.eml", "green.png"),
        "I have attachments!", "I have attachments!"),
    # Non-Unicode, no code page, Japanese locale: cp932 strings; the HTML from its RTF.
    "nonUnicodeCP932.msg": Expected(
        "日本語 Non Unicode タイトル", _DRAFT, (1, 0, 0), (), "日本語 Non Unicode 本文",
        "日本語 Non Unicode 本文"),
    "outlook_30_msg.msg": Expected(
        "IN-SPIRE servers going down for a bit, back up around 8am", "nick.cramer@pnl.gov", (18, 0, 0), (),
        "moving the IN-SPIRE servers to the RIE lab", "shutting down the IN-SPIRE servers"),
    "quick.msg": Expected(
        "Test the content transformer",
        "/O=HOSTEDSERVICE2/OU=FIRST ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=KEVIN.ROAST@BEN", (1, 0, 0), (),
        "The quick brown fox jumps over the lazy dog"),
    "sent.msg": Expected("Sent time", "xmailuser@xmailserver.test", (1, 0, 0), (), "Test mail", "Test mail"),
    # Outlook 97-2002 era files: 8-bit strings with no code page and no locale.
    "simple_test_msg.msg": Expected(
        "test message", "travis@overwrittenstack.com", (1, 0, 0), (), "This is a test message."),
    "test-outlook.msg": Expected(
        "Microsoft Outlook Express 6", "msoe@microsoft.com", (1, 0, 0), (),
        "La réponse à vos attentes en matière de messagerie", "Prise en charge du format HTML"),
    "test-outlook2003.msg": Expected(
        "Welcome to Microsoft Office Outlook 2003", "olteam@microsoft.com", (1, 0, 0), _OUTLOOK_2003_IMAGES,
        "Thank you for using Microsoft® Office Outlook® 2003!", "Microsoft® Office Outlook® 2003"),
    "testMSG.msg": Expected(
        "MIME registry use cases", "jukka.zitting@gmail.com", (1, 0, 0), (),
        "making the type detection code more modular"),
    "testMSG_Appointment.msg": Expected(
        "Quick brown fox",
        "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"
        "/cn=c30306cdae2248028de286352cc599f0-Allison, Ti", (1, 0, 0), (),
        "This is a meeting to discuss jumping", "This is a meeting to discuss jumping"),
    "testMSG_att_doc.msg": Expected(
        "test pièce jointe 1", "nicolas1.23456@free.fr", (1, 0, 0), ("test-unicode.doc", "pj1.txt"),
        "contenu", "contenu"),
    "testMSG_att_msg.msg": Expected(
        "test email", "nick.booth@pof.com.au", (1, 0, 0),
        ("Test Attachment.eml", "smbprn.00009008.KdcPjl.pdf"),
        "Test email with 1 msg attachment, 1 pdf", "Test email with 1 msg attachment"),
    # Traditional Chinese locale (LCID 1028): cp950. Its HTML body is a string property,
    # which extract-msg did not read (and RTFDE failed on its plain RTF, a defect then).
    "testMSG_chinese.msg": Expected(
        "Alfresco MSG format testing ( MSG 格式測試 )", "/O=FT GROUP/OU=FT/CN=RECIPIENTS/CN=LYDIACHANG",
        (1, 0, 0), (), "豐泰產業工會常務理事", "高票當選"),
    "testMSG_forwarded.msg": Expected(
        "FW: Testing", "paul@metajure.com", (1, 0, 0), (), "Forwarded Body", "Original Body"),
    "unicode1.msg": Expected(
        "畑㵲応ｲ瑤㵨㠱", _DRAFT, (0, 0, 0), (), "The subject having “畑㵲応イ瑤㵨㠱” text."),
}


def test_the_table_covers_the_corpus(corpus_dir: Path) -> None:
    assert sorted(CORPUS) == sorted(p.name for p in (corpus_dir / "formats" / "msg").iterdir())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_message(corpus_dir: Path, name: str) -> None:
    expected = CORPUS[name]
    message = read_msg((corpus_dir / "formats" / "msg" / name).read_bytes())
    assert message.subject == expected.subject
    assert (message.sender.email if message.sender else None) == expected.sender
    assert (len(message.to), len(message.cc), len(message.bcc)) == expected.recipients
    assert tuple(a.filename for a in message.attachments) == expected.attachments
    assert all(a.data for a in message.attachments)
    assert expected.text in words(message.body_text) if expected.text else message.body_text == ""
    assert expected.html in words(html.unescape(re.sub(r"<[^>]*>", " ", message.body_html)))
    assert message.defects == []


def words(text: str) -> str:
    return " ".join(text.split())
