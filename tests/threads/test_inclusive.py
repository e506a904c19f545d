"""Inclusive e-mails on threads with replies, forwards, edited quotes and attachments."""

from __future__ import annotations

from app.threads.inclusive import inclusive
from tests.threads.mail import as_mail, eml

MAYOR, CLERK, ATTORNEY = "mayor@city.example", "clerk@city.example", "attorney@city.example"
ORIGINAL = "The hearing is on May 5\nin the council chambers."
FORWARD_HEADER = "---------- Forwarded message ---------\nFrom: Mayor <mayor@city.example>\n"
MAP = b"%PDF-1.4 parking map"


def test_replies_that_quote_everything_leave_only_the_last() -> None:
    thread = [
        as_mail("m1", eml("Hearing", MAYOR, CLERK, 0, ORIGINAL)),
        as_mail("m2", eml("Re: Hearing", CLERK, MAYOR, 1,
                          "Booked.\n\nOn Monday the mayor wrote:\n> The hearing is on May 5\n"
                          "> in the council chambers.")),
        as_mail("m3", eml("Re: Hearing", MAYOR, CLERK, 2,
                          "Thanks.\n> Booked.\n>\n> On Monday the mayor wrote:\n"
                          ">> The hearing is on May 5\n>>   in the council chambers.")),
    ]
    assert inclusive(thread) == {"m3"}


def test_a_branch_that_no_later_message_quotes_stays() -> None:
    thread = [
        as_mail("m1", eml("Hearing", MAYOR, CLERK, 0, ORIGINAL)),
        as_mail("m2", eml("Re: Hearing", CLERK, MAYOR, 1, "Booked.\n> " + ORIGINAL)),
        as_mail("m3", eml("Re: Hearing", ATTORNEY, MAYOR, 2, "Notice it.\n> " + ORIGINAL)),
    ]
    assert inclusive(thread) == {"m2", "m3"}


def test_a_forward_holds_the_original() -> None:
    thread = [
        as_mail("m1", eml("Hearing", MAYOR, CLERK, 0, ORIGINAL)),
        as_mail("m2", eml("Fwd: Hearing", CLERK, ATTORNEY, 1,
                          "FYI\n\n" + FORWARD_HEADER + "\n" + ORIGINAL)),
    ]
    assert inclusive(thread) == {"m2"}


def test_an_edited_quote_leaves_the_original_inclusive() -> None:
    thread = [
        as_mail("m1", eml("Positions", MAYOR, CLERK, 0, "We approve 4 new positions.")),
        as_mail("m2", eml("Re: Positions", CLERK, MAYOR, 1,
                          "Noted.\n> We approve 2 new positions.")),
    ]
    assert inclusive(thread) == {"m1", "m2"}


def test_a_unique_attachment_keeps_its_message() -> None:
    with_map = as_mail("m1", eml("Parking", CLERK, MAYOR, 0, "Map attached.",
                                 attachments=(("map.pdf", MAP),)))
    reply = as_mail("m2", eml("Re: Parking", MAYOR, CLERK, 1, "Approved.\n> Map attached."))
    assert inclusive([with_map, reply]) == {"m1", "m2"}
    forward = as_mail("m3", eml("Fwd: Parking", MAYOR, ATTORNEY, 2,
                                "See map.\n" + FORWARD_HEADER + "Map attached.",
                                attachments=(("map.pdf", MAP),)))
    assert inclusive([with_map, reply, forward]) == {"m2", "m3"}  # m3 carries the map on


def test_a_lone_message_is_inclusive() -> None:
    assert inclusive([as_mail("m1", eml("Hearing", MAYOR, CLERK, 0, ""))]) == {"m1"}
