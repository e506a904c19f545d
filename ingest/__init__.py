"""Getting mail and voicemail in: sources, extractors, normalization, dedup, workers."""
