"""Benchmarks of the real-time gateway against a bare websockets server: ``make bench``."""
