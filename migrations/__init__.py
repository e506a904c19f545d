"""Alembic migrations; shipped as a package so an installed Custodia can migrate."""
