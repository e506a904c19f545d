"""Letters to requesters: templates the city edits, rendered in a sandbox, sent as PDF."""
