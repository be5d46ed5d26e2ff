"""One module per resource of the API: its write serializer, filter set, viewset and list shape.

``crm/api/urls.py`` registers them; ``tests/registry.py`` names each once for the generic tests.
"""
