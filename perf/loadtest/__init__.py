"""Load and soak tests of the API against gunicorn on loopback (issue 8, docs/reliability.md).

``workload``: the mixed staff workflow of one virtual user, the threads that run many of them,
and the statistics (percentiles, errors by status, per-interval figures for recovery).
``stack``: starts gunicorn, the Celery worker and beat as production runs them, prepares the
staff accounts and measures the processes' resident memory.
``python -m perf.loadtest`` is the command line over both.
"""
