"""Settings of the throughput run: the project's, with the benchmark's URLconf and no query log."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "perf.bench.urls"
# DEBUG keeps a log of every query; production does not, and neither does this run.
DEBUG = False
