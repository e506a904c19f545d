"""The job-queue fixtures: a database on a frozen clock, and job services."""

from tests.jobs.conftest import clock, frozen_db, services  # noqa: F401 - fixtures
