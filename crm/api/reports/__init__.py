"""Stats, partner timelines and briefings (``stats/``, ``companies/{id}/…``).

The figures come from :mod:`crm.reports.stats`, :mod:`crm.reports.timeline` and :mod:`crm.reports.briefing`; these modules
read the query, checks it (400 naming the field), and write JSON, XLSX (``?format=xlsx``) or the
printable briefing (``?format=html``). Definitions: ``docs/stats.md``.

- ``base.py``: the renderers, the report views' check of the query, money/rate/day/link fields;
- ``stats.py``: the four ``stats/`` reports; ``companies.py``: a partner's timeline and briefing.
"""

from .companies import CompanyBriefingView, CompanyTimelineView
from .stats import EventStatsView, KPIStatsView, PipelineStatsView, SignedStatsView

__all__ = [
    "CompanyBriefingView",
    "CompanyTimelineView",
    "EventStatsView",
    "KPIStatsView",
    "PipelineStatsView",
    "SignedStatsView",
]
