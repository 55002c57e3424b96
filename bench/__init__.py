"""Benchmarks of Kapula against raw SpiffWorkflow; run `python bench/run.py`."""
