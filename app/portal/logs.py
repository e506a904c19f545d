"""A portal token is a password in a URL path: no log line may carry it (a requester's
link, or a custodian's link to acknowledge a legal hold).

Every log record made in the process (uvicorn's access log, our own loggers, any
library's) has `/portal/<token>` (and `/portal/track/<token>`) replaced by
`/portal/[redacted]` in its message and arguments, as the record is made: before any
filter, handler or formatter sees it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# /api/v1/portal/<token>..., /api/v1/portal/acknowledgements/<token> (a legal-hold
# custodian's link) and the portal page /portal/track/<token>...; the portal's other pages
# (/portal/requests/new, /portal/language) have no token and are left readable.
_TOKEN_IN_PATH = re.compile(r"(/portal/(?:acknowledgements/|track/)?)"
                            r"(?!(?:requests|language|track|acknowledgements)(?:[/?#\s\"']|$))"
                            r"[^/?#\s\"']+")
REDACTED = r"\1[redacted]"


def redact(value: Any) -> Any:
    return _TOKEN_IN_PATH.sub(REDACTED, value) if isinstance(value, str) else value


class _RedactingFactory:
    def __init__(self, make: Any) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.make(*args, **kwargs)
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        return record


def install() -> None:
    """Redact portal tokens in every log record of this process (installed once)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))
