"""Performance: the benchmark at a small scale, and what the pagination promises about ``count``."""
