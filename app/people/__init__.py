"""The custodian directory: people, their addresses and their ingest custodian names."""
