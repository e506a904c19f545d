"""Parity: each query finds the same records on Elasticsearch, the embedded engine and the oracle.

A records response or a hold must not depend on the deployment. The corpus is
the shared Enron slice (six mbox custodians and the EDRM export) with the
format and voicemail samples, ~5,800 documents (see conftest.py).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

import pytest

from search.query import parse
from search.results import FACETS, QueryTooBroad, SearchSpec, sorted_facet
from tests.search import oracle
from tests.search.conftest import ZONE, Corpus

QUERIES = [
    # words, case, boolean logic
    "gas", "Enron", "ENRON", "power AND price", "power OR electricity", "power NOT price",
    "NOT enron", "gas price", "(gas OR power) AND california",
    "(gas OR power) NOT (california OR texas)", "NOT (gas OR power OR enron)",
    # phrases and words that split into phrases
    '"gas price"', '"natural gas"', '"please let me know"', '"energy crisis"',
    "jeff.dasovich@enron.com", "e-mail", "don't",
    # wildcards
    "contract*", "negotiat*", "pric?", "con*ct", '"gas pric*"', "декларац*", "subject:fw*",
    # proximity: distance boundaries, order, phrases and alternatives as operands
    "gas w/1 price", "gas w/2 price", "gas w/3 price", "gas pre/3 price", "price pre/3 gas",
    '"natural gas" w/5 price*', "(gas OR power) w/5 (price OR prices)",
    "contract* w/10 terminat*", "ferc w/5 order*", '"price cap" pre/10 ferc',
    '"let me know" w/20 question*', "(california OR texas) pre/5 (power OR energy)",
    # fields
    "subject:meeting", 'subject:"conference call"', "subject:(gas OR power)",
    "body:california NOT subject:california", "from:phillip.allen@enron.com", "from:allen",
    "to:jeff.dasovich@enron.com", "cc:enron.com", "bcc:enron", "participant:caiso.com",
    'participant:"phillip allen"', "from:enron.com NOT to:enron.com",
    # custodians, types, attachments
    "custodian:allen-p", "custodian:allen-p OR custodian:badeer-r", "custodian:b*",
    "custodian:allen-p NOT from:allen", "type:email", "type:attachment", "type:voicemail",
    "type:voicemail OR subject:voicemail", "has:attachment", "has:attachment custodian:samples",
    "attachment:test", "filename:pdf", "filename:image*", "filename:txt OR filename:pdf",
    "type:attachment AND NOT filename:png",
    # dates (whole days in America/Denver)
    "date:2001-01-01..2001-03-31", "date:2001-05", "after:2001-12-31", "before:2000-01-01",
    "date:..1999-12-31 gas", "california date:2001-01..2001-06", "gas AND NOT date:2001",
    "date:2001-11..2001-12 custodian:allen-p", "custodian:allen-p gas",
    "custodian:b* price type:email NOT date:2000",
    # non-Latin text, folded the same way (й is и with a breve: accents are removed)
    "налоговой", '"налоговой декларации"',
]
NOTHING = ["zzyzxq", "gas w/1 zzyzxq", "type:voicemail custodian:allen-p", "date:1850"]


def test_the_suite_is_large_enough() -> None:
    assert len(set(QUERIES)) == len(QUERIES) >= 60


@pytest.mark.parametrize("text", QUERIES)
def test_same_hits_on_both_engines(parity: Corpus, text: str) -> None:
    query = parse(text)
    expected = oracle.search(query, parity.prepared, ZONE)
    assert expected, "a parity query must find something to compare"
    assert parity.embedded.matching(query, ZONE) == expected
    assert parity.elastic.matching(query, ZONE) == expected


def test_neardup_finds_a_group_by_its_id_or_a_members_id(parity: Corpus) -> None:
    """The slice's largest near-duplicate group, named both ways, alone and combined."""
    sizes = Counter(d.near_duplicate_group for d in parity.docs if d.near_duplicate_group)
    group, size = sizes.most_common(1)[0]
    assert size >= 2, "the slice holds near-duplicates"
    member = next(d for d in parity.docs if d.near_duplicate_group == group)
    attachment = next(d.id for d in parity.docs if d.kind == "attachment")  # in no group
    texts = [f"neardup:{group}", f"neardup:{member.id}", f"neardup:{group.upper()}",
             f"neardup:{member.id} custodian:{member.custodians[0]}",
             f"gas NOT neardup:{member.id}", f"neardup:{group} OR neardup:{attachment}",
             f"gas OR neardup:{member.id}", f"NOT neardup:{group} type:email"]
    for text in texts:
        query = parse(text)
        expected = oracle.search(query, parity.prepared, ZONE)
        assert parity.embedded.matching(query, ZONE) == expected, text
        assert parity.elastic.matching(query, ZONE) == expected, text
    for text in (f"neardup:{group}", f"neardup:{member.id}"):
        for engine in (parity.embedded, parity.elastic):
            page = engine.search(SearchSpec(parse(text), ZONE, size=5))
            assert page.total == size and member.id in {
                h.id for h in engine.search(SearchSpec(parse(text), ZONE, size=size)).hits}
    for nothing in (f"neardup:{attachment}", f"neardup:{uuid.uuid4()}"):
        query = parse(nothing)
        assert parity.embedded.matching(query, ZONE) == parity.elastic.matching(query, ZONE) == {}


@pytest.mark.parametrize("text", NOTHING)
def test_both_engines_find_nothing(parity: Corpus, text: str) -> None:
    query = parse(text)
    assert parity.embedded.matching(query, ZONE) == parity.elastic.matching(query, ZONE) == {}


def _facets(ids: set[str], parity: Corpus) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for doc in parity.docs:
        if doc.id in ids:
            counts["custodian"].update(doc.custodians)
            counts["type"][doc.kind] += 1
            counts["month"].update([doc.month] if doc.month else [])
            counts["sender_domain"].update([doc.sender_domain] if doc.sender_domain else [])
    return {name: sorted_facet(dict(found), name) for name, found in counts.items()}


@pytest.mark.parametrize("text", ["gas", "has:attachment OR type:voicemail",
                                  "custodian:b* date:2001", "NOT enron"])
def test_totals_and_facets_agree(parity: Corpus, text: str) -> None:
    query = parse(text)
    ids = set(oracle.search(query, parity.prepared, ZONE))
    expected = _facets(ids, parity)
    for engine in (parity.embedded, parity.elastic):
        page = engine.search(SearchSpec(query, ZONE, size=5))
        assert page.total == len(ids), engine.name
        assert page.facets == expected, engine.name
        assert len(page.hits) == 5 and {h.id for h in page.hits} <= ids


def _date(parity: Corpus, doc_id: str) -> datetime | None:
    return next(p.date for p in parity.prepared if p.doc.id == doc_id)


@pytest.mark.parametrize("sort", ["newest", "oldest", "relevance"])
def test_paging_returns_every_hit_once_in_order(parity: Corpus, sort: str) -> None:
    query = parse("california w/10 (power OR electricity OR energy)")
    expected = oracle.search(query, parity.prepared, ZONE)
    assert len(expected) > 60
    for engine in (parity.embedded, parity.elastic):
        seen: list[str] = []
        cursor = None
        while True:
            page = engine.search(SearchSpec(query, ZONE, sort=sort, size=25, cursor=cursor,
                                            facets=False))
            seen += [h.id for h in page.hits]
            assert page.total == len(expected)
            if page.cursor is None:
                break
            cursor = page.cursor
        assert sorted(seen) == sorted(expected), engine.name
        if sort != "relevance":
            dated = [d for d in (_date(parity, i) for i in seen) if d is not None]
            assert dated == sorted(dated, reverse=sort == "newest"), engine.name


def test_too_broad_wildcards(parity: Corpus) -> None:
    """The documented difference: where each engine refuses a wildcard as too broad."""
    vocabulary = {t for p in parity.prepared for tokens in p.fields.values() for t in tokens}
    letter = next(c for c in "cspmabt" if 1100 < sum(t.startswith(c) for t in vocabulary) < 16000)
    query = parse(f"{letter}?* w/3 gas")  # an inner wildcard: > 1,024 words, < Lucene's 16,384
    with pytest.raises(QueryTooBroad, match="more specific|fewer wildcards"):
        parity.embedded.matching(query, ZONE)
    assert parity.elastic.matching(query, ZONE) == oracle.search(query, parity.prepared, ZONE)
    for text in (f"{letter}* w/3 gas", f"{letter}?*"):  # refused by neither
        alone = parse(text)
        assert parity.embedded.matching(alone, ZONE) == parity.elastic.matching(alone, ZONE)


@pytest.mark.parametrize("text", ["from:phillip.allen@enron.com", "participant:enron.com",
                                  "custodian:allen-p", "to:enron.com type:email"])
def test_addresses_and_metadata_select_without_ranking(parity: Corpus, text: str) -> None:
    """No hit outranks another: every score is 0 and the first page is the first ids."""
    query = parse(text)
    expected = sorted(oracle.search(query, parity.prepared, ZONE))
    assert len(expected) > 30
    for engine in (parity.embedded, parity.elastic):
        page = engine.search(SearchSpec(query, ZONE, size=30, facets=False))
        assert page.total == len(expected)
        assert [h.id for h in page.hits] == expected[:30], engine.name
        assert {h.score for h in page.hits} == {0.0}, engine.name


def test_addresses_add_nothing_to_relevance(parity: Corpus) -> None:
    """The same body words rank the same hits alike with or without an address term."""
    for engine in (parity.embedded, parity.elastic):
        plain = engine.search(SearchSpec(parse("gas price"), ZONE, size=500, facets=False))
        sent = engine.search(SearchSpec(parse("gas price from:enron.com"), ZONE, size=500,
                                        facets=False))
        scores = {h.id: h.score for h in plain.hits}
        assert 0 < sent.total < plain.total, engine.name
        assert all(h.score == pytest.approx(scores[h.id]) for h in sent.hits), engine.name


def _largest_thread(parity: Corpus) -> str:
    sizes = Counter(d.thread_id for d in parity.docs if d.kind == "email" and d.thread_id)
    thread_id, size = sizes.most_common(1)[0]
    assert size >= 3
    return thread_id


@pytest.mark.parametrize("template", [
    "thread:{thread}", "thread:{thread} inclusive:true", "thread:{thread} NOT inclusive:true",
    "inclusive:true", "inclusive:false", "NOT inclusive:true", "inclusive:false gas",
    "custodian:allen-p inclusive:false", "type:email NOT inclusive:false",
    "thread:{thread} OR subject:meeting", "(inclusive:false OR has:attachment) date:2001",
])
def test_threads_and_inclusive_on_both_engines(parity: Corpus, template: str) -> None:
    query = parse(template.format(thread=_largest_thread(parity)))
    expected = oracle.search(query, parity.prepared, ZONE)
    assert expected, "a parity query must find something to compare"
    assert parity.embedded.matching(query, ZONE) == expected
    assert parity.elastic.matching(query, ZONE) == expected
