"""The performance benchmark (``python -m perf.bench``, ``make bench``); see docs/performance.md."""
