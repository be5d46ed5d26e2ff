"""``manage.py seed_demo``: the command lives with its data in :mod:`crm.demo`."""

from crm.demo.seed import Command

__all__ = ["Command"]
