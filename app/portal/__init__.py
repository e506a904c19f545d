"""The requester's view of their request, through a secret link: no account needed."""
