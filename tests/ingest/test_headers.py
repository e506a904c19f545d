"""One header decoder: an e-mail file and an Outlook item's transport headers read alike.

Both feed the dedup key, so the same message exported as EML and kept in a PST must
give the same subject, addresses and ids.
"""

from __future__ import annotations

from ingest import rfc822
from ingest.message import ParsedMessage
from ingest.sources.mapi import apply_transport_headers, parse_transport_headers

HEADERS = (
    "Microsoft Mail Internet Headers Version 2.0\r\n"
    "From: =?utf-8?q?Mar=C3=ADa_Delgado?= <MDelgado@Springvale-CO.example>\r\n"
    "To: \"Whitaker, Owen\" <owhitaker@springvale-co.example>, clerk@city.example\r\n"
    "Cc: =?iso-8859-1?q?J=F6rg?= <jorg@city.example>\r\n"
    "Subject: =?utf-8?b?UGVybWl0IMOcYmVyc2ljaHQ=?=\r\n"
    " (folded)\r\n"
    "Date: Tue, 03 Mar 2026 09:15:00 -0700\r\n"
    "Message-ID: <abc.123@springvale-co.example> (sent by Outlook)\r\n"
    "In-Reply-To: <parent@city.example>\r\n"
    "References: <root@city.example> <parent@city.example>\r\n"
)


def test_transport_headers_read_as_an_email_file_does() -> None:
    as_file = rfc822.parse((HEADERS.split("\r\n", 1)[1] + "\r\nbody\r\n").encode())
    header = parse_transport_headers(HEADERS)
    assert header is not None
    as_item = ParsedMessage()
    apply_transport_headers(as_item, header)
    for field in ("subject", "sender", "to", "cc", "date_header", "message_id", "in_reply_to",
                  "references"):
        assert getattr(as_item, field) == getattr(as_file, field), field
    assert as_file.subject == "Permit Übersicht (folded)"
    assert as_file.sender is not None and as_file.sender.email == "mdelgado@springvale-co.example"
    assert [a.name for a in as_file.to] == ["Whitaker, Owen", ""]
    assert as_file.cc[0].name == "Jörg"
    assert as_file.message_id == "abc.123@springvale-co.example"  # the comment is not the id
    assert as_file.references == ["root@city.example", "parent@city.example"]
