"""Benchmarks that print ratios (DESIGN.md: speed is measured by benchmarks, not timed tests)."""
