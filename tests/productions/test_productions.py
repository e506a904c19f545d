"""Productions through the API: series, drafts, withheld documents, finalizing, releasing,
and the refusals that change nothing."""

from __future__ import annotations

import io
import subprocess
import uuid
import zipfile
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.blobs import BlobStore
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.models import (
    BatesSeries,
    HeldDocument,
    Hold,
    HoldStatus,
    Letter,
    LetterKind,
    Production,
    RecordsRequest,
    ReleaseDownload,
    RequestStatus,
)
from app.productions import build, loadfiles
from tests.productions.conftest import Headers, Json, accept, produce, run_builds, series
from tests.review.factories import (
    RECEIVED,
    audit_actions,
    audit_count,
    make_family,
    make_request,
)

SSN = "123-45-6789"


def review_set(api: TestClient, clerk: Headers, database: Database,
               attorney: Headers) -> tuple[uuid.UUID, Json]:
    """A request with three families in its review set: one plain, one with an SSN accepted
    for redaction, one privileged with its attachment."""
    request_id = make_request(database)
    with database.transaction() as session:  # the requester can be written to
        session.get_one(RecordsRequest, request_id).requester_email = "pat@example.org"
    plain = make_family(database, "Water budget", "The budget is attached.",
                        (("budget.txt", "Line items for the water budget."),))
    ssn = make_family(database, "Payroll question", f"My SSN is {SSN}, please fix it.")
    secret = make_family(database, "Advice on the lawsuit", "Counsel's advice follows.",
                         (("memo.txt", "Privileged memo."),))
    unwanted = make_family(database, "Lunch", "Pizza on Friday?")
    accept(database, ssn.email, f"My SSN is {SSN}, please fix it.", SSN)
    ids = [str(d) for f in (plain, ssn, secret, unwanted) for d in f.ids]
    added = api.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
                     json={"document_ids": ids})
    assert added.status_code == 200, added.text
    url = f"/api/v1/requests/{request_id}/review-set/tags"
    for tag, family, citation, who in (("privileged", secret, "24-72-204(3)(a)(IV)", attorney),
                                       ("not_responsive", unwanted, None, clerk)):
        body: Json = {"tag": tag, "document_ids": [str(d) for d in family.ids]}
        if citation:
            body["citation"] = citation
        tagged = api.post(url, headers=who, json=body)
        assert tagged.status_code == 200, tagged.text
    return request_id, {"plain": plain, "ssn": ssn, "secret": secret, "unwanted": unwanted}


def test_a_bad_series_is_refused_and_nothing_is_stored(
        api: TestClient, clerk: Headers, auditor: Headers, database: Database) -> None:
    before = audit_count(database)
    for body, status in (({"prefix": "city"}, 422), ({"prefix": "CITY 1"}, 422),
                         ({"prefix": "A" * 21}, 422), ({"prefix": ""}, 422),
                         ({"prefix": "OK", "digits": 2}, 422),
                         ({"prefix": "OK", "digits": 3, "next_number": 5000}, 400)):
        answer = api.post("/api/v1/bates-series", headers=clerk, json=body)
        assert answer.status_code == status, (body, answer.text)
    assert api.post("/api/v1/bates-series", headers=auditor,
                    json={"prefix": "AUD"}).status_code == 403
    assert audit_count(database) == before
    series(api, clerk, "CITY")
    again = api.post("/api/v1/bates-series", headers=clerk, json={"prefix": "CITY"})
    assert again.status_code == 409 and "continue across productions" in again.json()["detail"]
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(BatesSeries)) == 1


def test_bad_drafts_are_refused_and_nothing_changes(
        api: TestClient, clerk: Headers, attorney: Headers, database: Database) -> None:
    city = series(api, clerk)
    empty_request = make_request(database)
    before = audit_count(database)
    cases = [
        (clerk, {"request_id": str(uuid.uuid4())}, 404, "No records request"),
        (clerk, {"request_id": str(empty_request)}, 400, "Nothing to produce"),
        (clerk, {"hold_id": str(uuid.uuid4())}, 403, "attorney"),
        (attorney, {"request_id": str(empty_request)}, 403, "clerk"),
        (attorney, {"hold_id": str(uuid.uuid4())}, 404, "No hold"),
        (clerk, {}, 422, "not valid"),
        (clerk, {"request_id": str(empty_request), "hold_id": str(uuid.uuid4())}, 422, "not valid"),
    ]
    for headers, source, status, words in cases:
        answer = api.post("/api/v1/productions", headers=headers,
                          json={"series_id": city["id"], **source})
        assert answer.status_code == status, (source, answer.text)
        assert words in answer.json()["detail"], answer.json()
    unknown = api.post("/api/v1/productions", headers=clerk,
                       json={"series_id": str(uuid.uuid4()), "request_id": str(empty_request)})
    assert unknown.status_code == 404
    assert audit_count(database) == before
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Production)) == 0


def test_withheld_documents_get_slip_sheets_and_the_privilege_log(
        api: TestClient, clerk: Headers, attorney: Headers, database: Database) -> None:
    request_id, families = review_set(api, clerk, database, attorney)
    city = series(api, clerk, "CITY", endorsement="Produced under CORA")
    production = produce(api, clerk, {"request_id": str(request_id)}, city["id"])
    assert production["status"] == "verified", production["verification"]
    assert production["counts"] == {"produced": 2, "redacted": 1, "withheld": 2}
    assert production["first_bates"] == "CITY000001"
    documents = api.get(f"/api/v1/productions/{production['id']}/documents",
                        headers=clerk).json()["items"]
    by_id = {d["document_id"]: d for d in documents}
    assert str(families["unwanted"].email) not in by_id  # not responsive: left out
    memo = by_id[str(families["secret"].attachments[0])]
    assert memo["disposition"] == "withheld" and memo["withheld_ground"] == "privileged"
    # families stay together: each e-mail is followed by its attachments
    order = [d["document_id"] for d in documents]
    secret = str(families["secret"].email)
    assert order[order.index(secret) + 1] == str(families["secret"].attachments[0])

    package = zipfile.ZipFile(io.BytesIO(api.get(
        f"/api/v1/productions/{production['id']}/package.zip", headers=clerk).content))
    slip = package.read(f"VOL001/IMAGES/{memo['begin_bates']}.pdf")
    words = pdftotext(slip)
    assert memo["begin_bates"] in words and "24-72-204(3)(a)(IV)" in words
    log = api.get(f"/api/v1/productions/{production['id']}/logs/privilege_log.csv",
                  headers=clerk)
    assert log.status_code == 200
    rows = log.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Bates,Date,Author,Recipients,Description,Ground,Citation")
    assert any(memo["begin_bates"] in row and "24-72-204(3)(a)(IV)" in row for row in rows[1:])
    assert len(rows) == 3  # the e-mail and its memo
    redaction_log = package.read("redaction_log.csv").decode("utf-8-sig")
    assert "SSN" in redaction_log and "rita.reviewer" in redaction_log and SSN not in redaction_log
    dat = loadfiles.read_dat(package.read("VOL001/DATA/VOL001.dat"))
    assert [row["BEGBATES"] for row in dat] == [d["begin_bates"] for d in documents]
    assert "production.create" in audit_actions(database)
    assert "production.verify" in audit_actions(database)


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_finalizing_needs_a_verified_production_with_the_series_next_number(
        api: TestClient, clerk: Headers, attorney: Headers, database: Database) -> None:
    request_id, _ = review_set(api, clerk, database, attorney)
    city = series(api, clerk)
    draft = api.post("/api/v1/productions", headers=clerk,
                     json={"series_id": city["id"], "request_id": str(request_id)}).json()
    early = api.post(f"/api/v1/productions/{draft['id']}/finalize", headers=clerk)
    assert early.status_code == 409 and "verified" in early.json()["detail"]
    first = produce(api, clerk, {"request_id": str(request_id)}, city["id"])
    second = produce(api, clerk, {"request_id": str(request_id)}, city["id"])
    assert first["volume"] == "VOL002" and second["volume"] == "VOL003"
    assert first["first_number"] == second["first_number"] == 1
    finalized = api.post(f"/api/v1/productions/{first['id']}/finalize", headers=clerk)
    assert finalized.status_code == 200, finalized.text
    before = audit_count(database)
    stale = api.post(f"/api/v1/productions/{second['id']}/finalize", headers=clerk)
    assert stale.status_code == 409 and "build it again" in stale.json()["detail"]
    assert audit_count(database) == before
    with database.reading() as session:
        assert session.get_one(BatesSeries, uuid.UUID(city["id"])).next_number == \
            finalized.json()["last_number"] + 1
    # built again, it continues from the first without gap or overlap
    api.post(f"/api/v1/productions/{second['id']}/build", headers=clerk)
    run_builds(api)
    rebuilt = api.get(f"/api/v1/productions/{second['id']}", headers=clerk).json()
    assert rebuilt["first_number"] == finalized.json()["last_number"] + 1
    assert api.post(f"/api/v1/productions/{second['id']}/finalize",
                    headers=clerk).status_code == 200
    again = api.post(f"/api/v1/productions/{second['id']}/build", headers=clerk)
    assert again.status_code == 409


def test_a_blocked_production_cannot_be_finalized(
        api: TestClient, clerk: Headers, database: Database) -> None:
    request_id = make_request(database)
    leaky = make_family(database, f"SSN {SSN} inside", f"Number {SSN} again.")
    duplicate = make_family(database, "Copy", f"Number {SSN} again, unredacted here.")
    accept(database, leaky.email, f"Number {SSN} again.", SSN)
    api.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
             json={"document_ids": [str(leaky.email), str(duplicate.email)]})
    production = produce(api, clerk, {"request_id": str(request_id)}, series(api, clerk)["id"])
    assert production["status"] == "blocked"
    assert production["verification"]["ok"] is False and production["verification"]["hits"]
    before = audit_count(database)
    refused = api.post(f"/api/v1/productions/{production['id']}/finalize", headers=clerk)
    assert refused.status_code == 409 and "blocked" in refused.json()["detail"]
    assert refused.json()["verification"]["hits"]
    assert audit_count(database) == before
    # verified again, it is blocked again, and the hit names its place and the shape only
    again = api.post(f"/api/v1/productions/{production['id']}/verify", headers=clerk)
    assert again.status_code == 200 and again.json()["status"] == "blocked"
    hits = again.json()["verification"]["hits"]
    assert {hit["redacted"] for hit in hits} == {"999-99-9999"}
    assert any(hit["place"].startswith("VOL001/") for hit in hits)
    assert SSN not in str(again.json()) and audit_actions(database)[-1] == "production.verify"


def test_release_offers_the_package_audits_downloads_and_expires(
        api: TestClient, clerk: Headers, attorney: Headers, database: Database,
        clock: FrozenClock, settings: Settings) -> None:
    request_id, _ = review_set(api, clerk, database, attorney)
    production = produce(api, clerk, {"request_id": str(request_id)}, series(api, clerk)["id"])
    url = f"/api/v1/productions/{production['id']}"
    early = api.post(f"{url}/release", headers=clerk)
    assert early.status_code == 409 and "finalized" in early.json()["detail"]
    assert api.post(f"{url}/finalize", headers=clerk).status_code == 200
    released = api.post(f"{url}/release", headers=clerk)
    assert released.status_code == 200, released.text
    assert released.json()["expires_on"] == "2026-04-01"  # 30 days after 2 March in Denver
    with database.reading() as session:
        request = session.get_one(RecordsRequest, request_id)
        assert request.status == RequestStatus.partially_denied  # withheld and redacted
        closing = session.scalars(select(Letter).where(Letter.request_id == request_id,
                                                       Letter.kind == LetterKind.closing)).one()
    assert [g["code"] for g in closing.context["grounds"]] == ["24-72-204(3)(a)(IV)", "SSN"]
    letter = " ".join(pdftotext(BlobStore(settings.natives_dir).read(closing.pdf_sha256)).split())
    assert "24-72-204(3)(a)(IV): Trade secrets, privileged information" in letter
    assert "SSN: Social Security numbers" in letter
    link = api.post(f"/api/v1/requests/{request_id}/links", headers=clerk).json()
    page = api.get(f"/portal/track/{link['token']}")
    zip_url = f"/portal/track/{link['token']}/releases/{production['id']}.zip"
    assert page.status_code == 200 and zip_url in page.text
    download = api.get(zip_url)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(download.content)).read("manifest.json")
    portal = api.get(f"/api/v1/portal/{link['token']}").json()
    assert [r["id"] for r in portal["releases"]] == [production["id"]]
    assert api.get(f"/api/v1/portal/{link['token']}/{portal['releases'][0]['zip']}"
                   ).status_code == 200
    with database.reading() as session:
        downloads = session.scalars(select(ReleaseDownload)).all()
    assert len(downloads) == 2 and downloads[0].client_address == "203.0.113.7"
    assert audit_actions(database).count("production.download") == 2
    assert len(api.get(f"{url}/downloads", headers=clerk).json()) == 2

    clock.set(datetime.fromisoformat("2026-04-02T16:00:00+00:00"))
    expired = api.get(zip_url)
    assert expired.status_code == 410 and "can no longer be downloaded" in expired.text
    assert zip_url not in api.get(f"/portal/track/{link['token']}").text
    assert api.get(f"/api/v1/portal/{link['token']}/releases/{production['id']}.zip"
                   ).status_code == 410
    unknown = api.get(f"/portal/track/{link['token']}/releases/{uuid.uuid4()}.zip")
    assert unknown.status_code == 404
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(ReleaseDownload)) == 2


def test_a_fully_produced_release_fulfils_the_request(
        api: TestClient, clerk: Headers, database: Database) -> None:
    request_id = make_request(database)
    family = make_family(database, "Snow routes", "The routes for the winter.")
    api.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
             json={"document_ids": [str(family.email)]})
    production = produce(api, clerk, {"request_id": str(request_id)}, series(api, clerk)["id"])
    url = f"/api/v1/productions/{production['id']}"
    assert api.post(f"{url}/finalize", headers=clerk).status_code == 200
    assert api.post(f"{url}/release", headers=clerk).status_code == 200
    with database.reading() as session:
        assert session.get_one(RecordsRequest, request_id).status == RequestStatus.fulfilled
        closing = session.scalars(select(Letter).where(Letter.request_id == request_id)).one()
    assert closing.kind == LetterKind.closing and closing.context["grounds"] == []


def test_a_hold_production_is_the_attorneys_and_is_not_released(
        api: TestClient, clerk: Headers, attorney: Headers, auditor: Headers,
        database: Database) -> None:
    family = make_family(database, "Contract dispute", "The contract terms, as signed.",
                         (("contract.txt", "Terms and conditions."),))
    with database.transaction() as session:
        hold = Hold(matter_name="Smith v. City", attorney="counsel", status=HoldStatus.active,
                    version=1)
        session.add(hold)
        session.flush()
        session.add_all(HeldDocument(hold_id=hold.id, document_id=d, held_at=RECEIVED)
                        for d in family.ids)
        hold_id = str(hold.id)
    matter = series(api, attorney, "SMITH-V-CITY", digits=4)
    refused = api.post("/api/v1/productions", headers=clerk,
                       json={"series_id": matter["id"], "hold_id": hold_id})
    assert refused.status_code == 403
    production = produce(api, attorney, {"hold_id": hold_id}, matter["id"])
    assert production["status"] == "verified" and production["name"] == "Smith v. City"
    assert production["first_bates"] == "SMITH-V-CITY0001" and production["counts"]["produced"] == 2
    url = f"/api/v1/productions/{production['id']}"
    assert api.get(url, headers=auditor).status_code == 200
    assert api.get(url, headers=clerk).status_code == 403
    assert api.post(f"{url}/finalize", headers=clerk).status_code == 403
    assert production["id"] not in [p["id"] for p in api.get(
        "/api/v1/productions", headers=clerk).json()["items"]]
    assert api.post(f"{url}/finalize", headers=attorney).status_code == 200
    release = api.post(f"{url}/release", headers=attorney)
    assert release.status_code == 403  # releasing to a requester is the clerk's office's
    admin_like = api.post(f"{url}/release", headers=clerk)
    assert admin_like.status_code == 403


def test_a_production_is_read_a_chunk_at_a_time_in_order(
        api: TestClient, clerk: Headers, database: Database) -> None:
    """The build reads its documents in chunks (memory stays flat): every position once,
    in order, whatever the chunk size."""
    request_id = make_request(database)
    families = [make_family(database, f"Memo {n}", f"Memo number {n}.",
                            (("a.txt", "first"), ("b.txt", "second"))) for n in range(3)]
    api.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
             json={"document_ids": [str(d) for f in families for d in f.ids]})
    production = produce(api, clerk, {"request_id": str(request_id)}, series(api, clerk)["id"])
    with database.reading() as session:
        drafted = session.get_one(Production, uuid.UUID(production["id"]))
        for chunk in (1, 2, 4, 9, 500):
            positions = [e.position for e in build._entries(session, drafted, chunk)]
            assert positions == sorted(positions) and len(set(positions)) == 9
    # families stay together: each attachment's BEGATTACH/ENDATTACH is its family's range
    package = zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/productions/{production['id']}"
                                                 "/package.zip", headers=clerk).content))
    rows = loadfiles.read_dat(package.read("VOL001/DATA/VOL001.dat"))
    assert len(rows) == 9
    for start in range(0, 9, 3):
        family = rows[start:start + 3]
        assert {(r["BEGATTACH"], r["ENDATTACH"]) for r in family} == \
            {(family[0]["BEGBATES"], family[-1]["ENDBATES"])}
