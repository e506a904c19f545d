"""The Elasticsearch engine against a real node: every query node, paging, facets, sorts.

Hit sets are spelled out per query and also checked against tests/search/oracle.py
(the language's brute-force definition), since the embedded engine must return
exactly the same sets. Each test works in an alias of its own, deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from search import elastic, results
from search.documents import IndexDoc, IndexUnavailable
from search.elastic import ANALYZER, ElasticEngine, encode_cursor
from search.query import parse
from search.results import BadCursor, QueryTooBroad, SearchSpec
from tests.search import oracle

pytestmark = pytest.mark.elasticsearch
ZONE = "America/Denver"
MARCH, NOVEMBER = "2024-03", "2024-11"


def _doc(id: str, kind: str = "email", **fields: Any) -> IndexDoc:
    return IndexDoc(id=id, family_id=fields.pop("family_id", id), kind=kind, **fields)


# Dates sit on local-midnight edges in Denver, across both 2024 DST switches
# (Mar 10: -07:00 -> -06:00; Nov 3: -06:00 -> -07:00).
CORPUS = [
    _doc("m1", custodians=["allen-p"], subject="Budget meeting",
         body="The city council budget meeting is on Friday",
         sender="Phillip Allen <phillip.allen@enron.com>", to=["jeff.dasovich@enron.com"],
         date="2024-03-09T23:59:59-07:00", month=MARCH, sender_domain="enron.com",
         has_attachment=True),
    _doc("m1.a", "attachment", family_id="m1", parent_id="m1", custodians=["allen-p"],
         filename="budget_2024.xlsx", body="line items alpha one two three beta",
         date="2024-03-09T23:59:59-07:00", month=MARCH),
    _doc("m2", custodians=["badeer-r"], subject="Re: zeta", body="omega report: budget x budget",
         sender="Robert Badeer <robert.badeer@enron.com>", date="2024-03-10T00:00:00-07:00",
         month=MARCH, sender_domain="enron.com"),
    _doc("m3", custodians=["allen-p", "clerk-test"], subject="Tokyo",
         body="東京2024 trip and ΩMEGA42", sender="Clerk <clerk@city.gov>",
         date="2024-03-10T23:59:59-06:00", month=MARCH, sender_domain="city.gov"),
    _doc("m4", custodians=["allen-pa"], subject="gamma", body="alpha beta gamma delta",
         date="2024-03-11T00:00:00-06:00", month=MARCH, sender_domain="city.gov"),
    _doc("v1", "voicemail", custodians=["badeer-r"], body="call me about the budgeting"),
    _doc("m5", custodians=["clerk-test"], subject="Fall back", body="nothing here",
         date="2024-11-03T23:30:00-07:00", month=NOVEMBER, sender_domain="city.gov"),
    _doc("m6", custodians=["clerk-test"], body="budgets approved",
         date="2024-11-04T00:00:00-07:00", month=NOVEMBER, sender_domain="city.gov"),
]
ALL = {d.id for d in CORPUS}
PREPARED = oracle.prepare(CORPUS)


def _drop(engine: ElasticEngine) -> None:
    names = engine.client.indices.get(index=f"{engine.alias}-v*", allow_no_indices=True)
    for name in names:
        engine.client.indices.delete(index=name)
    engine.client.close()


@pytest.fixture
def engine(elasticsearch_url: str) -> Iterator[ElasticEngine]:
    made = ElasticEngine(elasticsearch_url, alias=f"test-elastic-{uuid.uuid4().hex}")
    try:
        yield made
    finally:
        _drop(made)


@pytest.fixture(scope="module")
def corpus(elasticsearch_url: str) -> Iterator[ElasticEngine]:
    made = ElasticEngine(elasticsearch_url, alias=f"test-elastic-{uuid.uuid4().hex}")
    try:
        assert made.index(CORPUS) == {}
        made.refresh()
        yield made
    finally:
        _drop(made)


def found(engine: ElasticEngine, text: str) -> set[str]:
    """The hit set of `text`, which search() and matching() must agree on."""
    query = parse(text)
    page = engine.search(SearchSpec(query, ZONE, size=100, facets=False))
    matched = engine.matching(query, ZONE)
    assert page.total == len(page.hits) == len(matched)
    assert {h.id for h in page.hits} == set(matched)
    return set(matched)


CASES = [
    # words, fields, wildcards (* any run incl. empty, ? exactly one character)
    ("budget", {"m1", "m1.a", "m2"}), ("subject:budget", {"m1"}), ("filename:budget", {"m1.a"}),
    ("from:phillip", {"m1"}), ("to:dasovich", {"m1"}), ("participant:badeer", {"m2"}),
    ("budget*", {"m1", "m1.a", "m2", "v1", "m6"}), ("budg?t", {"m1", "m1.a", "m2"}),
    ("budget?", {"m6"}), ("bu*et", {"m1", "m1.a", "m2"}),
    # phrases: consecutive, in order, within one field
    ('"council budget"', {"m1"}), ('"budget council"', set()), ('"council bud*"', {"m1"}),
    ('"c?uncil budget"', {"m1"}), ('"council bud?"', set()),
    ('"zeta omega"', set()), ("zeta omega", {"m2"}),
    # proximity: w/N = at most N-1 words between; pre/N = left first
    ("alpha w/3 beta", {"m4"}), ("alpha w/4 beta", {"m1.a", "m4"}), ("alpha w/1 beta", {"m4"}),
    ("alpha pre/4 beta", {"m1.a", "m4"}), ("beta pre/4 alpha", set()),
    ("beta w/4 alpha", {"m1.a", "m4"}), ("gamma w/1 beta", {"m4"}), ("gamma pre/1 beta", set()),
    ('"alpha one" w/3 beta', {"m1.a"}), ('"alpha one" w/2 beta', set()),
    ('beta pre/3 "alpha one"', set()), ('"one two" pre/1 "three beta"', {"m1.a"}),
    ("(gamma OR three) w/1 beta", {"m1.a", "m4"}), ("(zzz OR three) pre/1 beta", {"m1.a"}),
    # alternatives of different lengths (Lucene's span_or of them misses this: LUCENE-7398)
    ('("alpha beta" OR alpha) pre/1 beta', {"m4"}), ('("alpha beta gamma" OR beta) pre/1 gamma', {"m4"}),
    ("alp* w/4 bet?", {"m1.a", "m4"}),
    ('"a* o?e" w/3 beta', {"m1.a"}), ("budget w/3 budget", {"m2"}), ("budget w/1 budget", set()),
    ("subject:(budget w/1 meeting)", {"m1"}), ("from:(budget w/1 meeting)", set()),
    ("zeta w/5 omega", set()), ("items pre/1 (alpha OR line)", {"m1.a"}),
    # metadata
    ("custodian:allen-p", {"m1", "m1.a", "m3"}), ("custodian:allen", set()),
    ("custodian:allen-p*", {"m1", "m1.a", "m3", "m4"}), ("custodian:allen-?", {"m1", "m1.a", "m3"}),
    ("type:attachment", {"m1.a"}), ("type:voicemail", {"v1"}), ("has:attachment", {"m1"}),
    # whole local days in Denver; undated documents never match a date
    ("date:2024-03-09", {"m1", "m1.a"}), ("date:2024-03-10", {"m2", "m3"}),
    ("after:2024-03-09", {"m2", "m3", "m4", "m5", "m6"}), ("before:2024-03-10", {"m1", "m1.a"}),
    ("date:2024-03-10..2024-03-11", {"m2", "m3", "m4"}), ("date:2024-11-03", {"m5"}),
    ("date:2024-11", {"m5", "m6"}), ("date:..2100", ALL - {"v1"}), ("NOT date:2024", {"v1"}),
    # boolean structure
    ("NOT budget*", {"m3", "m4", "m5"}), ("budget NOT meeting", {"m1.a", "m2"}),
    ("budget OR gamma", {"m1", "m1.a", "m2", "m4"}), ("budget type:email", {"m1", "m2"}),
    ("custodian:badeer-r OR (has:attachment NOT zzz)", {"m1", "m2", "v1"}),
    ("NOT (custodian:allen-p OR custodian:badeer-r)", {"m4", "m5", "m6"}),
    # one term per stream token: ES must not split or fold again
    ("東京2024", {"m3"}), ("2024", {"m1.a"}), ("東京", set()), ("Ωmega42", {"m3"}),
    ("omega", {"m2"}), ("xlsx", {"m1.a"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hit_sets(corpus: ElasticEngine, text: str, expected: set[str]) -> None:
    assert found(corpus, text) == expected
    assert set(oracle.search(parse(text), PREPARED, ZONE)) == expected


def test_streams_are_kept_whole_and_out_of_source(corpus: ElasticEngine) -> None:
    tokens = corpus.client.indices.analyze(index=corpus.alias, analyzer=ANALYZER,
                                           text="東京2024 ωmega42 x-y Café")["tokens"]
    assert [t["token"] for t in tokens] == ["東京2024", "ωmega42", "x-y", "Café"]
    source = corpus.client.get(index=corpus.alias, id="m1")["_source"]
    assert source["family_id"] == "m1" and source["has_attachment"] is True
    assert not set(source) & {"subject", "body", "sender", "to", "cc", "bcc", "filename"}
    assert "month" not in corpus.client.get(index=corpus.alias, id="v1")["_source"]


def test_matching_maps_ids_to_families_across_pages(corpus: ElasticEngine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elastic, "MATCHING_PAGE", 2)
    assert corpus.matching(parse("budget* OR alpha"), ZONE) == {
        "m1": "m1", "m1.a": "m1", "m2": "m2", "v1": "v1", "m6": "m6", "m4": "m4"}


def test_total_hits_and_facets(corpus: ElasticEngine) -> None:
    page = corpus.search(SearchSpec(parse("budget*"), ZONE, size=2))
    assert page.total == 5 and len(page.hits) == 2
    assert page.facets == {
        "custodian": [("allen-p", 2), ("badeer-r", 2), ("clerk-test", 1)],
        "type": [("email", 3), ("attachment", 1), ("voicemail", 1)],
        "month": [(MARCH, 3), (NOVEMBER, 1)],
        "sender_domain": [("enron.com", 2), ("city.gov", 1)],
    }
    assert corpus.search(SearchSpec(parse("budget*"), ZONE, facets=False)).facets == {}


def test_facet_cut_keeps_the_first_values_of_a_tie(corpus: ElasticEngine,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """ES must cut where sorted_facet would: count first, then value (the other engine's order)."""
    monkeypatch.setitem(results.FACET_SIZE, "custodian", 1)
    page = corpus.search(SearchSpec(parse("budget*"), ZONE))
    assert page.facets["custodian"] == [("allen-p", 2)]  # badeer-r has 2 as well


@pytest.mark.parametrize(("sort", "expected"), [
    ("newest", ["m6", "m2", "m1", "m1.a", "v1"]), ("oldest", ["m1", "m1.a", "m2", "m6", "v1"])])
def test_date_sorts_put_undated_last(corpus: ElasticEngine, sort: str,
                                     expected: list[str]) -> None:
    page = corpus.search(SearchSpec(parse("budget*"), ZONE, sort=sort))
    assert [h.id for h in page.hits] == expected
    hits = {h.id: h for h in page.hits}
    assert (hits["m1"].family_id, hits["m1"].parent_id, hits["m1"].kind) == ("m1", None, "email")
    assert (hits["m1.a"].family_id, hits["m1.a"].parent_id) == ("m1", "m1")
    assert (hits["m1.a"].kind, hits["v1"].kind) == ("attachment", "voicemail")


def test_relevance_sort_is_by_score_then_id(corpus: ElasticEngine) -> None:
    hits = corpus.search(SearchSpec(parse("budget OR meeting OR council"), ZONE)).hits
    keys = [(-(h.score or 0.0), h.id) for h in hits]
    assert all(h.score is not None and h.score > 0 for h in hits)
    assert keys == sorted(keys) and hits[0].id == "m1"  # m1 holds all three words


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_cursor_pages_through_every_hit_once(corpus: ElasticEngine, sort: str) -> None:
    spec = SearchSpec(parse("NOT zzz"), ZONE, sort=sort, size=3)
    whole = [h.id for h in corpus.search(SearchSpec(spec.query, ZONE, sort=sort, size=100)).hits]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = corpus.search(SearchSpec(spec.query, ZONE, sort=sort, size=3, cursor=cursor))
        assert page.total == len(ALL)
        seen += [h.id for h in page.hits]
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == whole and sorted(seen) == sorted(ALL)


def test_later_pages_share_one_snapshot(engine: ElasticEngine) -> None:
    engine.index([_doc(f"d{i}", body="same words") for i in range(6)])
    engine.refresh()
    query = parse("same")
    first = engine.search(SearchSpec(query, ZONE, sort="oldest", size=2))
    second = engine.search(SearchSpec(query, ZONE, sort="oldest", size=2, cursor=first.cursor))
    engine.index([_doc("d9", body="same words")])
    engine.refresh()
    third = engine.search(SearchSpec(query, ZONE, sort="oldest", size=2, cursor=second.cursor))
    assert (second.total, third.total) == (6, 6)
    assert [h.id for h in first.hits + second.hits + third.hits] == [f"d{i}" for i in range(6)]
    assert third.cursor is None


def test_bad_cursors_are_refused(corpus: ElasticEngine) -> None:
    query = parse("NOT zzz")
    first = corpus.search(SearchSpec(query, ZONE, size=2))
    second = corpus.search(SearchSpec(query, ZONE, size=2, cursor=first.cursor))
    assert second.cursor is not None
    broken = ["not a cursor!", "e30", encode_cursor("relevance", [1.0, "m1"], "bogus-pit")]
    for cursor in broken:
        with pytest.raises(BadCursor):
            corpus.search(SearchSpec(query, ZONE, size=2, cursor=cursor))
    with pytest.raises(BadCursor, match="sort"):
        corpus.search(SearchSpec(query, ZONE, sort="newest", size=2, cursor=first.cursor))
    pit = elastic.decode_cursor(second.cursor, "relevance")[1]
    assert pit is not None
    corpus.client.close_point_in_time(id=pit)  # as if it had expired
    with pytest.raises(BadCursor, match="expired"):
        corpus.search(SearchSpec(query, ZONE, size=2, cursor=second.cursor))


def test_wildcard_expanding_past_the_clause_limit_is_too_broad(engine: ElasticEngine) -> None:
    words = " ".join(f"ab{i:05d}" for i in range(20000))
    engine.index([_doc("big", body=f"{words} foo"), _doc("small", body="abc foo")])
    engine.refresh()
    assert found(engine, "ab*") == {"big", "small"}  # a lone wildcard has no clause limit
    for text in ("ab* w/2 foo", '"ab* foo"'):
        with pytest.raises(QueryTooBroad, match="too many"):
            engine.search(SearchSpec(parse(text), ZONE))
        with pytest.raises(QueryTooBroad):
            engine.matching(parse(text), ZONE)


def test_versions_switch_atomically_and_report_refused_documents(engine: ElasticEngine) -> None:
    assert engine.current_version() == 0
    assert engine.index([_doc("old", body="first")]) == {}
    assert engine.current_version() == 1
    version = engine.new_version()
    failures = engine.index([_doc("new", body="second"), _doc("bad", date="not a date")], version)
    assert set(failures) == {"bad"} and "date" in failures["bad"]
    engine.refresh()
    engine.client.indices.refresh(index=f"{engine.alias}-v{version}")
    assert found(engine, "first OR second") == {"old"}
    engine.activate(version)
    assert engine.current_version() == version and engine.count() == 1
    assert found(engine, "first OR second") == {"new"}
    assert not engine.client.indices.exists(index=f"{engine.alias}-v1")


def test_an_older_copy_sent_last_does_not_replace_a_newer_one(engine: ElasticEngine) -> None:
    """Two workers may index one document at once; the newest generation stays."""
    assert engine.index([_doc("a", body="renamed", version=3)]) == {}
    assert engine.index([_doc("a", body="original", version=2)]) == {}  # not a failure
    engine.refresh()
    assert found(engine, "renamed") == {"a"} and found(engine, "original") == set()
    assert engine.index([_doc("a", body="again", version=3)]) == {}  # the same: a rewrite
    engine.refresh()
    assert found(engine, "again") == {"a"}


def test_empty_engine_answers_empty(engine: ElasticEngine) -> None:
    assert engine.count() == 0 and engine.matching(parse("x"), ZONE) == {}
    page = engine.search(SearchSpec(parse("x"), ZONE))
    assert (page.total, page.hits, page.cursor) == (0, [], None)


def test_unreachable_node_is_index_unavailable(unused_port: int) -> None:
    engine = ElasticEngine(f"http://127.0.0.1:{unused_port}", alias="nowhere", timeout=2)
    with pytest.raises(IndexUnavailable):
        engine.search(SearchSpec(parse("budget"), ZONE))
    with pytest.raises(IndexUnavailable):
        engine.index([_doc("x")])
    with pytest.raises(IndexUnavailable):
        engine.matching(parse("budget"), ZONE)


def test_an_index_of_an_older_layout_is_refused_until_reindexed(elasticsearch_url: str) -> None:
    alias = f"test-layout-{uuid.uuid4().hex[:8]}"
    old = ElasticEngine(elasticsearch_url, alias=alias)
    old.client.indices.create(index=f"{alias}-v1", mappings={"properties": {
        "body": {"type": "text"}}}, aliases={alias: {}})  # as Custodia 0.1 laid it out
    try:
        engine = ElasticEngine(elasticsearch_url, alias=alias)
        with pytest.raises(results.IndexOutdated, match="custodia reindex"):
            engine.search(SearchSpec(parse("budget"), ZONE))
        with pytest.raises(results.IndexOutdated, match="custodia reindex"):
            engine.index([_doc("a", body="budget")])
        version = engine.new_version()
        assert engine.index([_doc("a", body="budget")], version=version) == {}
        engine.activate(version)
        engine.refresh()
        assert ElasticEngine(elasticsearch_url, alias=alias).matching(parse("budget"), ZONE) == {
            "a": "a"}
    finally:
        old.client.indices.delete(index=f"{alias}-v*")


def test_exact_addresses_are_keywords(engine: ElasticEngine) -> None:
    assert engine.index([_doc("a", sender="Jeff Skilling <jeff.skilling@enron.com>",
                              sender_address="jeff.skilling@enron.com", to=["Ken <ken@enron.com>"],
                              recipient_addresses=["ken@enron.com", ""])]) == {}
    engine.refresh()
    found = engine.client.search(index=engine.alias, query={"bool": {"filter": [
        {"term": {"sender_address": "jeff.skilling@enron.com"}},
        {"term": {"recipient_addresses": "ken@enron.com"}}]}}, docvalue_fields=[
        "recipient_addresses"])["hits"]["hits"]
    assert [h["_id"] for h in found] == ["a"]
    assert found[0]["fields"]["recipient_addresses"] == ["ken@enron.com"]
