"""`custodia ingest`, `worker`, `reindex` and `verify-natives`."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.errors import Conflict
from app.models import Blob, IngestError, IngestJob
from ingest import indexer, jobs
from ingest.items import SourceItem
from ingest.pipeline import Outcome
from ingest.runtime import Runtime
from ingest.sources.base import SourceError
from ingest.sources.registry import open_sources

cli = typer.Typer()


@cli.command()
def ingest(
    sources: Annotated[list[str], typer.Argument(help="Files or folders: EML, MBOX, Maildir, "
                                                   "MSG, PST, zip, voicemail exports")],
    custodian: Annotated[str, typer.Option(help="Whose mail this is")],
    queue: Annotated[bool, typer.Option(help="Only queue the job for `custodia worker`")] = False,
) -> None:
    """Ingest mail and voicemail for one custodian, with progress and a summary."""
    from app import tasks

    tasks.load()  # holds see what this run stores
    settings = load_settings()
    runtime = Runtime.open(settings, open_database(settings))
    spec = {"type": "path", "paths": [str(s) for s in sources]}
    try:
        with runtime.database.transaction() as session:
            job_id = jobs.create_job(session, cli_actor(), custodian, spec).id
    except SourceError as exc:
        fail(str(exc))
    if queue:
        console.print(f"Queued ingest job {job_id}.")
        return
    runner = runtime.runner()
    total = sum(s.total_bytes() or 0 for s in open_sources(spec)) or None
    with _progress() as progress:
        task = progress.add_task("ingest", total=total, counts="")
        tally = {"items": 0, "quarantined": 0}
        files: set[str] = set()

        def advance(item: SourceItem, outcome: Outcome) -> None:
            tally["items"] += 1
            tally["quarantined"] += outcome == Outcome.quarantined
            files.add(item.source_id.split("#")[0].split("::")[0])  # mbox#n, archive::member
            progress.update(task, advance=len(item.native), counts=(
                f"{len(files)} files, {tally['items']} items, {tally['quarantined']} errors"))

        try:
            job = jobs.run_now(runner, job_id, advance)
        except Conflict as exc:
            fail(exc.detail)
        except OperationalError as exc:  # kept, not failed: a worker resumes it
            fail(f"the database stopped answering mid-ingest ({type(exc.orig).__name__}); "
                 f"what was stored is kept and job {job_id} resumes from its checkpoint "
                 f"when `custodia worker` runs", code=1)
        if job.status == "done" and total is not None:
            progress.update(task, completed=total)  # items' bytes need not add up to the files'
    _summary(runtime, job)
    if job.status != "done":
        fail(f"ingest job failed: {job.error}", code=1)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
        TransferSpeedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
        console=console,
    )


SHOWN = 20  # ingest errors listed in the summary; the API lists them all


def _summary(runtime: Runtime, job: IngestJob) -> None:
    table = Table(title=f"Ingest job {job.id} ({job.status})", show_header=False)
    for key in ("new", "duplicate", "known", "purged", "quarantined"):
        table.add_row(key, str(job.counts.get(key, 0)))
    table.add_row("MB read", f"{job.counts.get('bytes', 0) / 1e6:.1f}")
    console.print(table)
    with runtime.database.reading() as session:
        listed = select(IngestError).where(IngestError.job_id == job.id)
        total = session.scalar(select(func.count()).select_from(listed.subquery())) or 0
        errors = list(session.scalars(listed.order_by(IngestError.created_at).limit(SHOWN)))
    for error in errors:
        # A damaged message is kept as read (it is still a record); others are not stored.
        what = "kept, damaged" if error.document_id else "quarantined"
        console.print(f"  {what} {error.source_id}: {error.reason}", highlight=False,
                      markup=False)
    if total > len(errors):
        console.print(f"  ... and {total - len(errors)} more: GET /api/v1/ingest/errors"
                      f"?job_id={job.id}", highlight=False, markup=False)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="Stop when the queue is empty")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between looks at an empty queue")] = 2.0,
) -> None:
    """Run background jobs (ingest, indexing, mail, ...) and due periodic tasks until
    stopped."""
    from app import tasks

    tasks.load()
    settings = load_settings()
    runtime = Runtime.open(settings, open_database(settings))
    worker = runtime.runner().worker
    console.print(f"Worker {worker} waiting for jobs.")
    while True:
        try:
            if runtime.work(worker):
                continue
        except OperationalError as exc:  # the database is away (restarting): wait for it
            console.print(f"Database unavailable, retrying: {type(exc.orig).__name__}",
                          highlight=False, markup=False)
            time.sleep(poll)
            continue
        if once:
            return
        time.sleep(poll)


@cli.command()
def reindex() -> None:
    """Rebuild the search index from the database into a new version, then switch to it."""
    settings = load_settings()
    runtime = Runtime.open(settings, open_database(settings))
    total = indexer.rebuild(runtime.database, runtime.engine, runtime.settings.time_zone)
    indexer.index_pending(runtime.database, runtime.engine, runtime.settings.time_zone)
    console.print(f"Reindexed {total} documents into {runtime.engine.name} "
                  f"version {runtime.engine.current_version()}.")


@cli.command("verify-natives")
def verify_natives() -> None:
    """Re-hash every stored native against the hash recorded at ingest."""
    settings = load_settings()
    runtime = Runtime.open(settings, open_database(settings))
    with runtime.database.reading() as session:
        total = session.scalar(select(func.count()).select_from(Blob)) or 0
        digests = session.scalars(select(Blob.sha256).execution_options(yield_per=1000))
        problems = [(d, p) for d in digests if (p := runtime.store.verify(d))]
    for digest, problem in problems[:50]:
        console.print(f"  {digest}: {problem}", highlight=False)
    if problems:
        fail(f"{len(problems)} of {total} natives do not match their recorded hash", code=1)
    console.print(f"All {total} natives match their recorded SHA-256.")
