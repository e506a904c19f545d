"""The embedded engine (SQLite FTS5) against the query language's definition.

Small synthetic corpora in a temporary directory; the last test compares random
queries with tests/search/oracle.py, a brute-force reading of the definition.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from search import embedded_pages, embedded_query
from search.documents import IndexDoc
from search.embedded import EmbeddedEngine
from search.query import QueryError, parse
from search.results import SORTS, BadCursor, IndexOutdated, QueryTooBroad, SearchSpec
from tests.search import oracle

ZONE = "America/Denver"


def doc(id: str, **fields: Any) -> IndexDoc:
    fields.setdefault("family_id", id)
    fields.setdefault("kind", "email")
    return IndexDoc(id=id, **fields)


@pytest.fixture
def engine(tmp_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(tmp_path / "index")


def found(engine: EmbeddedEngine, text: str) -> list[str]:
    return sorted(engine.matching(parse(text), ZONE))


def test_words_and_phrases(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", subject="Gas price", body="The gas price rose."),
                  doc("b", body="Price of gas; gas-price index"),
                  doc("c", body="Café ÉTÉ naïve", sender="Jeff <jeff@enron.com>")])
    assert found(engine, "gas") == ["a", "b"]
    assert found(engine, '"gas price"') == ["a", "b"]  # "gas-price" is two words in a row
    assert found(engine, '"price gas"') == []
    assert found(engine, "cafe ete") == ["c"]  # accents folded on both sides
    assert found(engine, '"jeff com"') == []  # the sender is "jeff jeff enron com"
    assert found(engine, '"jeff enron com"') == ["c"]


def test_phrase_and_proximity_stay_inside_one_field(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", subject="budget gas", body="price budget"),
                  doc("b", to=["gas"], cc=["price"])])
    assert found(engine, '"gas price"') == []
    assert found(engine, "gas w/1 price") == []
    assert found(engine, "gas price") == ["a", "b"]  # AND may take each from another field


def test_fields(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", subject="budget"), doc("b", body="budget"),
                  doc("c", sender="Budget Office <budget@city.gov>"), doc("d", bcc=["budget"]),
                  doc("e", filename="budget.xls", kind="attachment", parent_id="b")])
    assert found(engine, "subject:budget") == ["a"]
    assert found(engine, "body:budget") == ["b"]
    assert found(engine, "from:budget") == ["c"]
    assert found(engine, "participant:budget") == ["c", "d"]
    assert found(engine, "filename:xls") == ["e"]
    assert found(engine, "subject:(budget OR xls)") == ["a"]
    assert found(engine, "budget") == ["a", "b", "c", "d", "e"]


def test_wildcards(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", body="contract terms"), doc("b", body="contractor terminated"),
                  doc("c", body="contracts"), doc("d", body="contrast"),
                  doc("e", subject="conflict")])
    assert found(engine, "contract*") == ["a", "b", "c"]  # * may be empty
    assert found(engine, "contra?t") == ["a", "d"]  # ? is exactly one character
    assert found(engine, "contra?t*") == ["a", "b", "c", "d"]
    assert found(engine, "co*t") == ["a", "d", "e"]
    assert found(engine, "c*a*s") == ["c"]
    assert found(engine, "zz*q") == []  # expands to nothing
    assert found(engine, "zz*q OR terms") == ["a"]
    assert found(engine, "NOT zz?") == ["a", "b", "c", "d", "e"]
    assert found(engine, '"contract* term*"') == ["a", "b"]
    assert found(engine, '"con*r?ct* t?rm*"') == ["a", "b"]
    assert found(engine, "subject:co*t") == ["e"]
    assert found(engine, "body:co*t") == ["a", "d"]


@pytest.fixture(params=["regex", "positions"])
def near_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of checking a Near rule: one regex (short distances) and word positions."""
    if request.param == "positions":
        monkeypatch.setattr(embedded_query, "SHORT_DISTANCE", 0)
    embedded_query._near_rule.cache_clear()
    request.addfinalizer(embedded_query._near_rule.cache_clear)


@pytest.mark.usefixtures("near_check")
def test_near_distance_boundary_and_order(engine: EmbeddedEngine) -> None:
    engine.index([doc("ab1", body="alpha beta"), doc("ab3", body="alpha x y beta"),
                  doc("ba3", body="beta x y alpha")])
    assert found(engine, "alpha w/3 beta") == ["ab1", "ab3", "ba3"]
    assert found(engine, "alpha w/2 beta") == ["ab1"]  # two words between need w/3
    assert found(engine, "alpha w/1 beta") == ["ab1"]
    assert found(engine, "alpha pre/3 beta") == ["ab1", "ab3"]
    assert found(engine, "beta pre/3 alpha") == ["ba3"]
    assert found(engine, "beta pre/2 alpha") == []
    assert found(engine, "ALPHA PRE/3 beta AND NOT alpha pre/1 beta") == ["ab3"]


@pytest.mark.usefixtures("near_check")
def test_near_phrases_alternatives_and_shared_words(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", body="the gas price in nevada"), doc("b", body="california gas price"),
                  doc("c", body="gas x x x price texas"), doc("one", body="alpha"),
                  doc("two", body="alpha z alpha"), doc("abc", body="a b c")])
    assert found(engine, '"gas price" w/2 (california OR nevada)') == ["a", "b"]
    assert found(engine, '"gas price" pre/2 (california OR nevada)') == ["a"]
    assert found(engine, "(nevada OR texas) w/5 (gas OR pric*)") == ["a", "c"]
    assert found(engine, "alpha w/2 alpha") == ["two"]  # one "alpha" is not two
    assert found(engine, "alpha w/1 alp*") == []
    assert found(engine, '"a b" w/1 "b c"') == []  # overlapping phrases are not near
    assert found(engine, '"a b" w/1 c') == ["abc"]
    assert found(engine, '"alpha z" pre/1 alpha') == ["two"]
    assert found(engine, "body:(gas pre/1 price)") == ["a", "b"]
    assert found(engine, "subject:(gas w/1 price)") == []


def test_metadata(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", custodians=["allen-p", "Baker-J"], has_attachment=True),
                  doc("b", custodians=["allen-phillip"], kind="voicemail"),
                  doc("c", custodians=["x[1]"], kind="attachment", parent_id="a")])
    assert found(engine, "custodian:allen-p") == ["a"]  # exact, not a prefix
    assert found(engine, "custodian:allen*") == ["a", "b"]
    assert found(engine, "custodian:allen-?") == ["a"]
    assert found(engine, "custodian:baker*") == []  # case-sensitive
    assert found(engine, "custodian:x[1]") == ["c"]
    assert found(engine, "custodian:x[*") == ["c"]
    assert found(engine, "type:voicemail") == ["b"]
    assert found(engine, "has:attachment") == ["a"]
    assert found(engine, "NOT has:attachment") == ["b", "c"]
    assert found(engine, "type:email OR custodian:x*") == ["a", "c"]


DST_DOCS = [  # Denver: daylight saving began 2024-03-10 (midnight is 07:00Z, the next 06:00Z)
    doc("d1", date="2024-03-10T06:59:59.999+00:00"), doc("d2", date="2024-03-10T07:00:00Z"),
    doc("d3", date="2024-03-10T23:59:59-06:00"), doc("d4", date="2024-03-11T00:00:00-06:00"),
    doc("d5", date="2024-11-03T06:00:00+00:00"), doc("d6", date="2024-11-04T06:59:59+00:00"),
    doc("d7", date="2024-11-04T07:00:00+00:00"), doc("none")]


def test_date_ranges_on_local_days_across_dst(engine: EmbeddedEngine) -> None:
    engine.index(DST_DOCS)
    assert found(engine, "date:2024-03-10") == ["d2", "d3"]
    assert found(engine, "date:2024-03-09") == ["d1"]
    assert found(engine, "after:2024-03-10") == ["d4", "d5", "d6", "d7"]
    assert found(engine, "before:2024-03-10") == ["d1"]
    assert found(engine, "date:2024-11-03") == ["d5", "d6"]  # a 25-hour day
    assert found(engine, "date:2024-03..2024-03") == ["d1", "d2", "d3", "d4"]
    assert found(engine, "date:2024-03-11..") == ["d4", "d5", "d6", "d7"]
    assert found(engine, "NOT date:2024") == ["none"]  # undated matches no date range


def test_total_facets_and_not_alone(engine: EmbeddedEngine) -> None:
    engine.index([
        doc("a", body="memo", custodians=["x", "y"], month="2001-05", sender_domain="enron.com"),
        doc("b", body="memo", custodians=["x"], month="2001-06", sender_domain="enron.com"),
        doc("c", body="memo", kind="voicemail", month="2001-05"),
        doc("d", body="other", custodians=["z"], month="2001-07", sender_domain="aol.com")])
    page = engine.search(SearchSpec(parse("memo"), ZONE, size=1))
    assert page.total == 3 and len(page.hits) == 1
    assert page.facets == {"custodian": [("x", 2), ("y", 1)],
                           "type": [("email", 2), ("voicemail", 1)],
                           "month": [("2001-05", 2), ("2001-06", 1)],
                           "sender_domain": [("enron.com", 2)]}
    alone = engine.search(SearchSpec(parse("NOT memo"), ZONE, facets=False))
    assert (alone.total, [h.id for h in alone.hits], alone.facets) == (1, ["d"], {})
    assert engine.count() == 4


def test_sorts(engine: EmbeddedEngine) -> None:
    engine.index([doc("b", body="audit", date="2001-01-02T00:00:00Z"),
                  doc("a", body="audit audit audit", date="2001-01-02T00:00:00Z"),
                  doc("c", body="audit and a great many other words in a long body",
                      date="2003-01-01T00:00:00Z"),
                  doc("u", body="audit"), doc("m", custodians=["k"], date="2002-01-01T00:00:00Z")])
    query = parse("audit OR custodian:k")

    def order(sort: str) -> list[str]:
        return [h.id for h in engine.search(SearchSpec(query, ZONE, sort=sort)).hits]
    assert order("newest") == ["c", "m", "a", "b", "u"]
    assert order("oldest") == ["a", "b", "m", "c", "u"]
    relevance = engine.search(SearchSpec(query, ZONE)).hits
    assert [h.id for h in relevance] == ["a", "b", "u", "c", "m"]  # equal scores: by id
    assert relevance[-1].score == 0.0 and relevance[0].score and relevance[0].score > 0
    text_only = engine.search(SearchSpec(parse("audit"), ZONE)).hits  # scored in one FTS5 pass
    assert [h.id for h in text_only] == ["a", "b", "u", "c"]
    assert [h.score for h in text_only] == [h.score for h in relevance[:4]]
    assert engine.search(SearchSpec(query, ZONE, sort="newest")).hits[0].score is None


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_paging_returns_every_hit_once(engine: EmbeddedEngine, sort: str) -> None:
    rng = random.Random(7)
    engine.index([doc(f"d{i:02}", body="word " * rng.randint(1, 3) + "filler " * rng.randint(0, 3),
                      date=None if i % 5 == 0 else f"2001-0{1 + i % 3}-01T00:00:00Z")
                  for i in range(37)])
    query = parse("word")
    everything = engine.search(SearchSpec(query, ZONE, sort=sort, size=100)).hits
    seen, cursor, pages = [], None, 0
    while True:
        page = engine.search(SearchSpec(query, ZONE, sort=sort, size=5, cursor=cursor))
        assert page.total == 37
        seen += page.hits
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert pages == 8 and seen == everything and len({h.id for h in seen}) == 37


def test_bad_cursor(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", body="x"), doc("b", body="x")])
    first = engine.search(SearchSpec(parse("x"), ZONE, sort="newest", size=1))
    assert first.cursor is not None
    for cursor in ("not a cursor", "WyJuZXdlc3QiXQ==", first.cursor[:-3]):
        with pytest.raises(BadCursor):
            engine.search(SearchSpec(parse("x"), ZONE, sort="newest", cursor=cursor))
    with pytest.raises(BadCursor):  # a cursor of another sort
        engine.search(SearchSpec(parse("x"), ZONE, sort="oldest", cursor=first.cursor))


def test_too_broad(engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.index([doc("a", body=" ".join(f"w{i}x" for i in range(12)) + " end")])
    monkeypatch.setattr(embedded_query, "MAX_EXPANSION", 10)
    monkeypatch.setattr(embedded_query, "MAX_WORD_EXPANSION", 11)
    monkeypatch.setattr(embedded_query, "MAX_COMBINATIONS", 20)
    assert found(engine, '"w?x w1?x"') == ["a"]  # 10 x 2 phrases
    with pytest.raises(QueryTooBroad):
        found(engine, '"w*x end"')  # 12 words in a phrase
    with pytest.raises(QueryTooBroad):
        found(engine, "w*x")  # 12 words alone
    with pytest.raises(QueryTooBroad):
        found(engine, "w?x w/3 (w1?x OR w?x)")  # 10 x 12 NEAR groups
    assert found(engine, "w*") == ["a"]  # a prefix needs no expansion


def test_reindex_replaces_text_and_refuses_bad_dates(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", body="original words", custodians=["x"])])
    refused = engine.index([doc("a", body="replacement", custodians=["y"]),
                            doc("bad", date="yesterday")])
    assert list(refused) == ["bad"]
    assert found(engine, "original") == [] and found(engine, "replacement") == ["a"]
    assert found(engine, "orig?nal") == [] and found(engine, "repl?cement") == ["a"]
    assert found(engine, "custodian:x") == [] and found(engine, "custodian:y") == ["a"]
    assert engine.count() == 1


def test_versions(engine: EmbeddedEngine, tmp_path: Path) -> None:
    assert engine.current_version() == 0
    engine.index([doc("old", body="kept")])
    assert engine.current_version() == 1
    version = engine.new_version()
    assert version == 2 and engine.current_version() == 1
    engine.index([doc("new", body="fresh")], version=version)
    assert found(engine, "fresh") == [] and engine.count() == 1
    engine.activate(version)
    assert engine.current_version() == 2 and found(engine, "fresh") == ["new"]
    assert not (tmp_path / "index" / "index-v1.sqlite").exists()


def test_refuses_an_index_of_the_older_layout(engine: EmbeddedEngine, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "index" / "index-v1.sqlite") as old:
        old.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT)")
    with pytest.raises(IndexOutdated, match="custodia reindex"):
        engine.count()


def test_facets_follow_another_process_writes(engine: EmbeddedEngine) -> None:
    engine.index([doc("a", body="memo", custodians=["x"], month="2001-05"),
                  doc("b", body="memo", custodians=["x", "y"], month="2001-06")])
    assert engine.search(SearchSpec(parse("memo"), ZONE)).facets["custodian"] == [("x", 2), ("y", 1)]
    # another process replaces "a" (new custodian, type and month) and adds "c"
    script = ("import sys; from pathlib import Path; from search.documents import IndexDoc; "
              "from search.embedded import EmbeddedEngine; EmbeddedEngine(Path(sys.argv[1])).index(["
              "IndexDoc(id='a', family_id='a', kind='voicemail', body='memo', custodians=['z'], "
              "month='2001-07'), IndexDoc(id='c', family_id='c', kind='email', body='memo', "
              "custodians=['y'], month='2001-07')])")
    subprocess.run([sys.executable, "-c", script, str(engine.directory)], check=True)
    page = engine.search(SearchSpec(parse("memo"), ZONE))
    assert page.total == 3
    assert page.facets == {"custodian": [("y", 2), ("x", 1), ("z", 1)],
                           "type": [("email", 2), ("voicemail", 1)],
                           "month": [("2001-07", 2), ("2001-06", 1)], "sender_domain": []}


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("query", ["tie", "tie OR type:voicemail", "tie NOT type:voicemail",
                                   "type:voicemail", "lone", "custodian:k", "from:pad",
                                   "tie OR from:pad"])
def test_first_page_as_the_full_sort_would_give(engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch,
                                                sort: str, query: str) -> None:
    """Many tied scores and dates (past the first page's top-N) and undated hits."""
    rng = random.Random(3)
    engine.index([doc(f"d{rng.randint(0, 10**6):07}-{i}", body="tie " + "pad " * (i % 2),
                      kind="voicemail" if i % 4 == 0 else "email", custodians=["k"],
                      sender="pad" if i % 300 == 0 else "",  # few: ids looked up, not walked
                      date=None if i % 7 == 0 else f"2001-0{1 + i % 2}-01T00:00:00Z")
                  for i in range(1200)] + [doc("lone", body="lone")])

    def first(size: int) -> tuple[object, ...]:
        page = engine.search(SearchSpec(parse(query), ZONE, sort=sort, size=size))
        return page.total, page.hits, page.facets, page.cursor
    fast = [first(size) for size in (1, 20, 900)]
    monkeypatch.setattr(embedded_pages, "first_page", lambda *args: None)
    assert fast == [first(size) for size in (1, 20, 900)]


@pytest.mark.parametrize("layout", [2, 3, 4, 5])
def test_upgrades_an_index_of_an_older_layout(engine: EmbeddedEngine, tmp_path: Path,
                                              layout: int) -> None:
    engine.index([doc("a", body="memo", custodians=["x"])])
    threads = ("DROP INDEX documents_thread; ALTER TABLE documents DROP COLUMN thread_id; "
               "ALTER TABLE documents DROP COLUMN inclusive; ")
    near = ("DROP INDEX documents_near_duplicate_group; "
            "ALTER TABLE documents DROP COLUMN near_duplicate_group; ")
    undo = {5: "PRAGMA user_version = 5",
            4: threads + "PRAGMA user_version = 4",
            3: threads + "ALTER TABLE documents DROP COLUMN version; PRAGMA user_version = 3",
            2: threads + "DROP INDEX documents_generation; ALTER TABLE documents DROP COLUMN "
                         "generation; ALTER TABLE documents DROP COLUMN version; DROP TABLE meta; "
                         "PRAGMA user_version = 2"}
    with sqlite3.connect(tmp_path / "index" / "index-v1.sqlite") as old:
        old.executescript(near + undo[layout])
    group = "3f2b9c1e-0d4a-4e8f-9b6a-2c7d5e1f0a93"
    engine.index([doc("b", body="memo", custodians=["y"], near_duplicate_group=group)])
    page = engine.search(SearchSpec(parse("memo"), ZONE))
    assert page.total == 2 and page.facets["custodian"] == [("x", 1), ("y", 1)]
    assert engine.matching(parse(f"neardup:{group}"), ZONE) == {"b": "b"}


def test_an_older_copy_sent_last_does_not_replace_a_newer_one(engine: EmbeddedEngine) -> None:
    """Two workers may index one document at once; the newest generation stays."""
    newer, older = doc("a", body="renamed", version=3), doc("a", body="original", version=2)
    engine.index([newer])
    engine.index([older])
    assert engine.matching(parse("renamed"), ZONE) and not engine.matching(parse("original"), ZONE)
    engine.index([doc("a", body="again", version=3)])  # the same generation: a rewrite
    assert engine.matching(parse("again"), ZONE)


VOCAB = ["alpha", "alps", "beta", "bet", "gas", "gamma", "price", "prize", "été", "x"]
FIELDS = ["", "", "", "subject:", "body:", "to:", "participant:"]


def _corpus(rng: random.Random) -> list[IndexDoc]:
    def text(n: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, n)))
    return [doc(f"r{i}", subject=text(4), body=text(12), sender=text(2), to=[text(2), text(1)],
                cc=[text(2)], kind=rng.choice(["email", "attachment", "voicemail"]),
                custodians=rng.sample(["ann", "bob", "bo-x"], rng.randint(0, 2)),
                has_attachment=rng.random() < 0.3,
                date=None if rng.random() < 0.2 else
                f"2024-03-{rng.randint(9, 11):02}T{rng.randint(0, 23):02}:30:00-0{rng.randint(5, 7)}:00")
            for i in range(60)]


def _query(rng: random.Random, depth: int = 0) -> str:
    def word() -> str:
        w, roll = rng.choice(VOCAB), rng.random()
        if roll < 0.15:
            return w[:rng.randint(1, 3)] + "*"
        if roll < 0.3 and len(w) > 2:
            return w[:1] + rng.choice(["?", "*"]) + w[2:]
        return w

    def operand() -> str:
        roll = rng.random()
        if roll < 0.2:
            return f'"{word()} {word()}"'
        return f"({word()} OR {word()})" if roll < 0.35 else word()
    roll = rng.random()
    if depth < 2 and roll < 0.35:
        op = rng.choice([" AND ", " OR ", " "])
        return f"({_query(rng, depth + 1)}{op}{_query(rng, depth + 1)})"
    if roll < 0.45:
        return "NOT " + _query(rng, depth + 1)
    if roll < 0.7:
        near = f"{rng.choice(['w', 'pre'])}/{rng.randint(1, 4)}"
        return f"{rng.choice(FIELDS).rstrip(':') + ':' if rng.random() < 0.3 else ''}" \
               f"({operand()} {near} {operand()})".lstrip(":")
    return rng.choice([rng.choice(FIELDS) + operand(), "custodian:bo*", "custodian:ann",
                       "type:attachment", "has:attachment", "date:2024-03-10", "after:2024-03-09"])


@pytest.mark.usefixtures("near_check")
def test_agrees_with_the_definition_on_random_queries(engine: EmbeddedEngine) -> None:
    rng = random.Random(20240310)
    corpus = _corpus(rng)
    engine.index(corpus)
    prepared = oracle.prepare(corpus)
    checked = 0
    while checked < 400:
        text = _query(rng)
        try:
            tree = parse(text)
        except QueryError:
            continue
        expected = oracle.search(tree, prepared, ZONE)
        assert engine.matching(tree, ZONE) == expected, text
        if checked % 8 == 0:  # search() collects its hits by another path
            page = engine.search(SearchSpec(tree, ZONE, sort=rng.choice(SORTS), size=100))
            assert (page.total, {h.id for h in page.hits}) == (len(expected), set(expected)), text
        checked += 1


def test_text_and_filters_are_read_from_the_text_matches() -> None:
    """The fast path for the commonest e-discovery search: terms within a custodian and dates."""
    compile_query = embedded_query.compile_query

    def expand(pattern: str, columns: tuple[str, ...], limit: int) -> list[str]:
        return []

    compiled = compile_query(parse("gas custodian:allen-p date:2001"), ZONE, expand)
    assert compiled.driven is not None and compiled.driven[0] == '"gas"'
    assert "EXISTS" in compiled.driven[1]
    assert compiled.screen is not None and compiled.screen[0] == '"gas"'  # the rest from arrays
    metadata = compile_query(parse("custodian:allen-p date:2001"), ZONE, expand)
    assert metadata.driven is None and metadata.screen is not None and metadata.screen[0] is None
    mixed = compile_query(parse("gas custodian:x NOT body:oil"), ZONE, expand)  # text in the rest
    assert mixed.screen is None and mixed.driven is not None


def _metadata_query(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 2 and roll < 0.4:
        op = rng.choice([" AND ", " OR ", " "])
        return f"({_metadata_query(rng, depth + 1)}{op}{_metadata_query(rng, depth + 1)})"
    if roll < 0.5:
        return "NOT " + _metadata_query(rng, depth + 1)
    return rng.choice(["custodian:bo*", "custodian:ann", "custodian:b?b", "custodian:nobody",
                       "type:attachment", "type:voicemail", "has:attachment", "date:2024-03-10",
                       "after:2024-03-10", "before:2024-03-10", "date:2024-03-09..2024-03-10"])


def test_metadata_from_the_arrays_agrees_with_the_definition(engine: EmbeddedEngine) -> None:
    """Metadata alone, or ANDed with words, is read from the document arrays (Compiled.screen)."""
    rng = random.Random(1848)
    corpus = _corpus(rng)
    engine.index(corpus[:40])
    engine.index(corpus[40:])  # the arrays catch up with a second generation
    prepared = oracle.prepare(corpus)
    for _ in range(150):
        text = _metadata_query(rng)
        if rng.random() < 0.5:
            text = f"{rng.choice(VOCAB)} AND {text}"
        tree = parse(text)
        expected = oracle.search(tree, prepared, ZONE)
        page = engine.search(SearchSpec(tree, ZONE, sort=rng.choice(SORTS), size=100))
        assert (page.total, {h.id for h in page.hits}) == (len(expected), set(expected)), text

