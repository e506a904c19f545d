"""One in-process ingest worker per data directory, however many API processes serve it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ingest.background import BackgroundWorker
from ingest.runtime import Runtime

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def test_only_one_process_of_a_data_directory_runs_the_worker(runtime: Runtime) -> None:
    runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
    first, second = BackgroundWorker(runtime), BackgroundWorker(runtime)
    assert first.start() is True
    try:
        assert second.start() is False  # flock: another process, or another app, holds it
    finally:
        first.stop()
    third = BackgroundWorker(runtime)
    assert third.start() is True  # the lock went with the first
    third.stop()


def test_serve_runs_several_api_processes(tmp_path: Path, unused_port: int) -> None:
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path / "var")}
    server = subprocess.Popen([CUSTODIA, "serve", "--port", str(unused_port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{unused_port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "custodia serve --workers 2 never answered"
                time.sleep(0.3)
        assert health.status_code == 200
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(children) >= 2  # uvicorn's supervisor and its two API processes
    finally:
        server.terminate()
        server.wait(timeout=30)
