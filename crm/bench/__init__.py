"""The performance benchmark (``manage.py benchmark``, ``make bench``); see docs/performance.md."""
