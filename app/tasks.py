"""The composition point of background work: every job handler, periodic task and hook.

app.core knows no domain, so each domain registers its handlers in app.core.jobs.REGISTRY
from its own module; importing that module here is what puts it in the workers
(`custodia worker` and the in-process worker). Ingest imports no domain either: the
domains' "documents stored" hooks are added here (ingest refuses to run without them).
Every entry point that runs jobs or ingests calls `load` first.
"""

from __future__ import annotations


def load() -> None:
    """Register every handler and hook (loading twice registers nothing twice)."""
    import app.audit.tasks  # noqa: F401 - "audit.anchor", daily
    import app.core.mail_sender  # noqa: F401 - "mail.send", every minute
    import app.productions.tasks  # noqa: F401 - "productions.build"
    import app.redaction.tasks  # noqa: F401 - "redaction.suggest", for a large review set
    import app.retention.tasks  # noqa: F401 - "retention.run", daily
    import ingest.tasks  # noqa: F401 - "ingest", "index.pending", "extract.retry"
    from app.holds.membership import under_hold
    from app.holds.tasks import hold_what_landed  # and "holds.remind", hourly
    from app.near_duplicates.tasks import group_what_landed  # and "near_duplicates.assign"
    from app.threads.service import thread_what_landed
    from ingest import hooks

    hooks.add(hold_what_landed)  # mail for a custodian under hold is held as it lands
    hooks.add(thread_what_landed)  # e-mail joins its thread, inclusive flags follow
    hooks.add_after(group_what_landed)  # each batch's new documents join their near-duplicates
    hooks.add_keeper(under_hold)  # even a message a purge removed before
    hooks.loaded()
