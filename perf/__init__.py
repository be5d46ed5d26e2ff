"""Performance tooling, not shipped with the product: ``perf.bench`` (``make bench``: every list
against its raw-SQL floor) and ``perf.loadtest`` (``python -m perf.loadtest``: load and soak runs
against gunicorn). See docs/performance.md and docs/reliability.md."""
