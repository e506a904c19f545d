"""Threading and inclusive detection on generated mail: rules that hold for any input."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.threads.inclusive import inclusive
from app.threads.threading import Mail, order, thread

IDS = st.sampled_from([f"m{n}@city" for n in range(8)] + [""])
PEOPLE = st.frozensets(st.sampled_from(["a@c", "b@c", "c@c", "d@c"]), max_size=3)
TEXTS = st.sampled_from(["", "budget", "> budget", "budget\n> budget", "Budget May 5", "x"])


@st.composite
def mailbox(draw: st.DrawFn) -> list[Mail]:
    count = draw(st.integers(1, 12))
    return [Mail(
        key=f"k{n}", sent_at=draw(st.none() | st.builds(
            lambda d: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=d), st.integers(0, 90))),
        subject=draw(st.sampled_from(["Budget", "Re: budget", "Parking", ""])),
        message_id=draw(IDS), in_reply_to=draw(IDS),
        references=tuple(draw(st.lists(IDS, max_size=3))), participants=draw(PEOPLE),
        text=draw(TEXTS), attachments=draw(st.frozensets(st.sampled_from("pq"), max_size=1)))
        for n in range(count)]


@settings(max_examples=150, deadline=None)
@given(mailbox())
def test_threads_do_not_depend_on_order_and_each_keeps_its_last_message(mails: list[Mail]) -> None:
    placed = thread(mails, timedelta(days=30))
    assert placed == thread(mails[::-1], timedelta(days=30))
    assert set(placed) == {m.key for m in mails}
    threads: dict[str, list[Mail]] = defaultdict(list)
    for mail in mails:
        threads[placed[mail.key].thread_id].append(mail)
    for members in threads.values():
        kept = inclusive(members)
        assert max(members, key=order).key in kept  # nothing later can hold the last one
        assert kept <= {m.key for m in members}
        for mail in members:  # a parent is a message of the same thread
            parent = placed[mail.key].parent
            assert parent is None or placed[parent].thread_id == placed[mail.key].thread_id
