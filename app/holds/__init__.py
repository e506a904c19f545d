"""Legal holds: matters whose records nothing may destroy, and the documents they cover."""
