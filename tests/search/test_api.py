"""Search over the REST API: hits as people read them, term reports, saved searches, audit."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.demo.generator import generate
from app.main import create_app
from app.models import AuditEntry, Document, DocumentKind, Role, User
from ingest import indexer, jobs
from ingest.runtime import Runtime
from search import analysis
from search.documents import IndexDoc
from search.query import parse
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.search import oracle

Headers = Callable[[User], dict[str, str]]
ZONE = "America/Denver"


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root, messages=60)
    return root


@pytest.fixture
def indexed(settings: Settings, database: Database, demo_folder: Path, actor: Actor) -> list[IndexDoc]:
    """The demo mailboxes and voicemail ingested as the app will see them; their index copies."""
    runtime = Runtime.open(settings, database)
    boxes = sorted((demo_folder / "mail").iterdir()) + [demo_folder / "voicemail"]
    for box in boxes:
        with database.transaction() as session:
            job_id = jobs.create_job(session, actor, box.name,
                                     {"type": "path", "paths": [str(box)]}).id
        runner = runtime.runner(worker="test")
        assert jobs.run_now(runner, job_id).status == "done"
    indexer.index_pending(database, runtime.engine, ZONE)
    with database.reading() as session:
        documents = list(session.scalars(select(Document).options(selectinload(Document.text))))
        return indexer.as_index_docs(session, documents, ZONE)


@pytest.fixture
def clerk(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.clerk))


def audit_actions(database: Database) -> list[AuditEntry]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_a_hit_in_an_attachment_shows_its_email_snippet_and_facets(
    client: TestClient, clerk: dict[str, str], indexed: list[IndexDoc], database: Database,
) -> None:
    attachment = next(d for d in indexed if d.kind == "attachment" and len(d.body) > 200)
    word = max(re.findall(r"[A-Za-z]{6,}", attachment.body), key=len)
    response = client.post("/api/v1/search", headers=clerk,
                           json={"query": f"attachment:{word}", "size": 50})
    assert response.status_code == 200, response.text
    found = response.json()
    expected = oracle.search(parse(f"attachment:{word}"), oracle.prepare(indexed))
    assert found["total"] == len(expected) and found["next_cursor"] is None
    hit = next(h for h in found["hits"] if h["document"]["id"] == attachment.id)
    assert hit["family"]["id"] == attachment.family_id and hit["family"]["kind"] == "email"
    assert hit["family"]["subject"] and hit["document"]["filename"] == attachment.filename
    assert any(f"<mark>{word}</mark>".lower() in s.lower() for s in hit["snippets"])
    assert found["facets"]["type"] == [{"value": "attachment", "count": len(expected)}]
    assert sum(b["count"] for b in found["facets"]["month"]) == len(expected)
    entry = audit_actions(database)[-1]
    assert entry.action == "search.run" and entry.details["total"] == len(expected)
    assert entry.details["query"] == f"attachment:{word}"


def test_index_copies_carry_exact_lower_cased_addresses(
    indexed: list[IndexDoc], database: Database,
) -> None:
    with database.reading() as session:
        mail = {str(d.id): d for d in session.scalars(select(Document).where(
            Document.kind == DocumentKind.email))}
    doc = next(d for d in indexed if d.id in mail and d.recipient_addresses)
    source = mail[doc.id]
    assert doc.sender_address == source.sender["email"].lower()  # type: ignore[index]
    assert doc.recipient_addresses == sorted({a["email"].lower() for field in ("to", "cc", "bcc")
                                              for a in source.recipients.get(field, [])})


def test_pages_follow_the_cursor_newest_first(
    client: TestClient, clerk: dict[str, str], indexed: list[IndexDoc],
) -> None:
    expected = oracle.search(parse("type:email"), oracle.prepare(indexed))
    seen, cursor, dates = [], None, []
    while True:
        body = {"query": "type:email", "sort": "newest", "size": 40, "cursor": cursor,
                "facets": False}
        page = client.post("/api/v1/search", headers=clerk, json=body).json()
        seen += [h["document"]["id"] for h in page["hits"]]
        dates += [h["document"]["sent_at"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(expected) and len(seen) > 40
    assert dates == sorted(dates, reverse=True)
    bad = client.post("/api/v1/search", headers=clerk, json={"query": "x", "cursor": "nonsense"})
    assert bad.status_code == 400


def test_a_syntax_error_answers_400_with_the_position(
    client: TestClient, clerk: dict[str, str],
) -> None:
    response = client.post("/api/v1/search", headers=clerk, json={"query": "budget AND (x OR"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "query_syntax" and problem["position"] == 14
    assert "needs something to search for after it" in problem["detail"]


def brute_force_report(terms: list[str], docs: list[IndexDoc]) -> list[tuple[int, int, int, int]]:
    prepared = oracle.prepare(docs)
    matched = [set(oracle.search(parse(t), prepared)) for t in terms]
    family_of = {d.id: d.family_id for d in docs}
    size = Counter(d.family_id for d in docs)
    rows = []
    for index, found in enumerate(matched):
        others = set().union(*(m for i, m in enumerate(matched) if i != index))
        families = {family_of[d] for d in found}
        other_families = {family_of[d] for d in others}
        rows.append((len(found), len(found - others), sum(size[f] for f in families),
                     sum(size[f] for f in families - other_families)))
    return rows


def test_term_report_matches_a_brute_force_count(
    client: TestClient, clerk: dict[str, str], indexed: list[IndexDoc],
) -> None:
    terms = ["budget", "council w/5 meeting", "has:attachment", "type:voicemail",
             "permit* OR zoning", "attachment:*", ]
    response = client.post("/api/v1/search/term-report", headers=clerk, json={"terms": terms})
    assert response.status_code == 400 and response.json()["term"] == 5
    terms = terms[:-1]
    report = client.post("/api/v1/search/term-report", headers=clerk, json={"terms": terms})
    assert report.status_code == 200, report.text
    rows = report.json()["rows"]
    expected = brute_force_report(terms, indexed)
    assert [(r["documents"], r["unique_documents"], r["with_families"],
             r["unique_with_families"]) for r in rows] == expected
    assert all(r["documents"] for r in rows) and any(r["unique_documents"] for r in rows)
    assert any(r["with_families"] > r["documents"] for r in rows)
    as_csv = client.post("/api/v1/search/term-report?format=csv", headers=clerk,
                         json={"terms": terms})
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0][0] == "term" and [r[0] for r in table[1:-1]] == terms
    assert [int(c) for c in table[1][1:]] == list(expected[0])


def test_saved_searches_keep_query_author_time_and_count(
    client: TestClient, make_user: MakeUser, sign_in: Headers, indexed: list[IndexDoc],
    database: Database,
) -> None:
    author, other = make_user(Role.attorney), make_user(Role.clerk)
    mine, theirs = sign_in(author), sign_in(other)
    created = client.post("/api/v1/saved-searches", headers=mine,
                          json={"name": "Budget mail", "query": "budget"})
    assert created.status_code == 201, created.text
    saved = created.json()
    expected = oracle.search(parse("budget"), oracle.prepare(indexed))
    assert saved["hit_count"] == len(expected) > 0
    assert saved["family_count"] == len(set(expected.values()))
    assert saved["created_by"] == author.username and saved["created_at"]
    listed = client.get("/api/v1/saved-searches", headers=theirs).json()
    assert [s["id"] for s in listed["items"]] == [saved["id"]]
    assert client.get(f"/api/v1/saved-searches/{saved['id']}", headers=theirs).json() == saved
    assert client.post("/api/v1/saved-searches", headers=mine,
                       json={"name": "bad", "query": "(x"}).status_code == 400
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}", headers=theirs).status_code == 403
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}", headers=mine).status_code == 204
    assert client.get(f"/api/v1/saved-searches/{saved['id']}", headers=mine).status_code == 404
    entries = {e.action: e for e in audit_actions(database)}
    assert entries["saved_search.create"].details["after"]["hit_count"] == len(expected)
    assert entries["saved_search.delete"].details["before"]["query"] == "budget"
    assert entries["saved_search.create"].actor == author.username


def test_an_index_of_an_older_layout_answers_503_until_reindexed(
    client: TestClient, clerk: dict[str, str], settings: Settings,
) -> None:
    index = settings.data_dir / "search"
    index.mkdir(parents=True, exist_ok=True)
    (index / "current").write_text("1")
    with sqlite3.connect(index / "index-v1.sqlite") as old:  # as Custodia 0.1 laid it out
        old.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT)")
    response = client.post("/api/v1/search", headers=clerk, json={"query": "budget"})
    assert response.status_code == 503 and "custodia reindex" in response.json()["detail"]


def test_an_auditor_cannot_search(client: TestClient, make_user: MakeUser,
                                  sign_in: Headers) -> None:
    auditor = sign_in(make_user(Role.auditor))
    assert client.post("/api/v1/search", headers=auditor, json={"query": "x"}).status_code == 403


@pytest.mark.parametrize("field, value", [("facets", 0), ("facets", "false"), ("size", "20"),
                                          ("size", 20.0), ("size", True)])
def test_numbers_and_booleans_are_taken_only_as_such(
    client: TestClient, make_user: MakeUser, sign_in: Headers, field: str, value: object
) -> None:
    """Found by schemathesis: `"facets": 0` was read as false. The document says boolean."""
    clerk = sign_in(make_user(Role.clerk))
    answer = client.post("/api/v1/search", headers=clerk, json={"query": "x", field: value})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == ["body", field]


def test_voicemail_transcripts_are_searchable(
    client: TestClient, clerk: dict[str, str], indexed: list[IndexDoc], database: Database,
) -> None:
    with database.reading() as session:
        voicemail = session.scalars(select(Document).options(selectinload(Document.text))
                                    .where(Document.kind == DocumentKind.voicemail)).first()
        assert voicemail is not None and voicemail.text is not None
        words = analysis.tokens(voicemail.text.text)[3:6]
    found = client.post("/api/v1/search", headers=clerk,
                        json={"query": f'type:voicemail "{" ".join(words)}"'}).json()
    assert str(voicemail.id) in [h["document"]["id"] for h in found["hits"]]


QUERY_PIECES = st.sampled_from([
    '"', "(", ")", ":", "*", "?", "/", "-", "..", " ", "AND", "or", "NOT", "w/2", "pre/3", "w/",
    "subject:", "from:", "date:", "type:", "custodian:", "has:", "after:", "2001-02-03", "budget",
    "council", "permit*", "wom?n", "Ü", "é", "丸", "\\", "'", "[", "]", "{", "}", "^", "~", "+",
    "NEAR", "*x", "x*y", "\x00", "%", "_",
])


@hypothesis_settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(QUERY_PIECES, min_size=1, max_size=12).map("".join)
       | st.text(min_size=1, max_size=40))
def test_any_query_answers_200_or_a_clear_400(
    client: TestClient, clerk: dict[str, str], indexed: list[IndexDoc], text: str,
) -> None:
    response = client.post("/api/v1/search", headers=clerk, json={"query": text, "size": 5})
    if "\x00" in text:  # refused as payload before it is parsed: app/core/payload.py
        assert response.status_code == 422 and response.json()["code"] == "validation_error"
        return
    if not text.strip():
        assert response.status_code == 400
    assert response.status_code in (200, 400), (text, response.text)
    if response.status_code == 400:
        problem = response.json()
        assert problem["detail"] and problem["code"] in ("query_syntax", "bad_request")
        if problem["code"] == "query_syntax":
            assert 0 <= problem["position"] <= len(text)


def test_the_api_answers_the_same_over_elasticsearch(
    settings: Settings, database: Database, indexed: list[IndexDoc], elasticsearch_url: str,
    make_user: MakeUser, tmp_path: Path,
) -> None:
    """The app does not know which engine it runs on: same totals, hits and facets."""
    scaled = settings.model_copy(update={"elasticsearch_url": elasticsearch_url,
                                         "index_name": f"test-api-{tmp_path.name.lower()}"})
    engine = Runtime.open(scaled, database).engine
    indexer.rebuild(database, engine, ZONE)
    engine.refresh()
    user = make_user(Role.clerk)
    answers = []
    try:
        for app_settings in (settings, scaled):
            with TestClient(create_app(app_settings)) as client:
                token = client.post("/api/v1/auth/token", data={
                    "username": user.username, "password": TEST_PASSWORD}).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                body = {"query": "council OR budget* NOT type:voicemail", "sort": "newest",
                        "size": 200}
                answers.append(client.post("/api/v1/search", headers=headers, json=body).json())
    finally:
        engine.client.indices.delete(index=f"{scaled.index_name}-v*")  # type: ignore[attr-defined]
    embedded, elastic = answers
    assert embedded["total"] == elastic["total"] > 0
    assert embedded["facets"] == elastic["facets"]
    assert [h["document"]["id"] for h in embedded["hits"]] == [
        h["document"]["id"] for h in elastic["hits"]]
    assert [h["snippets"] for h in embedded["hits"]] == [h["snippets"] for h in elastic["hits"]]
