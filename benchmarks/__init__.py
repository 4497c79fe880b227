"""Benchmarks: ``python -m benchmarks`` prints the results table (see docs/benchmarks.md)."""
