"""Open Meetings Law triage: public bodies, their members, and the threads to read."""
