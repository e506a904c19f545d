"""The embedded deployment's one in-process worker, run beside the API."""

from __future__ import annotations

import logging
import threading

from ingest import jobs
from ingest.runtime import Runtime
from search.documents import IndexUnavailable

log = logging.getLogger("custodia.worker")


class BackgroundWorker:
    def __init__(self, runtime: Runtime, poll_seconds: float = 2.0) -> None:
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="custodia-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _loop(self) -> None:
        runner = self.runtime.runner(worker="in-process")
        while not self.stopping.is_set():
            try:
                job_id = jobs.claim(runner)
                if job_id is not None:
                    jobs.run(runner, job_id)
                    continue
                self.runtime.catch_up()
            except IndexUnavailable as exc:
                log.warning("search index unreachable, will retry: %s", exc)
            except Exception:  # a worker logs and goes on; it never takes the API down
                log.exception("in-process worker pass failed")
            self.stopping.wait(self.poll_seconds)
