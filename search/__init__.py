"""Query language and search engines (embedded and Elasticsearch).

Imports nothing of Custodia's; takes and returns plain values.
"""
