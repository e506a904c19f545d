"""The tamper-evident audit trail: record, list, export, verify."""
