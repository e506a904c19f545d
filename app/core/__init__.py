"""Shared plumbing: settings, database sessions, errors, time."""
