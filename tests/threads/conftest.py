from tests.ingest.conftest import run_ingest, runtime  # noqa: F401 - the same ingest fixtures
