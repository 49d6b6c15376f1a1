"""The performance harness of operations.md "Performance" (``python benchmarks/run.py``)."""
