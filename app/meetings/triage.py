"""Which e-mail threads may have been meetings of a public body: pure rules, no database.

A thread is flagged for a body when the members of that body who took part in it (sent
it, or received it as To, Cc or Bcc) reach the rule's count: three or more, or a
quorum when the body's quorum is smaller. A member counts only for mail sent, in the
city's time, while they held the seat. A reply that brings the count from one short of
it to it (the reply-all that made a two-member exchange a three-member one) is named.

Whether the mail discussed public business, or only scheduled, forwarded or asked, is
for the attorney who reads it: the report finds the threads to read.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Rule:
    effective_from: date
    citation: str
    members: int
    counts_quorum: bool
    statement: str
    exclusions: str
    verify: str

    def threshold(self, quorum: int) -> int:
        return min(self.members, quorum) if self.counts_quorum else self.members


def rules() -> list[Rule]:
    """The dated rules, oldest first (app/meetings/rules.toml)."""
    text = resources.files("app.meetings").joinpath("rules.toml").read_text(encoding="utf-8")
    return sorted((Rule(**r) for r in tomllib.loads(text)["rule"]),
                  key=lambda r: r.effective_from)


def rule_on(day: date, known: list[Rule]) -> Rule | None:
    """The rule in force on `day`: the newest one effective by then."""
    in_force = [r for r in known if r.effective_from <= day]
    return in_force[-1] if in_force else None


@dataclass(frozen=True)
class Member:
    person_id: uuid.UUID
    name: str
    addresses: frozenset[str]  # lower case
    starts_on: date
    ends_on: date | None

    def sits_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Body:
    id: uuid.UUID
    name: str
    quorum: int
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Message:
    document_id: uuid.UUID
    thread_id: str
    sent_at: datetime | None
    subject: str
    sender: str  # lower case
    addresses: frozenset[str]  # sender and every recipient, lower case
    is_reply: bool


@dataclass
class Finding:
    body: Body
    thread_id: str
    rule: Rule
    threshold: int
    messages: list[Message]
    members: list[Member]  # who took part, in the order they first did
    reached_by: Message  # the message that brought the count to the threshold
    reply_all: Message | None  # ... when that was a reply that added the last member(s)
    explanation: list[str] = field(default_factory=list)

    @property
    def first_at(self) -> datetime | None:
        return self.messages[0].sent_at

    @property
    def last_at(self) -> datetime | None:
        return self.messages[-1].sent_at


def _day(message: Message, zone: ZoneInfo) -> date | None:
    return message.sent_at.astimezone(zone).date() if message.sent_at else None


def members_in(body: Body, message: Message, zone: ZoneInfo) -> list[Member]:
    day = _day(message, zone)
    if day is None:
        return []
    return [m for m in body.members if m.sits_on(day) and m.addresses & message.addresses]


def triage(body: Body, thread: Iterable[Message], zone: ZoneInfo,
           known: list[Rule]) -> Finding | None:
    """The finding for one thread and one body, or None when it stays under the count."""
    ordered = sorted(thread, key=lambda m: (m.sent_at is None, m.sent_at or datetime.min))
    seen: dict[uuid.UUID, Member] = {}
    for message in ordered:
        before = len(seen)
        # The sender first, then by name: the same order however the directory lists them.
        for member in sorted(members_in(body, message, zone),
                             key=lambda m: (message.sender not in m.addresses, m.name)):
            seen.setdefault(member.person_id, member)
        day = _day(message, zone)
        rule = rule_on(day, known) if day else None
        if rule is None or len(seen) < rule.threshold(body.quorum):
            continue
        threshold = rule.threshold(body.quorum)
        reply_all = message if message.is_reply and before == threshold - 1 else None
        finding = Finding(body, message.thread_id, rule, threshold, ordered, list(seen.values()),
                          message, reply_all)
        finding.explanation = _explained(finding, zone)
        return finding
    return None


def _explained(finding: Finding, zone: ZoneInfo) -> list[str]:
    rule, body = finding.rule, finding.body
    names = ", ".join(m.name for m in finding.members)
    when = finding.reached_by.sent_at.astimezone(zone).isoformat() if finding.reached_by.sent_at \
        else "an undated message"
    lines = [
        f"{len(finding.members)} members of {body.name} took part: {names}.",
        f"The count is {finding.threshold}: {rule.members} or more members"
        + (f", or a quorum ({body.quorum})" if rule.counts_quorum else "")
        + f", under {rule.citation} (rule effective {rule.effective_from.isoformat()}).",
        f"Reached by the message of {when} (document {finding.reached_by.document_id}).",
        f"Not a meeting if the mail only scheduled, forwarded or asked: {rule.exclusions}",
    ]
    if finding.reply_all is not None:
        lines.insert(2, f"That message was a reply that brought the count from "
                        f"{finding.threshold - 1} members to {finding.threshold}.")
    return lines
