"""IMAP pull: every folder of one custodian's mailbox, incrementally.

Each folder remembers its UIDVALIDITY and the last UID stored, in the same
transaction as the messages themselves; the next pull asks only for newer UIDs.
A changed UIDVALIDITY means the server renumbered the folder: it is read again
from the start, and messages already stored are recognized by their content.
"""

from __future__ import annotations

import ssl as tls
from collections.abc import Iterator
from dataclasses import dataclass

from imapclient import IMAPClient, SocketTimeout  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ImapFolderState
from ingest.items import SourceItem

FETCH_CHUNK = 50
SECURITY = ("tls", "starttls", "none")  # implicit TLS (993), STARTTLS (143), plain


@dataclass(frozen=True)
class ImapAccount:
    """A mail connection as a worker uses it: the password decrypted, in memory only."""

    host: str
    port: int
    security: str
    username: str
    password: str
    connect_timeout: float
    read_timeout: float

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"ImapAccount({self.username}@{self.host}:{self.port}, {self.security})"


class ImapSource:
    stateful = True  # it remembers its own progress (done); a resumed job skips nothing

    def __init__(self, account: ImapAccount, folders: list[str] | None) -> None:
        self.account, self.folders = account, folders

    @property
    def name(self) -> str:
        return f"imap://{self.account.username}@{self.account.host}:{self.account.port}"

    def total_bytes(self) -> int | None:
        return None

    def _connect(self) -> IMAPClient:
        account = self.account
        context = tls.create_default_context() if account.security != "none" else None
        timeout = SocketTimeout(connect=account.connect_timeout, read=account.read_timeout)
        client = IMAPClient(account.host, port=account.port, ssl=account.security == "tls",
                            ssl_context=context, timeout=timeout)
        if account.security == "starttls":
            client.starttls(context)
        client.login(account.username, account.password)
        return client

    def items(self, session: Session) -> Iterator[SourceItem]:
        rows = session.scalars(select(ImapFolderState).where(ImapFolderState.account == self.name))
        states = {r.folder: (r.uidvalidity, r.last_uid) for r in rows}
        return self._pull(states)

    def _pull(self, states: dict[str, tuple[int, int]]) -> Iterator[SourceItem]:
        client = self._connect()
        try:
            for folder in self._folders(client):
                yield from self._folder(client, folder, states.get(folder))
        finally:
            client.logout()

    def _folders(self, client: IMAPClient) -> list[str]:
        names = [name for flags, _, name in client.list_folders() if b"\\Noselect" not in flags]
        return sorted(n for n in names if self.folders is None or n in self.folders)

    def _folder(self, client: IMAPClient, folder: str, state: tuple[int, int] | None) -> Iterator[SourceItem]:
        selected = client.select_folder(folder, readonly=True)
        validity = int(selected[b"UIDVALIDITY"])
        last = state[1] if state and state[0] == validity else 0
        uids = sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                data = fetched.get(uid, {}).get(b"BODY[]")
                yield SourceItem(
                    f"{folder}/{validity}/{uid}",
                    folder,
                    data or b"",
                    "eml",
                    error=None if data else f"server returned no body for UID {uid}",
                    marker=(folder, validity, uid),
                )

    def done(self, session: Session, item: SourceItem) -> None:
        assert item.marker is not None
        folder, validity, uid = item.marker
        state = session.scalar(
            select(ImapFolderState).where(
                ImapFolderState.account == self.name, ImapFolderState.folder == folder
            )
        )
        if state is None:
            session.add(ImapFolderState(account=self.name, folder=folder, uidvalidity=validity, last_uid=uid))
        elif state.uidvalidity != validity:
            state.uidvalidity, state.last_uid = validity, uid
        else:
            state.last_uid = max(state.last_uid, uid)
        session.flush()
