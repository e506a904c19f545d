"""Productions: Bates-stamped release packages with load files, logs and a leak check."""
