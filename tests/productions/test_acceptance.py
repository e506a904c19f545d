"""The issue's acceptance test: mail carrying SSNs, cards, a date of birth, a password and
medical words, ingested the normal way, every suggestion accepted, built, verified and
finalized; then an independent tool (pdftotext) and a plain scan of every other file find
none of the redacted strings; the load files parse back; Bates numbers continue from one
production to the next; a rebuilt package is identical byte for byte."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from typer.testing import CliRunner

from app.cli import cli
from app.core.db import Database
from app.core.settings import Settings
from app.models import Document, DocumentKind
from app.productions import loadfiles
from tests.ingest.conftest import RunIngest, run_ingest, runtime  # noqa: F401 - fixtures
from tests.productions.conftest import Headers, Json, produce, series
from tests.productions.inputs import mailbox, text_pdf
from tests.review.factories import make_request

EXPECTED = {"ssn", "card", "dob", "credential", "medical"}


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def words(value: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", value.lower()).split())


def leaks(text: str, quotes: list[str]) -> list[str]:
    """The quotes found in `text`, digits normalized (a number in any punctuation)."""
    flat, numbers = words(text), digits(text)
    found = []
    for quote in quotes:
        if len(digits(quote)) >= 6:
            if digits(quote) in numbers:
                found.append(quote)
        elif words(quote) and re.search(rf"\b{re.escape(words(quote))}\b", flat):
            found.append(quote)
    return found


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def scan(name: str, data: bytes, quotes: list[str]) -> list[str]:
    """Every leak in one file of the package: PDFs through pdftotext, zips (a DOCX) member by
    member, anything else as text."""
    if data.startswith(b"%PDF"):
        return [f"{name}: {q}" for q in leaks(pdftotext(data), quotes)] + \
            [f"{name} (bytes): {q}" for q in leaks(data.decode("latin-1"), quotes)]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            return [hit for member in inner.namelist()
                    for hit in scan(f"{name}!{member}", inner.read(member), quotes)]
    return [f"{name}: {q}" for q in leaks(data.decode("utf-8", "replace"), quotes)]


def suggest_and_accept(api: TestClient, clerk: Headers, request_id: uuid.UUID) -> list[str]:
    """Suggest over the review set (app.redaction) and accept every suggestion as it reads;
    the quotes accepted."""
    suggested = api.post(f"/api/v1/requests/{request_id}/redactions/suggest", headers=clerk)
    assert suggested.status_code == 200, suggested.text
    found = api.get(f"/api/v1/requests/{request_id}/redactions", headers=clerk,
                    params={"status": "suggested", "limit": 500}).json()["items"]
    for redaction in found:
        accepted = api.patch(f"/api/v1/redactions/{redaction['id']}", headers=clerk, json={
            "status": "accepted", "version": redaction["version"],
            "reason": f"{redaction['detector']} found by the detector"})
        assert accepted.status_code == 200, accepted.text
    assert {r["detector"] for r in found} >= EXPECTED, found
    return sorted({r["quote"] for r in found})


def test_acceptance(api: TestClient, clerk: Headers, database: Database, settings: Settings,
                    run_ingest: RunIngest, tmp_path: Path,  # noqa: F811
                    monkeypatch: pytest.MonkeyPatch) -> None:
    run_ingest("parks", mailbox(tmp_path / "mail"))
    with database.reading() as session:
        scanned = session.scalars(select(Document).where(Document.filename == "scan.pdf")).one()
        assert scanned.text is not None and "234-56-7890" in scanned.text.text  # OCR
        ids = [str(d) for d in session.scalars(select(Document.id))]
        voicemails = session.scalars(select(Document).where(
            Document.kind == DocumentKind.voicemail)).all()
    assert len(voicemails) == 2
    request_id = make_request(database)
    added = api.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
                     json={"document_ids": ids})
    assert added.status_code == 200, added.text
    quotes = suggest_and_accept(api, clerk, request_id)
    assert {"123-45-6789", "4111 1111 1111 1111", "04/12/1980", "Tr0ub4dor&3", "234-56-7890",
            "5500 0000 0000 0004", "345-67-8901", "diabetes",
            "four five six, seven eight, nine oh one two"} <= set(quotes)  # spoken digits too
    city = series(api, clerk, "CITY", endorsement="Produced under CORA")
    first = produce(api, clerk, {"request_id": str(request_id)}, city["id"])
    assert first["status"] == "verified", first["verification"]
    assert first["verification"]["ok"] and first["verification"]["checked"]
    url = f"/api/v1/productions/{first['id']}"
    assert api.post(f"{url}/finalize", headers=clerk).status_code == 200

    package = zipfile.ZipFile(io.BytesIO(api.get(f"{url}/package.zip", headers=clerk).content))
    names = package.namelist()
    assert names[-1] == "manifest.json"
    hits = [hit for name in names for hit in scan(name, package.read(name), quotes)]
    assert hits == []
    control = scan("control.pdf", text_pdf(["SSN 123-45 6789, diabetes"]), quotes)
    assert control == ["control.pdf: 123-45-6789", "control.pdf: diabetes"]  # the scan can see
    documents: list[Json] = api.get(f"{url}/documents", headers=clerk).json()["items"]
    _load_files_parse_back(package, documents, first)
    _natives_only_unredacted(package, documents, database)

    # the next production continues the series without gap or overlap
    second = produce(api, clerk, {"request_id": str(request_id)}, city["id"])
    assert second["first_number"] == first["last_number"] + 1
    assert api.post(f"/api/v1/productions/{second['id']}/finalize",
                    headers=clerk).status_code == 200
    shown = api.get("/api/v1/bates-series", headers=clerk).json()[0]
    assert shown["next_number"] == second["last_number"] + 1

    # rebuilt from its snapshot, the first package is the same bytes
    for name, value in (("DATA_DIR", str(settings.data_dir)), ("DATABASE_URL", settings.database_url),
                        ("SECRET_KEY", "test-secret-" + "x" * 40), ("ENV", "test")):
        monkeypatch.setenv(f"CUSTODIA_{name}", value)
    result = CliRunner().invoke(cli, ["production", "rebuild", first["id"]])
    assert result.exit_code == 0, result.output
    assert result.output.count(first["package_sha256"]) == 2 and "identical" in result.output
    # a finalized production is not verified again: its package is what was released
    result = CliRunner().invoke(cli, ["production", "verify", second["id"]])
    assert result.exit_code == 2 and "Only a built production can be verified" in result.output


def _load_files_parse_back(package: zipfile.ZipFile, documents: list[Json], production: Json) -> None:
    dat = loadfiles.read_dat(package.read("VOL001/DATA/VOL001.dat"))
    assert [(r["BEGBATES"], r["ENDBATES"]) for r in dat] == \
        [(d["begin_bates"], d["end_bates"]) for d in documents]
    assert dat[0]["BEGBATES"] == production["first_bates"]
    assert dat[-1]["ENDBATES"] == production["last_bates"]
    for row in dat:
        assert row["TEXTLINK"] and f"VOL001/{row['TEXTLINK'].replace(chr(92), '/')}" in \
            package.namelist()
        if row["NATIVELINK"]:
            assert f"VOL001/{row['NATIVELINK'].replace(chr(92), '/')}" in package.namelist()
    pages = loadfiles.read_opt(package.read("VOL001/DATA/VOL001.opt"))
    numbers = [int(p.image_key[4:]) for p in pages]
    assert numbers == list(range(production["first_number"], production["last_number"] + 1))
    breaks = [p.image_key for p in pages if p.document_break]
    assert breaks == [d["begin_bates"] for d in documents]
    assert [p.page_count for p in pages if p.document_break] == [d["pages"] for d in documents]
    # a family's attachments carry its range
    families: dict[str, tuple[str, str]] = {}
    for row in dat:
        families.setdefault(row["BEGATTACH"], (row["BEGATTACH"], row["ENDATTACH"]))
        assert row["BEGATTACH"] <= row["BEGBATES"] <= row["ENDBATES"] <= row["ENDATTACH"]
    assert len(families) == 4


def _natives_only_unredacted(package: zipfile.ZipFile, documents: list[Json],
                             database: Database) -> None:
    natives = {n.split("/")[-1] for n in package.namelist() if "/NATIVES/" in n}
    with database.reading() as session:
        kinds = {str(d.id): d for d in session.scalars(
            select(Document).options(selectinload(Document.text)))}
    for entry in documents:
        document = kinds[entry["document_id"]]
        has_native = any(n.startswith(entry["begin_bates"] + ".") for n in natives)
        if document.filename == "routes.docx":
            assert has_native and entry["disposition"] == "produced"
        if entry["disposition"] == "redacted":
            assert not has_native, document.filename
        if document.filename == "message.wav":
            parent = kinds[str(document.parent_id)]
            redacted = "345-67-8901" in (parent.text.text if parent.text else "")
            assert has_native is not redacted
            slip = pdftotext(package.read(f"VOL001/IMAGES/{entry['begin_bates']}.pdf"))
            assert ("Audio withheld" in slip) is redacted
