"""The embedded deployment's one in-process worker, run beside the API: the job queue
and its periodic tasks (app.core.worker), ingest jobs among them.

`custodia serve` may run several API processes; only the one that holds the data
directory's worker lock runs the worker, so there is one per data directory (SQLite
has one writer, and ingest batches need not contend across processes).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading

from ingest.runtime import Runtime

log = logging.getLogger("custodia.worker")


class BackgroundWorker:
    def __init__(self, runtime: Runtime, poll_seconds: float = 2.0) -> None:
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="custodia-worker", daemon=True)

    def start(self) -> bool:
        """Run the worker unless another process of this data directory runs it."""
        self.lock = os.open(self.runtime.settings.data_dir / "in-process-worker.lock",
                            os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.lock)
            log.info("another API process runs this data directory's worker")
            return False
        self.thread.start()
        return True

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)
            os.close(self.lock)  # the lock goes with it

    def _loop(self) -> None:
        # A lease names its worker uniquely across hosts sharing a database.
        worker = f"{socket.gethostname()}:{os.getpid()}:in-process"
        while not self.stopping.is_set():
            try:
                if self.runtime.work(worker):
                    continue
            except Exception:  # a worker logs and goes on; it never takes the API down
                log.exception("in-process worker pass failed")
            self.stopping.wait(self.poll_seconds)
