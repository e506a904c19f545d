"""The composition point of background work: every job handler and periodic task.

app.core knows no domain, so each domain registers its handlers in app.core.jobs.REGISTRY
from its own module; importing that module here is what puts it in the workers
(`custodia worker` and the in-process worker). Add a domain's tasks module below.
"""

from __future__ import annotations


def load() -> None:
    """Register every handler (importing a module twice registers nothing twice)."""
    import app.core.mail_sender  # noqa: F401 - "mail.send", every minute
    import ingest.tasks  # noqa: F401 - "ingest", "index.pending", "extract.retry"
