"""Benchmarks: `make bench` runs each module and prints its table."""
