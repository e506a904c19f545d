"""Backups of the embedded deployment, and restoring them into an empty one."""
