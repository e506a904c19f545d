"""A request's review set: the documents found for it, and the reviewers' tags and citations."""
