"""Which messages form a thread: pure rules over a message's headers, no database.

Three sources, in order of trust:
1. Message-ID, In-Reply-To and References, linked as in Jamie Zawinski's algorithm
   (https://www.jwz.org/doc/threading.html): one container per id, a missing message
   kept as an empty container so a broken chain still holds together. JWZ's last step,
   grouping roots by subject alone, is replaced by the stricter fallback of 3.
2. Outlook's Thread-Index (app.threads.outlook): the same conversation GUID is one
   thread, for MSG and PST items that carry no Internet message ids.
3. When the headers leave a message alone (and Outlook did not mark it the start of a
   new conversation), it joins a thread with the same normalized
   subject (Thread-Topic when there is one) if it shares a participant with one of its
   messages sent within the window. Two threads the headers built never merge this way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.hashing import sha256
from app.threads import outlook, subjects


@dataclass(frozen=True)
class Mail:
    """What threading reads of one e-mail; `key` is the caller's (a document id)."""

    key: str
    sent_at: datetime | None = None
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    thread_index: str = ""  # base64, as the Thread-Index header carries it
    thread_topic: str = ""
    participants: frozenset[str] = frozenset()  # lower-cased addresses of sender and recipients
    text: str = ""
    attachments: frozenset[str] = frozenset()  # content hashes


@dataclass
class _Container:
    id: str
    mail: Mail | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)

    def has_ancestor(self, other: _Container) -> bool:
        node: _Container | None = self
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False

    def adopt(self, child: _Container) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)


_PLACEHOLDER = "\0"  # a container id for a message with no usable Message-ID of its own


def _containers(mails: Iterable[Mail]) -> dict[str, _Container]:
    """JWZ steps 1 and 2: every id a container, linked parent to child by References."""
    table: dict[str, _Container] = {}
    for mail in mails:
        own = mail.message_id
        if own and own in table and table[own].mail is None:
            container = table[own]
        else:  # no id, or a second message with the same id: kept apart
            own = own if own and own not in table else _PLACEHOLDER + mail.key
            container = table[own] = _Container(own)
        container.mail = mail
        chain = [r for r in mail.references if r and r != mail.message_id]
        if mail.in_reply_to and mail.in_reply_to not in chain and mail.in_reply_to != mail.message_id:
            chain.append(mail.in_reply_to)
        links = [table.setdefault(ref, _Container(ref)) for ref in dict.fromkeys(chain)]
        for parent, child in zip(links, links[1:], strict=False):
            # An earlier message's links stand; a link that would make a loop is dropped.
            if child.parent is None and not parent.has_ancestor(child):
                parent.adopt(child)
        if links and not links[-1].has_ancestor(container):
            links[-1].adopt(container)  # the message's own References say who its parent is
    return table


def _root(container: _Container) -> _Container:
    while container.parent is not None:
        container = container.parent
    return container


def _parent_mail(container: _Container) -> Mail | None:
    node = container.parent
    while node is not None and node.mail is None:
        node = node.parent
    return node.mail if node is not None else None


class _Groups:
    """Union-find over mail keys."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.up = {key: key for key in keys}
        self.size = dict.fromkeys(self.up, 1)

    def find(self, key: str) -> str:
        while self.up[key] != key:
            self.up[key] = self.up[self.up[key]]
            key = self.up[key]
        return key

    def join(self, a: str, b: str) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            if self.size[a] < self.size[b]:
                a, b = b, a
            self.up[b] = a
            self.size[a] += self.size[b]


@dataclass(frozen=True)
class Placement:
    """Where threading put one message: its thread, and the message it answers if known."""

    thread_id: str
    parent: str | None
    how: str  # "headers", "thread-index", "subject" or "alone"


def order(mail: Mail) -> tuple[float, str]:
    """Oldest first; an undated message before every dated one."""
    return order_key(mail.sent_at, mail.key)


def order_key(sent_at: datetime | None, key: str) -> tuple[float, str]:
    """The order of a thread's messages, for callers that hold no Mail (by key on ties)."""
    return (sent_at.timestamp() if sent_at else float("-inf"), key)


def thread(mails: list[Mail], window: timedelta) -> dict[str, Placement]:
    """Each mail's thread (by key); the thread id is stable while the thread's root stays.

    The same mails in any order give the same threads (when two claim one Message-ID, the
    older keeps it), so a batch's threads come out as a rebuild's."""
    mails = sorted(mails, key=order)
    by_key = {mail.key: mail for mail in mails}
    table = _containers(mails)
    groups = _Groups(by_key)
    how: dict[str, str] = dict.fromkeys(by_key, "alone")
    anchor: dict[str, str] = {}
    parent: dict[str, str | None] = {}
    members: dict[int, list[Mail]] = defaultdict(list)
    for container in table.values():
        if container.mail is not None:
            root = _root(container)
            members[id(root)].append(container.mail)
            up = _parent_mail(container)
            parent[container.mail.key] = up.key if up else None
            if not root.id.startswith(_PLACEHOLDER):
                anchor[container.mail.key] = root.id
    for tree in members.values():
        for mail in tree[1:]:
            groups.join(tree[0].key, mail.key)
        if len(tree) > 1:
            how.update(dict.fromkeys((m.key for m in tree), "headers"))
    _conversations(mails, groups, how, anchor, parent)
    _fallback(mails, groups, how, window)
    threads: dict[str, list[Mail]] = defaultdict(list)
    for mail in mails:
        threads[groups.find(mail.key)].append(mail)
    placements: dict[str, Placement] = {}
    for tree in threads.values():
        first = min(tree, key=order)
        thread_id = sha256(anchor.get(first.key) or "document:" + first.key)[:32]
        for mail in tree:
            placements[mail.key] = Placement(thread_id, parent.get(mail.key), how[mail.key])
    return placements


def _conversations(mails: list[Mail], groups: _Groups, how: dict[str, str],
                   anchor: dict[str, str], parent: dict[str, str | None]) -> None:
    """Same Thread-Index GUID, same thread; the index's prefix names the parent."""
    by_guid: dict[str, list[tuple[Mail, outlook.ThreadIndex]]] = defaultdict(list)
    for mail in mails:
        index = outlook.parse(mail.thread_index)
        if index is not None:
            by_guid[index.conversation].append((mail, index))
    for guid, found in by_guid.items():
        raw = {index.raw: mail.key for mail, index in found}
        for mail, index in found:
            anchor.setdefault(mail.key, "conversation:" + guid)
            up = index.parent()
            if parent.get(mail.key) is None and up is not None:
                parent[mail.key] = raw.get(up)
            if len(found) > 1:
                groups.join(found[0][0].key, mail.key)
                if how[mail.key] == "alone":
                    how[mail.key] = "thread-index"


def _new(mail: Mail) -> bool:
    """Outlook marked it the first message of a new conversation (a Thread-Index, no reply)."""
    index = outlook.parse(mail.thread_index)
    return index is not None and index.depth == 0


def _fallback(mails: list[Mail], groups: _Groups, how: dict[str, str], window: timedelta) -> None:
    """A message the headers left alone joins the nearest same-subject thread it fits."""
    by_subject: dict[str, list[Mail]] = defaultdict(list)
    for mail in mails:
        key = subjects.normalize(mail.thread_topic or mail.subject)
        if key:
            by_subject[key].append(mail)
    for mail in sorted(mails, key=order):
        if groups.size[groups.find(mail.key)] > 1 or mail.sent_at is None or _new(mail):
            continue  # the headers placed it, or an earlier lone message joined it already
        key = subjects.normalize(mail.thread_topic or mail.subject)
        best: tuple[timedelta, Mail] | None = None
        for other in by_subject.get(key, []):
            if other.key == mail.key or other.sent_at is None:
                continue
            gap = abs(other.sent_at - mail.sent_at)
            if gap <= window and mail.participants & other.participants \
                    and (best is None or gap < best[0]):
                best = (gap, other)
        if best is not None:
            groups.join(best[1].key, mail.key)
            how[mail.key] = "subject"
            if how[best[1].key] == "alone":
                how[best[1].key] = "subject"
