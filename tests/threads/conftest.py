from tests.ingest.conftest import run_ingest, runtime  # noqa: F401 - the same ingest fixtures
from tests.review.conftest import auditor, clerk  # noqa: F401 - signed-in users
