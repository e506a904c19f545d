"""Records requests under CORA: the clerk's case file and its clock."""
