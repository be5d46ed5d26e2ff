"""The demo: the facts of the Changzhou delegation to Shenzhen (``data.py``) and the idempotent
seed that writes them through the services (``seed.py``, run as ``manage.py seed_demo``)."""
