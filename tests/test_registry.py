"""The registry of tests/registry.py names every resource of the router, as the router does."""

from crm.api.urls import router
from tests.registry import RESOURCES


def test_the_registry_names_every_resource_of_the_router():
    served = {prefix: (basename, viewset.shape.model) for prefix, viewset, basename in router.registry}
    named = {endpoint: (resource.basename, resource.model) for endpoint, resource in RESOURCES.items()}
    assert named == served


def test_each_factory_makes_a_record_of_its_resource():
    for resource in RESOURCES.values():
        assert resource.factory._meta.model is resource.model, resource.endpoint
