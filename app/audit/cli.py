"""`custodia audit verify` and `anchor`: recompute the chain; keep its head elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.audit import anchors
from app.audit import service as trail
from app.audit.chain import Verdict
from app.core.cli import console, fail, load_settings, outside_data_dir
from app.core.db import Database

cli = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def _verified(database: Database, checked: list[anchors.Anchor] | None = None) -> Verdict:
    with database.reading() as session:
        verdict = trail.verify(session)
        broken = anchors.broken_anchor(session, checked) if checked and verdict.intact else None
    if not verdict.intact:
        fail(f"audit trail BROKEN at entry {verdict.first_broken_seq}: {verdict.problem} "
             f"({verdict.entries_checked} entries before it are intact)", code=1)
    if broken:
        fail(f"audit trail chain is intact, but {broken}", code=1)
    return verdict


@cli.command("verify")
def audit_verify(
    anchors_file: Annotated[Path | None, typer.Option(
        "--anchors", help="Also check every anchor line of this file (`custodia audit anchor`)",
        dir_okay=False)] = None,
) -> None:
    """Recompute the audit hash chain; exit status 1 names the first broken entry, or the
    anchor the trail no longer reaches (its tail cut or rewritten)."""
    settings = load_settings()
    try:
        checked = anchors.read(anchors_file) if anchors_file is not None else None
    except anchors.AnchorsUnreadable as exc:
        fail(str(exc))
    database = Database(settings.resolved_database_url)
    try:
        verdict = _verified(database, checked)
    finally:
        database.dispose()
    also = f"; all {len(checked)} anchors match" if checked else ""
    # soft_wrap: the head hash is copied elsewhere as proof, so never broken across lines
    console.print(f"Audit trail intact: {verdict.entries_checked} entries, "
                  f"head {verdict.head_seq} {verdict.head_hash}{also}", highlight=False,
                  soft_wrap=True)


@cli.command("anchor")
def audit_anchor(
    file: Annotated[Path, typer.Argument(help="Anchors file, outside the data directory; "
                                               "the line is appended, the file never truncated",
                                          dir_okay=False)],
) -> None:
    """Verify the chain, then append its head (seq, hash, UTC time) to FILE."""
    settings = load_settings()
    target = outside_data_dir(settings, file, "the anchors file")
    database = Database(settings.resolved_database_url)
    try:
        verdict = _verified(database)
        now = database.clock.now()
    finally:
        database.dispose()
    if verdict.head_seq is None or verdict.head_hash is None:
        fail("the audit trail has no entries yet: there is nothing to anchor")
    anchor = anchors.anchor_of(verdict.head_seq, verdict.head_hash, now)
    try:
        anchors.append(target, anchor)
    except OSError as exc:
        fail(f"cannot append to {target}: {exc.strerror}")
    console.print(f"Anchored {anchor.text()} in {target}", highlight=False, soft_wrap=True)
