"""Redaction: protected content found in documents' texts, and the reviewers' decisions on it."""
