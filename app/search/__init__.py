"""Searching the records: the query language over the configured engine."""
