"""Every resource of the API, named once: the generic tests read it.

The resource tests (tests/api/base.py), the OWASP matrix (tests/hardening/test_owasp.py), the
fuzzing (tests/hardening/test_fuzz.py), the query counts (tests/api/test_query_counts.py) and the
shapes (tests/performance/test_shapes.py) take the resources from here, and
``test_the_registry_names_every_resource_of_the_router`` holds it to the router. A new resource
is one line here (and its factory).
"""

from __future__ import annotations

from dataclasses import dataclass

from crm import models
from tests import factories
from tests.webhooks.factories import WebhookSubscriptionFactory


@dataclass(frozen=True)
class Resource:
    endpoint: str  # its path under /api/v1/
    basename: str  # its URL names: ``<basename>-list``, ``<basename>-detail``
    model: type
    factory: type  # makes a record the API can show
    # Statements of a list page, however many rows it shows: the token with its user and roles,
    # then the page with its rows, count and many-to-many ids (docs/performance.md).
    queries: int = 2
    managers_only: bool = False  # only managers may read it


RESOURCES = {
    resource.endpoint: resource
    for resource in (
        Resource("users", "user", models.User, factories.UserFactory),
        Resource("industries", "industry", models.Industry, factories.IndustryFactory),
        Resource("companies", "company", models.Company, factories.CompanyFactory),
        Resource("contacts", "contact", models.Contact, factories.ContactFactory),
        Resource("trips", "trip", models.Trip, factories.TripFactory),
        Resource("meetings", "meeting", models.Meeting, factories.MeetingFactory),
        Resource("requests", "request", models.PartnerRequest, factories.PartnerRequestFactory),
        Resource("agreements", "agreement", models.Agreement, factories.AgreementFactory),
        Resource("projects", "project", models.Project, factories.ProjectFactory),
        Resource("capital-arrivals", "capitalarrival", models.CapitalArrival, factories.CapitalArrivalFactory),
        Resource("milestones", "milestone", models.Milestone, factories.MilestoneFactory),
        Resource("tasks", "task", models.Task, factories.TaskFactory),
        Resource("reminders", "reminder", models.Reminder, factories.ReminderFactory),
        Resource("targets", "investmenttarget", models.InvestmentTarget, factories.InvestmentTargetFactory),
        Resource("webhooks", "webhook", models.WebhookSubscription, WebhookSubscriptionFactory, managers_only=True),
    )
}
