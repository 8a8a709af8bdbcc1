"""Benchmarks and evaluation scripts (importable for the metric helpers in evaluate.py)."""
