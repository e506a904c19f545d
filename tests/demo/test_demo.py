"""`custodia demo`: a realistic synthetic data set, logins, and a running service."""

from __future__ import annotations

import email
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from app.demo.generator import generate

SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
CUSTODIA = str(Path(sys.executable).parent / "custodia")


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root)
    return root


def messages(root: Path) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted((root / "mail").rglob("*.eml"))]


def test_the_demo_is_the_same_on_every_run(demo_root: Path, tmp_path: Path) -> None:
    generate(tmp_path)
    assert digest(tmp_path) == digest(demo_root)


def test_a_few_hundred_city_emails_between_departments(demo_root: Path) -> None:
    parsed = messages(demo_root)
    distinct = {m["Message-ID"] for m in parsed}
    assert len(distinct) >= 300
    senders = {m["From"].addresses[0].domain for m in parsed}
    assert senders == {"springvale-co.example"}
    assert len({m["From"].addresses[0].username for m in parsed}) >= 12
    for message in parsed:
        sent = message["Date"].datetime
        assert sent.utcoffset() is not None
        assert message["Date"].datetime.year in (2025, 2026)
    replies = [m for m in parsed if m["In-Reply-To"]]
    assert replies and all(m["In-Reply-To"] in distinct for m in replies)


def test_the_demo_carries_sensitive_content_to_find(demo_root: Path) -> None:
    bodies = [m.get_body(("plain",)).get_content() for m in messages(demo_root)]
    assert sum(bool(SSN.search(b)) for b in bodies) >= 10
    assert sum("(303) 555-01" in b for b in bodies) >= 10
    assert sum(w in b for b in bodies for w in ("diagnosis", "physical therapy")) >= 5


def test_attachments_of_several_formats(demo_root: Path) -> None:
    kinds = {}
    for message in messages(demo_root):
        for part in message.iter_attachments():
            kinds.setdefault(part.get_content_type(), part.get_content())
    assert {"application/pdf", "text/csv", "audio/wav"} <= set(kinds)
    assert any("wordprocessingml" in kind for kind in kinds)
    assert kinds["application/pdf"].startswith(b"%PDF-1.4")


def test_voicemail_exports_have_audio_and_transcripts(demo_root: Path) -> None:
    sidecars = sorted((demo_root / "voicemail").rglob("*.json"))
    assert len(sidecars) == 5
    for sidecar in sidecars:
        meta = json.loads(sidecar.read_text())
        assert meta["transcript"] and meta["caller_number"].startswith("(")
        audio = (sidecar.parent / meta["audio"]).read_bytes()
        assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"


def test_tika_reads_the_generated_pdf_and_docx(demo_root: Path, tika_url: str) -> None:
    wanted = {"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    checked = set()
    for message in messages(demo_root):
        for part in message.iter_attachments():
            kind = part.get_content_type()
            if kind in wanted - checked:
                text = httpx.put(f"{tika_url}/tika", content=part.get_content(),
                                 headers={"Accept": "text/plain"}, timeout=60).text
                first_line = message["Subject"].removeprefix("RE: ")
                assert first_line.split()[0] in text, (kind, text[:200])
                checked.add(kind)
    assert checked == wanted


def test_custodia_demo_serves_health_and_docs(tmp_path: Path, unused_port: int) -> None:
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path / "var")}
    server = subprocess.Popen([CUSTODIA, "demo", "--port", str(unused_port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{unused_port}"
    try:
        output = ""
        assert server.stdout is not None
        while "Custodia on" not in output:
            line = server.stdout.readline()
            assert line, f"demo exited early:\n{output}"
            output += line
        health = wait_for(f"{base}/api/v1/health")
        assert health.json()["status"] == "ok"
        assert "Swagger UI" in httpx.get(f"{base}/docs").text
        password = re.search(r"demo-clerk\s+(\S+)", output).group(1)  # type: ignore[union-attr]
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "demo-clerk", "password": password})
        assert token.status_code == 200
        clerk = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for query in readme_examples():  # the README's search examples find demo records
            found = httpx.post(f"{base}/api/v1/search", json={"query": query}, headers=clerk,
                               timeout=30)
            assert found.status_code == 200 and found.json()["total"] > 0, query
        assert "demo-attorney" in output
        kept = tmp_path / "var" / "secret_key"  # the demo's own random key, never shown
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert kept.read_text().strip() not in output
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for(url: str, seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def readme_examples() -> list[str]:
    """The queries in the first column of the README's search table."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| Write | Finds |", 1)[1].split("\n\n", 1)[0]
    cells = [line.split(" | ", 1)[0] for line in table.splitlines() if line.startswith("| `")]
    queries = [q for cell in cells for q in re.findall(r"`([^`]+)`", cell)]
    examples = [q for q in queries if not q.endswith(":") and "\\|" not in q]
    assert len(examples) >= 15
    return examples
