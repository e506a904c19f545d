"""The Tika extractor against the real server, side by side with the built-in one.

Tests marked `tika` need `scripts/services.sh up tika` and CUSTODIA_TEST_TIKA_URL; the
rest (error mapping, tree building, a dead port) run without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.demo import documents as demo
from ingest.extract import builtin
from ingest.extract.base import Extracted, ExtractionError
from ingest.extract.tika import TikaClient
from tests.ingest.test_builtin_extract import (
    DOCX,
    SHARED_CASES,
    assert_phrases,
    corpus_file,
    encrypted_pdf,
    make_zip,
    squash,
)

tika = pytest.mark.tika


@pytest.fixture(scope="module")
def client(tika_url: str) -> Iterator[TikaClient]:
    with TikaClient(tika_url) as tika_client:
        yield tika_client


# -- the same files, both extractors ------------------------------------------------------


@tika
@pytest.mark.parametrize(("relative", "content_type", "phrases"), SHARED_CASES,
                         ids=[case[0] for case in SHARED_CASES])
def test_both_extractors_find_the_same_phrases(client: TikaClient, corpus_dir: Path, relative: str,
                                               content_type: str, phrases: list[str]) -> None:
    data, name = corpus_file(corpus_dir, relative)
    ours, theirs = builtin.extract(data, name), client.extract(data, name)
    assert_phrases(ours, phrases)
    assert_phrases(theirs, phrases)
    assert ours.content_type == theirs.content_type == content_type
    if "title" in theirs.metadata:  # both lead with the title line
        assert squash(theirs.metadata["title"]) in squash(ours.text)


@tika
def test_version_and_extractor_name(client: TikaClient, corpus_dir: Path) -> None:
    version = client.version()
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", version), version
    extracted = client.extract(*corpus_file(corpus_dir, "txt/testTXT.txt"))
    assert extracted.extractor == f"tika {version}"


@tika
def test_metadata_uses_the_same_keys_as_builtin(client: TikaClient, corpus_dir: Path) -> None:
    data, name = corpus_file(corpus_dir, "docx/testWORD_embedded_pdf.docx")
    ours, theirs = builtin.extract(data, name), client.extract(data, name)
    for key in ("title", "author", "created", "modified", "page_count"):
        assert ours.metadata[key] == theirs.metadata[key], key


@tika
@pytest.mark.parametrize(("relative", "phrase"), [
    ("doc/testWORD.doc", "This is a sample Microsoft Word Document."),
    ("xls/testEXCEL.xls", "Sample Excel Worksheet - Numbers and their Squares"),
    ("ppt/testPPT.ppt", "Sample Powerpoint Slide"),
    ("msg/quick.msg", "Test the content transformer"),
])
def test_tika_reads_what_builtin_leaves_to_it(client: TikaClient, corpus_dir: Path, relative: str,
                                              phrase: str) -> None:
    data, name = corpus_file(corpus_dir, relative)
    with pytest.raises(ExtractionError):
        builtin.extract(data, name)
    assert phrase in squash(client.extract(data, name).text)


# -- trees --------------------------------------------------------------------------------


@tika
def test_zip_gives_the_same_children_to_both(client: TikaClient, corpus_dir: Path) -> None:
    docx, _ = corpus_file(corpus_dir, "docx/testWORD_embedded_pdf.docx")
    text, _ = corpus_file(corpus_dir, "txt/testTXT.txt")
    archive = make_zip({"reports/plan.docx": docx, "notes.txt": text})
    ours, theirs = builtin.extract(archive, "bundle.zip"), client.extract(archive, "bundle.zip")

    expected = [("reports/plan.docx", DOCX), ("notes.txt", "text/plain")]
    assert [(c.name, c.content_type) for c in ours.children] == expected
    assert [(c.name, c.content_type) for c in theirs.children] == expected
    # Built-in hands back bytes for the pipeline; Tika hands back its own extraction.
    assert [c.data for c in ours.children] == [docx, text]
    assert all(c.data is None and c.extracted is not None for c in theirs.children)

    tika_docx = theirs.children[0].extracted
    assert tika_docx is not None and "Bye for real." in tika_docx.text
    # The docx's embedded PDFs nest under the docx, not under the zip.
    tika_pdfs = [c.extracted for c in tika_docx.children if c.content_type == "application/pdf"]
    assert len(tika_pdfs) == 2 and all(p is not None and "Wer wjelrwoierj" in p.text for p in tika_pdfs)
    builtin_docx = builtin.extract(docx, "plan.docx")
    assert "Bye for real." in builtin_docx.text
    assert [c.content_type for c in builtin_docx.children] == ["application/pdf"] * 2


@tika
def test_embedded_parse_error_stays_in_the_child(client: TikaClient) -> None:
    locked = encrypted_pdf(demo.pdf(["sealed"]), user_password="s3cret")
    archive = make_zip({"locked.pdf": locked, "open.txt": b"open record"})
    extracted = client.extract(archive, "mixed.zip")
    by_name = {c.name: c.extracted for c in extracted.children}
    assert by_name["open.txt"] is not None and by_name["open.txt"].text == "open record"
    locked_child = by_name["locked.pdf"]
    assert locked_child is not None
    assert "EncryptedDocumentException" in locked_child.metadata["X-TIKA:EXCEPTION:embedded_exception"]
    with pytest.raises(ExtractionError, match="encrypted"):
        builtin.extract(locked, "locked.pdf")


# -- errors -------------------------------------------------------------------------------


@tika
def test_encrypted_pdf_is_an_error_for_both(client: TikaClient) -> None:
    locked = encrypted_pdf(demo.pdf(["Budget memo"]), user_password="s3cret")
    for extract in (builtin.extract, client.extract):
        with pytest.raises(ExtractionError) as caught:
            extract(locked, "locked.pdf")
        assert "encrypted" in caught.value.reason.lower()
        assert not caught.value.retryable


@tika
def test_truncated_pdf_is_an_error_for_both(client: TikaClient, corpus_dir: Path) -> None:
    data, _ = corpus_file(corpus_dir, "pdf/testPDF.pdf")
    for extract in (builtin.extract, client.extract):
        with pytest.raises(ExtractionError) as caught:
            extract(data[:1200], "cut.pdf")
        assert not caught.value.retryable


@tika
def test_wrong_declared_type_does_not_override_the_bytes(client: TikaClient, corpus_dir: Path) -> None:
    # Tika treats a request Content-Type as an override; a mislabeled attachment must still parse.
    data, _ = corpus_file(corpus_dir, "docx/testWORD.docx")
    extracted = client.extract(data, "scan.pdf", "application/pdf")
    assert extracted.content_type == DOCX
    assert "This is a sample Microsoft Word Document." in squash(extracted.text)


@tika
def test_awkward_file_names_and_empty_files(client: TikaClient) -> None:
    assert client.extract(b"plain words", 'Résumé "final"; v2\r\n.txt').text == "plain words"
    empty = client.extract(b"", "nothing.txt")
    assert empty.text == "" and empty.metadata["warning"] == "empty file"


def test_dead_port_is_a_retryable_error(unused_port: int) -> None:
    with TikaClient(f"http://127.0.0.1:{unused_port}", timeout=5) as dead, \
            pytest.raises(ExtractionError) as caught:
        dead.extract(b"hello", "a.txt")
    assert caught.value.retryable
    assert "unreachable" in caught.value.reason


Handler = Callable[[httpx.Request], httpx.Response]


def _fake(handler: Handler) -> TikaClient:
    """A client whose server answers /version normally and /rmeta with `handler`."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/version":
            return httpx.Response(200, text="Apache Tika 9.8.7")
        return handler(request)

    return TikaClient("http://tika.test", transport=httpx.MockTransport(route))


@pytest.mark.parametrize(("status", "retryable", "words"), [
    (500, True, "server error 500"),
    (503, True, "server error 503"),
    (422, False, "unparseable"),
    (415, False, "unsupported"),
])
def test_http_errors_are_mapped(status: int, retryable: bool, words: str) -> None:
    client = _fake(lambda _: httpx.Response(status, text="boom"))
    with pytest.raises(ExtractionError) as caught:
        client.extract(b"x", "x.bin")
    assert caught.value.retryable is retryable
    assert words in caught.value.reason


def test_time_out_and_nonsense_are_retryable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    for handler in (slow, lambda _: httpx.Response(200, text="<html>proxy error</html>")):
        with pytest.raises(ExtractionError) as caught:
            _fake(handler).extract(b"x", "x.bin")
        assert caught.value.retryable


def _rmeta(items: list[dict[str, Any]]) -> TikaClient:
    return _fake(lambda _: httpx.Response(200, content=json.dumps(items).encode()))


def test_flat_post_order_list_becomes_a_tree_by_id_path() -> None:
    # The shape Tika 3 gives for outer.zip{inner.zip{b.docx{image1.emf}}, t.txt, dup/t.txt}:
    # children before parents, and resource paths that collide ("/t.txt" twice).
    items: list[dict[str, Any]] = [
        {"Content-Type": "application/zip", "X-TIKA:content": "inner.zip\nt.txt\ndup/t.txt"},
        {"X-TIKA:embedded_id_path": "/1/2/3",
         "X-TIKA:embedded_resource_path": "/inner.zip/b.docx/image1.emf",
         "resourceName": "image1.emf", "Content-Type": "image/emf"},
        {"X-TIKA:embedded_id_path": "/1/2", "X-TIKA:embedded_resource_path": "/inner.zip/b.docx",
         "resourceName": "sub/b.docx", "Content-Type": DOCX, "X-TIKA:content": "\n\nbody\n\n",
         "dc:creator": ["Ann", "Bob"]},
        {"X-TIKA:embedded_id_path": "/1", "X-TIKA:embedded_resource_path": "/inner.zip",
         "resourceName": "inner.zip", "Content-Type": "application/zip"},
        {"X-TIKA:embedded_id_path": "/4", "X-TIKA:embedded_resource_path": "/t.txt",
         "resourceName": "t.txt", "Content-Type": "text/plain; charset=ISO-8859-1", "X-TIKA:content": "one"},
        {"X-TIKA:embedded_id_path": "/5", "X-TIKA:embedded_resource_path": "/t.txt",
         "resourceName": "dup/t.txt", "Content-Type": "text/plain; charset=UTF-8", "X-TIKA:content": "two"},
    ]
    tree = _rmeta(items).extract(b"zip bytes", "outer.zip")

    def shape(node: Extracted) -> list[Any]:
        return [(c.name, c.content_type, shape(c.extracted) if c.extracted else None) for c in node.children]

    assert shape(tree) == [
        ("inner.zip", "application/zip", [("sub/b.docx", DOCX, [("image1.emf", "image/emf", [])])]),
        ("t.txt", "text/plain", []),
        ("dup/t.txt", "text/plain", []),
    ]
    docx = tree.children[0].extracted.children[0].extracted  # type: ignore[union-attr]
    assert docx is not None and docx.text == "body" and docx.metadata["author"] == "Ann; Bob"
    assert tree.extractor == docx.extractor == "tika 9.8.7"


def test_container_exception_fails_only_without_text() -> None:
    trace = "org.apache.commons.io.TaggedIOException: Truncated ZIP file\n\tat org.apache..."
    broken = {"Content-Type": "application/zip", "X-TIKA:EXCEPTION:container_exception": trace}
    with pytest.raises(ExtractionError, match="^Tika: org.apache.commons.io.TaggedIOException: Trunc"):
        _rmeta([broken]).extract(b"x", "cut.zip")
    partial = _rmeta([broken | {"X-TIKA:content": "inner.zip"}]).extract(b"x", "cut.zip")
    assert partial.text == "inner.zip"
    assert partial.metadata["X-TIKA:EXCEPTION:container_exception"].endswith("Truncated ZIP file")
