"""Text extraction: built-in extractors by default, the Tika server when configured."""
