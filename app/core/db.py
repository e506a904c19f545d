"""Engine and sessions. The request owns the transaction; services only flush."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from app.core.clock import CLOCK, Clock, SystemClock, clock_of
from app.models.base import Timestamped

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "custodia_read_only"
_TRANSACTION = "custodia_transaction"

LastWrite = Callable[[Session, list[Any]], None]  # writes every item queued for it


def transaction_state(session: Session) -> dict[str, Any]:
    """A dict that lives as long as the session's current transaction."""
    state: dict[str, Any] = session.info.setdefault(_TRANSACTION, {})
    return state


def write_last(session: Session, write: LastWrite, item: Any) -> None:
    """Queue `item` for `write`, run as the transaction's last step with every item queued
    for it, holding its locks for the least time.

    In a write transaction it runs just before the commit. In a read (Database.reading)
    it runs when the read ends, in one short write transaction of its own: a route that
    only reads takes no write lock until then. The audit trail appends this way.
    """
    transaction_state(session).setdefault("last_writes", {}).setdefault(write, []).append(item)


def write_soon(session: Session) -> None:
    """Start a read's last writes now, in another thread, while the read goes on.

    A search does this once its audit entry is complete, so the append runs beside the
    catalog reads and snippets; the read waits for it before it ends. Items queued later
    are written at the end as usual. In a write transaction nothing changes.
    """
    state = transaction_state(session)
    start: Callable[[dict[LastWrite, list[Any]]], Future[None]] | None = state.get("start")
    if start is not None and state.get("last_writes"):
        state.setdefault("started", []).append(start(state.pop("last_writes")))


def _write_all(session: Session, writes: dict[LastWrite, list[Any]]) -> None:
    for write, items in writes.items():
        write(session, items)


def _run_last_writes(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's commit: the transaction goes on
    _write_all(session, transaction_state(session).pop("last_writes", {}))


def _forget_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TRANSACTION, None)


def _stamp_created(session: Session, *_: object) -> None:
    """A new row's creation time is its session's clock's now."""
    for row in session.new:
        if isinstance(row, Timestamped) and row.created_at is None:
            row.created_at = clock_of(session).now()


def _refuse_writes(session: Session, *_: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read transaction cannot change rows; use Database.transaction")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    engine = create_engine(parsed, **kwargs)
    _serialize_sqlite_writers(engine)
    return engine


def _serialize_sqlite_writers(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE.

    Taking the write lock when the transaction starts means the audit chain's
    "read the last entry, append the next" can never interleave with another
    writer, and a stale snapshot never fails late with SQLITE_BUSY.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class _Turns:
    """Writers take turns: in the order they came within a process (a ticket lock), then
    across processes by a lock file the kernel hands on at once.

    SQLite's own wait for its write lock is a sleep-and-retry loop, so a thread that
    commits and begins again at once (the in-process ingest worker, batch after batch)
    kept winning, and a search behind it waited seconds; across processes (several API
    processes, a worker) the sleeps grow to 100 ms. A writer waits at most as long as
    SQLite would have, then gives up its place.
    """

    def __init__(self, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000,
                 lock_file: Path | None = None) -> None:
        self.timeout = timeout
        self._changed = threading.Condition()
        self._issued = self._serving = 0
        self._abandoned: set[int] = set()
        self._lock_file = lock_file
        self._lock: int | None = None  # opened at the first turn

    @contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        with self._changed:
            ticket, self._issued = self._issued, self._issued + 1
            if not self._changed.wait_for(lambda: self._serving == ticket, self.timeout):
                self._abandoned.add(ticket)
                raise TimeoutError(f"Another writer held the database for over {self.timeout:.0f} s")
        try:
            self._take_file_lock(deadline)
            try:
                yield
            finally:
                if self._lock is not None:
                    fcntl.flock(self._lock, fcntl.LOCK_UN)
        finally:
            with self._changed:
                self._serving += 1
                while self._serving in self._abandoned:
                    self._abandoned.remove(self._serving)
                    self._serving += 1
                self._changed.notify_all()

    def _take_file_lock(self, deadline: float) -> None:
        if self._lock is None and self._lock_file is not None:
            self._lock = os.open(self._lock_file, os.O_CREAT | os.O_RDWR, 0o600)
        pause = 0.0001
        while self._lock is not None:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("Another process held the database for over "
                                       f"{self.timeout:.0f} s") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)  # at most a millisecond late


class Database:
    """An engine and its session factory, owned by the app or a CLI command."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.engine = make_engine(url)
        self.clock = clock or SystemClock()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False,
                                     info={CLOCK: self.clock})
        self._readers = sessionmaker(expire_on_commit=False, info={CLOCK: self.clock})
        event.listen(self.sessions, "before_flush", _stamp_created)
        event.listen(self.sessions, "before_commit", _run_last_writes)
        event.listen(self._readers, "before_flush", _refuse_writes)
        for factory in (self.sessions, self._readers):
            event.listen(factory, "after_transaction_end", _forget_transaction)
        self._writers = _Turns(lock_file=_writers_file(self.engine)) \
            if self.backend == "sqlite" else None
        self._background: ThreadPoolExecutor | None = None  # for write_soon

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The live server's name and version; raises when it does not answer."""
        query = "SELECT sqlite_version()" if self.backend == "sqlite" else "SHOW server_version"
        with self.engine.connect() as connection:
            version = connection.execute(text(query)).scalar_one()
        return f"{'SQLite' if self.backend == 'sqlite' else 'PostgreSQL'} {version}"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error.

        On SQLite it holds the write lock (BEGIN IMMEDIATE) from its first statement,
        so this process's transactions take turns for it (see _Turns).
        """
        with self._writers.turn() if self._writers else nullcontext(), \
                self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read transaction: one snapshot, no write lock, and no change allowed.

        Readers run side by side (SQLite's WAL, PostgreSQL's READ ONLY transactions).
        What was queued with write_last (a read's audit entry) is written when the read
        ends without an error, in one short write transaction.
        """
        started: list[Future[None]] = []
        try:
            with self.engine.connect() as connection:
                options = {READ_ONLY: True} if self.backend == "sqlite" else {
                    "postgresql_readonly": True}
                with self._readers(bind=connection.execution_options(**options)) as session:
                    state = transaction_state(session)
                    state["start"], state["started"] = self._write_in_background, started
                    yield session
                    last = state.pop("last_writes", {})
        finally:
            for future in started:  # even when the read failed, its early writes end first
                future.exception()
        for future in started:
            future.result()
        if last:
            self._write(last)

    def _write(self, writes: dict[LastWrite, list[Any]]) -> None:
        with self.transaction() as writer:
            _write_all(writer, writes)

    def _write_in_background(self, writes: dict[LastWrite, list[Any]]) -> Future[None]:
        if self._background is None:
            self._background = ThreadPoolExecutor(4, thread_name_prefix="custodia-writes")
        return self._background.submit(self._write, writes)

    def dispose(self) -> None:
        if self._background is not None:
            self._background.shutdown()
        self.engine.dispose()


def _writers_file(engine: Engine) -> Path | None:
    """Beside a SQLite database file: the lock its writers take turns by."""
    database = engine.url.database
    return Path(f"{database}-writers") if database and database != ":memory:" else None


def insert_or_ignore(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows unless their key exists (another worker may have just added one)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.connection().execute(dialect.insert(model).on_conflict_do_nothing(), rows)


CATALOG_LOCK_SPACE = 0x0C05  # the first key of the catalog writers' advisory lock


def take_catalog_turn(session: Session) -> None:
    """Wait until no other transaction writes the catalog's documents, then hold the turn
    until this one ends. Call it first in a transaction that stores or re-threads
    documents (or marks them indexed).

    PostgreSQL only: SQLite's write lock already lets one writer in at a time. With the
    turn, a batch reads the truth (the families its dedup keys name, the threads its mail
    joins) and each content is stored once; and two transactions never take row locks
    in opposite orders, which PostgreSQL would break as a deadlock, failing one.
    Parsing, hashing and extraction run before the write transaction, side by side.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, 0)"),
                        {"space": CATALOG_LOCK_SPACE})
