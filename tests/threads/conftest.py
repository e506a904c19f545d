from tests.ingest.conftest import run_ingest, runtime  # noqa: F401 - the same ingest fixtures
from tests.review.conftest import clerk  # noqa: F401 - a signed-in clerk
