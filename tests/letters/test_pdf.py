"""A letter's PDF loads the letter folder's files and nothing else: no network, no outside file."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.letters.pdf import LETTER_DIR, LetterFiles, html_to_pdf


class Listener:
    """A loopback TCP listener that counts the connections made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def embedded_files(pdf: bytes) -> list[bytes]:
    """The bytes of every file the PDF carries, as a document attachment or on a page."""
    reader = PdfReader(io.BytesIO(pdf))
    found = [data for files in reader.attachments.values() for data in files]
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            spec = annotation.get_object().get("/FS")
            if spec is not None:
                found.append(spec.get_object()["/EF"]["/F"].get_object().get_data())
    return found


def hostile(port: int, secret: Path) -> str:
    base = f"127.0.0.1:{port}"
    return f"""<html><head>
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="http://{base}/style.css">
<style>@import url("https://{base}/more.css");
@font-face {{ font-family: x; src: url("ftp://{base}/font.ttf"); }}
body {{ background: url("http://{base}/background.png"); }}</style>
</head><body>
<img src="http://{base}/x">
<img src="../../../../{secret}">
<a rel="attachment" href="file://{secret}">attached</a>
<p>Request 2026-0042</p></body></html>"""


def test_hostile_html_makes_no_request_and_reads_no_outside_file(listener: Listener, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-1234")
    fetcher = LetterFiles()
    pdf = html_to_pdf(hostile(listener.port, secret), fetcher)
    reader = PdfReader(io.BytesIO(pdf))
    assert "2026-0042" in reader.pages[0].extract_text()
    assert listener.connections == 0
    assert embedded_files(pdf) == []
    assert b"SECRET-MARKER" not in pdf
    refused = "\n".join(fetcher.refused)
    assert "file:///etc/passwd" in refused
    assert f"http://127.0.0.1:{listener.port}/x" in refused
    assert f"file://{secret}" in refused


def test_the_same_html_unlocked_would_have_reached_both(listener: Listener, tmp_path: Path) -> None:
    """The control: WeasyPrint's own fetcher connects and embeds the file, so the test above
    would see it if the lock failed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-1234")
    pdf = HTML(string=hostile(listener.port, secret), url_fetcher=URLFetcher(timeout=2)).write_pdf()
    assert listener.connections > 0
    assert embedded_files(pdf) == [b"SECRET-MARKER-1234"]


def test_files_in_the_letter_folder_and_data_uris_are_used() -> None:
    fetcher = LetterFiles()
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4"
             "DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
    html_to_pdf(f'<link rel="stylesheet" href="letter.css"><img src="{pixel}"><p>x</p>', fetcher)
    assert fetcher.refused == []
    assert (LETTER_DIR / "letter.css").is_file()
    assert fetcher.fetch((LETTER_DIR / "letter.css").as_uri()).read().startswith(b"/*")
    with pytest.raises(ValueError, match="own folder"):
        fetcher.fetch((LETTER_DIR / ".." / "letter" / ".." / ".." / "main.py").as_uri())
