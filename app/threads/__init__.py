"""E-mail threads and inclusive e-mails: which messages belong together, which to read."""
