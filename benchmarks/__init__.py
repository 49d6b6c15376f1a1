"""The performance harness of docs/operations.md s5 (``python benchmarks/run.py``)."""
