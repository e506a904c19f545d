"""Threading on hand-built mail: Message-ID chains, broken chains, Outlook's Thread-Index
with no Message-ID, and the subject fallback, with the threads expected written out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.core.hashing import sha256
from app.threads import outlook, subjects
from app.threads.threading import Mail, thread
from tests.threads.mail import as_mail, conversation_index, eml, index_text, outlook_msg

WINDOW = timedelta(days=30)
MAYOR, CLERK = "mayor@city.example", "clerk@city.example"
PLANNER, ENGINEER = "planner@city.example", "engineer@city.example"
GUID, OTHER_GUID = uuid.UUID(int=0x1234), uuid.UUID(int=0x5678)


def sample() -> dict[str, bytes]:
    return {
        # A Message-ID chain.
        "a1": eml("Budget hearing", MAYOR, CLERK, 0, "When is the hearing?", message_id="a1@city"),
        "a2": eml("Re: Budget hearing", CLERK, MAYOR, 1, "May 5.", message_id="a2@city",
                  in_reply_to="a1@city", references="a1@city"),
        "a3": eml("RE: Budget hearing", MAYOR, CLERK, 2, "Thanks.", message_id="a3@city",
                  in_reply_to="a2@city", references="a1@city a2@city"),
        # A broken chain: b2 is not in the set; b3 and b4 still hang from it.
        "b1": eml("Water main", ENGINEER, PLANNER, 0, "The main broke.", message_id="b1@city"),
        "b3": eml("Re: Water main", ENGINEER, PLANNER, 3, "Fixed.", message_id="b3@city",
                  in_reply_to="b2@city", references="b1@city b2@city"),
        "b4": eml("Re: Water main", PLANNER, ENGINEER, 4, "Good.", message_id="b4@city",
                  in_reply_to="b2@city"),
        # Outlook, no Message-ID: one conversation GUID, three depths.
        "o1": outlook_msg("Snow routes", MAYOR, PLANNER, 10, "Plan the routes.",
                          index=conversation_index(GUID, 0), topic="Snow routes"),
        "o2": outlook_msg("RE: Snow routes", PLANNER, MAYOR, 11, "Drafted.",
                          index=conversation_index(GUID, 1), topic="Snow routes"),
        "o3": outlook_msg("RE: Snow routes", MAYOR, PLANNER, 12, "Approved.",
                          index=conversation_index(GUID, 2), topic="Snow routes"),
        # A new Outlook conversation on the same topic, same people: Outlook says it is new.
        "o9": outlook_msg("Snow routes", MAYOR, PLANNER, 13, "Next winter's routes.",
                          index=conversation_index(OTHER_GUID, 0), topic="Snow routes"),
        # No thread headers at all: joins the budget thread by subject and people.
        "f1": outlook_msg("AW: [council] budget  HEARING", CLERK, MAYOR, 4, "Room 2."),
        # Same subject, disjoint people: stays alone.
        "n1": eml("Re: Budget hearing", PLANNER, ENGINEER, 3, "Unrelated."),
        # Same subject and people, outside the window: stays alone.
        "n2": eml("Fwd: Budget hearing", MAYOR, CLERK, 60, "Next year's."),
        # Two lone messages that the fallback puts together.
        "p1": eml("[council] Parking permits", CLERK, PLANNER, 20, "Permit list attached."),
        "p2": eml("WG: parking permits", PLANNER, CLERK, 22, "Reviewed."),
    }


EXPECTED = [{"a1", "a2", "a3", "f1"}, {"b1", "b3", "b4"}, {"o1", "o2", "o3"}, {"o9"},
            {"n1"}, {"n2"}, {"p1", "p2"}]


def mails(data: dict[str, bytes]) -> list[Mail]:
    return [as_mail(key, raw) for key, raw in data.items()]


def partition(placements: dict[str, object]) -> list[set[str]]:
    by_thread: dict[str, set[str]] = {}
    for key, placement in placements.items():
        by_thread.setdefault(placement.thread_id, set()).add(key)  # type: ignore[attr-defined]
    return sorted(by_thread.values(), key=sorted)


def test_threads_match_the_hand_built_ones() -> None:
    placed = thread(mails(sample()), WINDOW)
    assert partition(placed) == sorted(EXPECTED, key=sorted)
    assert {k: placed[k].how for k in ("a2", "o2", "f1", "n1", "p1")} == {
        "a2": "headers", "o2": "thread-index", "f1": "subject", "n1": "alone", "p1": "subject"}


def test_parents_come_from_references_and_the_thread_index() -> None:
    placed = thread(mails(sample()), WINDOW)
    assert placed["a3"].parent == "a2"
    assert placed["b3"].parent == "b1"  # b2 is missing: the nearest message above it
    assert placed["o3"].parent == "o2" and placed["o1"].parent is None


def test_thread_ids_follow_the_root_and_survive_the_missing_message() -> None:
    data = sample()
    before = thread(mails(data), WINDOW)
    assert before["a3"].thread_id == sha256("a1@city")[:32]  # what ingest stored before
    data["b2"] = eml("Re: Water main", PLANNER, ENGINEER, 1, "Crew sent.", message_id="b2@city",
                     in_reply_to="b1@city", references="b1@city")
    after = thread(mails(data), WINDOW)
    assert after["b2"].thread_id == after["b4"].thread_id == before["b1"].thread_id
    assert after["b4"].parent == "b2"


def test_the_window_is_a_setting() -> None:
    placed = thread(mails(sample()), timedelta(days=90))
    assert placed["n2"].thread_id == placed["a1"].thread_id
    assert placed["n1"].thread_id != placed["a1"].thread_id  # still no shared participant


def test_loops_and_duplicate_ids_do_not_break_threading() -> None:
    looped = [
        Mail("x", message_id="x@c", references=("y@c", "x@c")),
        Mail("y", message_id="y@c", references=("x@c",)),
        Mail("z", message_id="x@c"),  # a second message claiming x's id
    ]
    placed = thread(looped, WINDOW)
    assert placed["x"].thread_id == placed["y"].thread_id
    assert placed["z"].thread_id != placed["x"].thread_id


@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Fwd: AW: WG: [council] Budget", "budget"),
    ("RE[2]:  FW:  The   Budget ", "the budget"),
    ("[ext] Re: [council] Re(3): budget", "budget"),
    ("Regarding: budget", "regarding: budget"),  # not a prefix
    ("", ""),
])
def test_subjects_normalize(subject: str, expected: str) -> None:
    assert subjects.normalize(subject) == expected


def test_thread_index_is_read_from_header_and_property() -> None:
    index = conversation_index(GUID, 2)
    parsed = outlook.parse(index_text(index))
    assert parsed is not None and parsed.conversation == GUID.hex and parsed.depth == 2
    assert parsed.parent() == conversation_index(GUID, 1)
    assert outlook.parse(index) == parsed
    assert as_mail("o", outlook_msg("s", MAYOR, CLERK, 0, "b", index=index, topic="T")
                   ).thread_index == index_text(index)


@pytest.mark.parametrize("value", ["", "not base64!", index_text(b"\x01" * 21),
                                   index_text(b"\x01" * 25), index_text(bytes(22))])
def test_unusable_thread_index_is_ignored(value: str) -> None:
    assert outlook.parse(value) is None


def test_the_order_mails_come_in_does_not_matter() -> None:
    found = mails(sample())
    found.append(as_mail("dup", eml("Budget hearing", MAYOR, CLERK, 5, "A copy, later.",
                                    message_id="a1@city")))  # claims a1's Message-ID
    forward, backward = thread(found, WINDOW), thread(found[::-1], WINDOW)
    assert forward == backward
    assert forward["a1"].thread_id == sha256("a1@city")[:32]  # the older keeps the id
