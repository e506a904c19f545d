"""Waiting for a `custodia serve` the test started as a process of its own."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_live(process: subprocess.Popen[bytes], url: str, seconds: float = 60) -> None:
    """Return once `url` answers /api/v1/live; AssertionError if the process exits first or
    never answers in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"custodia serve exited with status {process.returncode}"
        try:
            if httpx.get(f"{url}/api/v1/live", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"custodia serve did not answer at {url} within {seconds} s")
