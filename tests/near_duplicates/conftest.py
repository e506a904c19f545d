from tests.review.conftest import admin, attorney, auditor, clerk

__all__ = ["admin", "attorney", "auditor", "clerk"]
