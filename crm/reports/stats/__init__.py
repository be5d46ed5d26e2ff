"""The numbers leaders ask for: plain functions taking a user and filters, returning dicts of
Decimals, dates and ints (the API, the XLSX downloads and the admin dashboard share them).

Every definition is written down in ``docs/stats.md``.
"""

from .common import COUNTED_STATUSES, StatsInputError
from .events import CHECKPOINT_MONTHS, event_outcomes
from .kpis import kpis
from .pipeline import DEFAULT_STALLED_DAYS, pipeline_stats
from .signed import GROUP_BY, signed_stats

__all__ = [
    "CHECKPOINT_MONTHS",
    "COUNTED_STATUSES",
    "DEFAULT_STALLED_DAYS",
    "GROUP_BY",
    "StatsInputError",
    "event_outcomes",
    "kpis",
    "pipeline_stats",
    "signed_stats",
]
