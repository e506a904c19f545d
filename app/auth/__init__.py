"""Who may do what: passwords, bearer tokens, roles."""
