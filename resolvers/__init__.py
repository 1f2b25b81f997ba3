"""Queries and mutations: load rows in batches, build facts, call db and policies."""
