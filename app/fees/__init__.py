"""Fees under C.R.S. 24-72-205: rates as dated rows, time logged, estimates, invoices, payments."""
