"""Queries and mutations only: each orchestrates db (rows), policies (decisions) and views."""
