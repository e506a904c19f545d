"""Retention: schedules per record class, purge runs with certificates, guarded deletion."""
