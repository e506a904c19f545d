"""The web UI for staff: server-rendered pages over the same domain services as the API."""
