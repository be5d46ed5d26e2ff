"""The sign-in throttle, counted once for the whole site.

DRF's ``ScopedRateThrottle`` reads a client's history from the cache, decides and writes it
back: two workers answering at the same moment can both read the same history and both let a
request through. Here the read-decide-write runs under a short lock in the same cache
(``cache.add`` is atomic in Redis and in the local-memory cache), so N a minute stays N.
"""

import time

from rest_framework.throttling import ScopedRateThrottle

LOCK_SECONDS = 2  # a worker that dies holding the lock delays the others this long at most
WAIT_SECONDS = 0.005


class SiteWideScopedRateThrottle(ScopedRateThrottle):
    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        key = self.get_cache_key(request, view) if self.scope else None
        if key is None:
            return super().allow_request(request, view)
        lock = f"{key}:lock"
        deadline = time.monotonic() + LOCK_SECONDS
        while not self.cache.add(lock, 1, LOCK_SECONDS) and time.monotonic() < deadline:
            time.sleep(WAIT_SECONDS)
        try:
            return super().allow_request(request, view)
        finally:
            self.cache.delete(lock)
