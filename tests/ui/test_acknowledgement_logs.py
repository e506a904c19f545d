"""The custodian's page path carries the token like the API's did: no log line shows it."""

from __future__ import annotations

import logging

import pytest

from app.holds import notices
from app.portal import logs


def test_the_acknowledgement_page_path_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    assert notices.ACKNOWLEDGE_PATH == "/portal/acknowledgements/"  # what the mail links to
    line = 'GET /portal/acknowledgements/Abc-123_xyz?x=1 HTTP/1.1" 200'
    assert logs.redact(line) == 'GET /portal/acknowledgements/[redacted]?x=1 HTTP/1.1" 200'
    logs.install()  # for every logger (uvicorn's access log may not propagate to caplog)
    with caplog.at_level(logging.INFO):
        logging.getLogger("custodia.tests.access").info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1",
                                                 "POST", "/portal/acknowledgements/s3cret", 303)
    assert "s3cret" not in caplog.text
    assert "POST /portal/acknowledgements/[redacted] HTTP/1.1" in caplog.text
