"""Production throughput beside raw WeasyPrint on the same e-mails, and peak memory by size.

    .venv/bin/python bench/production.py [--documents 300] [--sizes 1000,10000]
                                         [--workdir DIR] [--skip-pages] [--skip-memory]

Everything runs on the embedded setup (SQLite in a fresh data dir under --workdir, default
a temporary folder), through the real services: a clerk, a request, e-mails inserted as
catalog rows, the review set filled with review.add_documents, an SSN in one e-mail of
three redacted with redaction.add (accepted, SSN citation), a Bates series, the draft by
productions.service.create, and the package built by productions.build.build (the
function the "productions.build" job runs): render, Bates stamp, zip, load files, logs,
then the leak verifier, which is timed on its own and reported apart.

1. Pages per second: --documents e-mails of a few paragraphs (2 to 9, so 1 to 3 pages)
   built into one production, beside the baseline: raw WeasyPrint,
   HTML(string=page).write_pdf(stylesheets=[css]), of the same page (the same headers table,
   the same body with the same boxes, the same stylesheet parsed once), every e-mail in
   turn. Prints pages, seconds and pages/s of both, and the ratio (target >= 0.7x).
2. Peak memory: for each of --sizes, one subprocess inserts that many short e-mails (one in
   ten with a redacted SSN) and a fresh subprocess builds the production, reporting its
   peak RSS (VmHWM), its RSS every tenth of the way and its peak once the package is
   written (before the verifier). Prints each and peak(largest) / peak(smallest)
   (flat: under 1.5x).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]  # noqa: E402

from app import tasks  # noqa: E402
from app.auth import service as auth  # noqa: E402
from app.auth.deps import Principal  # noqa: E402
from app.core import migrations  # noqa: E402
from app.core.audit import Actor  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.core.settings import Settings  # noqa: E402
from app.models import (  # noqa: E402
    Channel,
    Document,
    DocumentKind,
    DocumentText,
    Production,
    RecordsRequest,
    RequesterCategory,
    RequestStatus,
    Role,
    TextStatus,
    User,
)
from app.productions import build, series, service  # noqa: E402
from app.productions.render.html import PRODUCTION_DIR, redacted_html  # noqa: E402
from app.productions.render_document import boxes, headers  # noqa: E402
from app.productions.schemas import ProductionIn, SeriesIn  # noqa: E402
from app.redaction import service as redaction  # noqa: E402
from app.review import service as review  # noqa: E402

ACTOR = Actor("bench", "127.0.0.1", "bench")
WORDS = ("the city council water main permit budget hearing invoice street repair contract "  # noqa: SIM905
         "schedule department manager resident complaint parking meeting agenda review "
         "approval engineering report traffic signal crew overtime library park").split()
SSN_EVERY_PAGES_RUN = 3
SSN_EVERY_MEMORY_RUN = 10


def paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def body(rng: random.Random, number: int, paragraphs: int, ssn: bool) -> str:
    parts = [f"Message {number}."] + [paragraph(rng) for _ in range(paragraphs)]
    if ssn:
        parts.insert(1, f"The resident's SSN is {rng.randint(100, 665)}-{rng.randint(10, 99)}-"
                        f"{rng.randint(1000, 9999)} on the form.")
    return "\n\n".join(parts)


def open_database(data_dir: Path) -> tuple[Settings, Database]:
    settings = Settings(data_dir=data_dir, in_process_worker=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    tasks.load()
    return settings, Database(settings.resolved_database_url)


def prepare(data_dir: Path, count: int, short: bool, ssn_every: int) -> uuid.UUID:
    """A migrated database holding `count` e-mails in a request's review set, the SSNs
    redacted, and a drafted production of them; its id."""
    settings, database = open_database(data_dir)
    migrations.upgrade(database.engine)
    rng = random.Random(2026)
    with database.transaction() as session:
        user = auth.create_user(session, ACTOR, "bench-clerk", [Role.clerk],
                                "correct horse battery staple")
        user_id = user.id
        request = RecordsRequest(
            number="2026-BENCH", requester_name="Pat Q. Public",
            category=RequesterCategory.general, description="E-mail about the water budget",
            channel=Channel.web, received_at=datetime(2026, 11, 30, 16, tzinfo=UTC),
            status=RequestStatus.received, due_date=date(2026, 12, 3), departments=["clerk"])
        session.add(request)
        session.flush()
        request_id = request.id
    ids: list[uuid.UUID] = []
    ssns: list[tuple[uuid.UUID, str]] = []
    sent = datetime(2026, 1, 5, 15, tzinfo=UTC)
    for start in range(0, count, 1000):  # a transaction per thousand rows
        with database.transaction() as session:
            for number in range(start, min(count, start + 1000)):
                document_id = uuid.uuid4()
                text = body(rng, number, 1 if short else rng.randint(2, 9),
                            number % ssn_every == 0)
                session.add(Document(
                    id=document_id, kind=DocumentKind.email, family_id=document_id,
                    subject=f"Water main repair, message {number}", text_status=TextStatus.ok,
                    sender={"name": "Ann Clerk", "email": "ann@city.example"},
                    recipients={"to": [{"name": "Bo Engineer", "email": "bo@city.example"}],
                                "cc": [{"name": "", "email": "council@city.example"}]},
                    sent_at=sent + timedelta(minutes=number)))
                session.flush()
                session.add(DocumentText(document_id=document_id, text=text, extractor="bench"))
                ids.append(document_id)
                if number % ssn_every == 0:
                    ssns.append((document_id, text))
    with database.transaction() as session:
        user = session.get_one(User, user_id)
        principal = Principal(user, Actor(user.username, "127.0.0.1", "bench", str(user.id)),
                              "password")
        request = session.get_one(RecordsRequest, request_id)
        review.add_documents(session, principal, request, ids)
        for document_id, text in ssns:
            start = text.index("SSN is ") + len("SSN is ")
            redaction.add(session, settings, principal, document_id, start, start + 11,
                          "Social Security number", "SSN", request)
        city = series.create(session, ACTOR, SeriesIn(prefix="CITY",
                                                      endorsement="Produced under CORA"))
        production = service.create(session, principal, settings,
                                    ProductionIn(series_id=city.id, request_id=request.id))
        production_id = production.id
    database.dispose()
    return production_id


class VerifierTimer:
    """Times the leak verifier inside the build (service.verify calls verify_package)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.real = service.verify_package

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def built(database: Database, production_id: uuid.UUID) -> tuple[Production, list[Any]]:
    with database.reading() as session:
        production = session.get_one(Production, production_id)
        pages = list(session.scalars(service.documents_of(production)))
        session.expunge_all()
    return production, pages


# --- 1. pages per second ---------------------------------------------------------------------

def email_pages(data_dir: Path) -> list[str]:
    """The HTML page the pipeline lays out for each e-mail of the production, in order."""
    settings, database = open_database(data_dir)
    quotes = []
    pages = []
    with database.reading() as session:
        production = session.scalars(service.listing()).first()
        assert production is not None
        quotes = sorted(service.redacted_strings(session, production), key=lambda q: (-len(q), q))
        for entry in session.scalars(service.documents_of(production)):
            document = session.get_one(Document, entry.document_id)
            text = document.text.text if document.text else ""
            rows = "".join(f"<tr><th>{name}</th><td>{redacted_html(value, [])}</td></tr>"
                           for name, value in headers(document, quotes))
            page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="email">'
                    f'<table class="headers">{rows}</table><div class="text">'
                    f'{redacted_html(text, boxes(list(entry.redactions)))}</div></body></html>')
            pages.append(page)
    database.dispose()
    return pages


def raw_weasyprint(pages: list[str]) -> tuple[int, float]:
    """Pages and seconds of HTML(string=...).write_pdf() over every page, after one warm-up:
    the stylesheet parsed once, one font configuration (as the pipeline keeps them)."""
    fonts = FontConfiguration()
    css = CSS(filename=str(PRODUCTION_DIR / "production.css"), font_config=fonts)
    base_url = PRODUCTION_DIR.as_uri() + "/"
    HTML(string=pages[0], base_url=base_url).write_pdf(stylesheets=[css], font_config=fonts)
    count = 0
    started = time.perf_counter()
    for page in pages:
        document = HTML(string=page, base_url=base_url).render(stylesheets=[css],
                                                               font_config=fonts)
        count += len(document.pages)
        document.write_pdf()
    return count, time.perf_counter() - started


def pages_per_second(args: argparse.Namespace) -> None:
    data_dir = args.workdir / f"pages-{args.documents}"
    started = time.perf_counter()
    production_id = prepare(data_dir, args.documents, short=False, ssn_every=SSN_EVERY_PAGES_RUN)
    print(f"set up {args.documents} e-mails (one in {SSN_EVERY_PAGES_RUN} with a redacted SSN) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    settings, database = open_database(data_dir)
    timer = VerifierTimer()
    service.verify_package = timer
    started = time.perf_counter()
    build.build(database, settings, ACTOR, production_id)
    took = time.perf_counter() - started
    service.verify_package = timer.real
    production, entries = built(database, production_id)
    database.dispose()
    assert production.status.value == "verified", production.verification
    pages = sum(e.pages or 0 for e in entries)
    package = took - timer.seconds
    base_pages, base = raw_weasyprint(email_pages(data_dir))
    print(f"\n{args.documents} e-mails, {pages} pages "
          f"({sum(1 for e in entries if e.redactions)} redacted), package "
          f"{production.package_size / 1e6:.1f} MB")
    print(f"{'':38}{'pages':>7}{'seconds':>9}{'pages/s':>9}")
    print(f"{'raw WeasyPrint, same pages':38}{base_pages:>7}{base:>9.1f}{base_pages / base:>9.1f}")
    print(f"{'production build (without verifier)':38}{pages:>7}{package:>9.1f}"
          f"{pages / package:>9.1f}  {(pages / package) / (base_pages / base):.2f}x the baseline "
          "(target >= 0.7x)")
    print(f"{'leak verifier':38}{pages:>7}{timer.seconds:>9.1f}{pages / timer.seconds:>9.1f}")
    print(f"{'build with the verifier':38}{pages:>7}{took:>9.1f}{pages / took:>9.1f}  "
          f"{(pages / took) / (base_pages / base):.2f}x")


# --- 2. peak memory --------------------------------------------------------------------------

def status(field: str) -> int:
    """A /proc/self/status figure in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def build_child(data_dir: Path, production_id: uuid.UUID) -> dict[str, Any]:
    """In its own process: build the production; RSS along the way and the peaks, in kB."""
    settings, database = open_database(data_dir)
    samples: list[int] = []
    written: list[int] = []

    def progress(done: int, documents: int) -> None:
        if done % max(1, documents // 10) == 0 or done == documents:
            samples.append(status("VmRSS"))
        if done == documents:
            written.append(status("VmHWM"))

    timer = VerifierTimer()
    service.verify_package = timer
    start_rss = status("VmRSS")
    started = time.perf_counter()
    build.build(database, settings, ACTOR, production_id, progress)
    took = time.perf_counter() - started
    production, entries = built(database, production_id)
    return {"start_kb": start_rss, "samples_kb": samples, "written_peak_kb": written[-1],
            "peak_kb": status("VmHWM"), "seconds": took, "verifier_seconds": timer.seconds,
            "pages": sum(e.pages or 0 for e in entries), "status": production.status.value,
            "package_bytes": production.package_size}


def child(command: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *command], check=True,
                          capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peak_memory(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        data_dir = args.workdir / f"memory-{size}"
        started = time.perf_counter()
        production_id = child(["--child-prepare", str(size), "--data-dir", str(data_dir)])["id"]
        setup = time.perf_counter() - started
        result = child(["--child-build", production_id, "--data-dir", str(data_dir)])
        results[size] = result
        along = " ".join(f"{kb / 1024:.0f}" for kb in result["samples_kb"])
        print(f"{size:>6} e-mails, {result['pages']} pages ({result['status']}): set up "
              f"{setup:.0f} s, build {result['seconds']:.0f} s (verifier "
              f"{result['verifier_seconds']:.0f} s); RSS at start {result['start_kb'] / 1024:.0f} MB, "
              f"each tenth: {along} MB; peak writing {result['written_peak_kb'] / 1024:.0f} MB, "
              f"peak with the verifier {result['peak_kb'] / 1024:.0f} MB", flush=True)
    small, large = results[min(sizes)], results[max(sizes)]
    print(f"peak({max(sizes)}) / peak({min(sizes)}): {large['peak_kb'] / small['peak_kb']:.2f}x "
          f"(writing the package: {large['written_peak_kb'] / small['written_peak_kb']:.2f}x; "
          "flat: < 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child-prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_prepare is not None:
        production_id = prepare(args.data_dir, args.child_prepare, short=True,
                                ssn_every=SSN_EVERY_MEMORY_RUN)
        print(json.dumps({"id": str(production_id)}))
        return
    if args.child_build is not None:
        print(json.dumps(build_child(args.data_dir, uuid.UUID(args.child_build))))
        return
    with tempfile.TemporaryDirectory(prefix="custodia-bench-production-") as scratch:
        args.workdir = args.workdir or Path(scratch)
        if not args.skip_pages:
            pages_per_second(args)
        if not args.skip_memory:
            peak_memory(args)


if __name__ == "__main__":
    main()
