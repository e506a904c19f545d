from tests.ingest.conftest import run_ingest, runtime
from tests.review.conftest import admin, attorney, auditor, clerk

__all__ = ["admin", "attorney", "auditor", "clerk", "run_ingest", "runtime"]
