"""The database's unit of work: SQLite writers of one process take turns in arrival order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.db import Database, _Turns


def test_turns_are_served_in_the_order_asked() -> None:
    turns = _Turns()
    served: list[int] = []
    holding = threading.Event()

    def first() -> None:
        with turns.turn():
            holding.set()
            time.sleep(0.2)  # the others queue up meanwhile, in order
            served.append(0)

    def later(n: int) -> None:
        with turns.turn():
            served.append(n)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holding.wait()
    for n in range(1, 6):
        threads.append(threading.Thread(target=later, args=(n,)))
        threads[-1].start()
        time.sleep(0.02)  # each asks after the one before
    for thread in threads:
        thread.join()
    assert served == [0, 1, 2, 3, 4, 5]


def test_a_writer_that_begins_again_at_once_does_not_starve_the_others() -> None:
    """The in-process ingest worker commits and begins again batch after batch."""
    turns = _Turns()
    asked = threading.Event()
    rounds: list[int] = []
    served_at: list[int] = []

    def greedy() -> None:
        for n in range(20_000):
            with turns.turn():
                rounds.append(n)
                if n == 5:
                    asked.wait()

    def once() -> None:
        with turns.turn():
            served_at.append(len(rounds))

    worker = threading.Thread(target=greedy)
    worker.start()
    while len(rounds) < 6:
        time.sleep(0.001)
    other = threading.Thread(target=once)
    other.start()
    time.sleep(0.05)  # it has asked while round 5 holds the turn
    asked.set()
    other.join()
    worker.join()
    assert served_at[0] <= 7  # right after the round that held the turn when it asked


def test_a_failed_transaction_gives_up_its_turn(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
        try:
            with database.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        done = threading.Event()

        def write() -> None:
            with database.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (2)"))
            done.set()
        threading.Thread(target=write).start()
        assert done.wait(5), "the next writer never got its turn"
        with database.transaction() as session:
            assert session.execute(text("SELECT n FROM t")).scalars().all() == [2]
    finally:
        database.dispose()


def test_a_writer_gives_up_after_the_busy_timeout_and_the_queue_moves_on() -> None:
    turns = _Turns(timeout=0.1)
    release = threading.Event()
    served: list[str] = []

    def holder() -> None:
        with turns.turn():
            release.wait()
            served.append("holder")

    def patient() -> None:
        with turns.turn():
            served.append("patient")

    first = threading.Thread(target=holder)
    first.start()
    time.sleep(0.02)
    with pytest.raises(TimeoutError), turns.turn():  # asks second, waits 0.1 s, gives up
        pass
    turns.timeout = 5
    third = threading.Thread(target=patient)  # asks after the one that gave up
    third.start()
    time.sleep(0.02)
    release.set()
    first.join()
    third.join(5)
    assert served == ["holder", "patient"]


def test_writers_of_other_processes_take_turns_by_a_lock_file(tmp_path: Path) -> None:
    """Another process (here: another open of the lock file) cannot write meanwhile, and
    gets its turn as soon as the transaction ends, not after SQLite's busy sleeps."""
    import fcntl
    import os

    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    other = os.open(tmp_path / "x.db-writers", os.O_RDWR | os.O_CREAT)
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free the moment it committed
        done = threading.Event()

        def write() -> None:
            with database.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
            done.set()
        threading.Thread(target=write).start()
        assert not done.wait(0.3)  # waits while the other process holds the lock
        fcntl.flock(other, fcntl.LOCK_UN)
        assert done.wait(1)
    finally:
        os.close(other)
        database.dispose()
