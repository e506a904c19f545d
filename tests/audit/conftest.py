"""The job-queue fixtures, for the daily anchor task."""

from tests.jobs.conftest import clock, frozen_db, services  # noqa: F401 - fixtures
