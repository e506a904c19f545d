"""Near-duplicate groups: MinHash signatures, LSH bands, pivots, diffs and propagation."""
