"""The reports leaders read: the figures (``stats``), a partner's timeline and its briefing.

Each is a set of plain functions taking the reading user, narrowed by ``crm.access`` like every
other reader; ``crm/api/reports/`` serves them and the admin's dashboard draws from ``stats``.
"""
