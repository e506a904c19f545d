"""Custodia: public-records e-discovery and legal holds for a city."""
