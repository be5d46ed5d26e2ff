"""Every registered admin's changelist, add and change pages answer, in a flat number of queries.

A manager opens the CRM's admins; the framework admins (API tokens, login lockouts) are for
superusers. Each changelist is measured with 10 and with 30 rows shown (for the CRM, rich rows
with references and many-to-many links): an N+1 would show as a difference. Read-only admins
(reminders, sweeps, stage changes, lockouts) have no add page: they answer 403 there.
"""

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.models import InvestmentTarget
from tests.admin.conftest import signed_in, staff
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    ProjectStageChangeFactory,
    ReminderFactory,
    ReminderSweepFactory,
    TaskFactory,
    TripFactory,
    UserFactory,
)
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookEventFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

READ_ONLY = {"crm.reminder", "crm.remindersweep", "crm.projectstagechange"}
READ_ONLY |= {"crm.webhookdelivery", "crm.webhookevent"}  # written by the outbox and the sweep


def _world():
    user = UserFactory(role="editor", full_name="跟进人")
    industry = IndustryFactory(name="新能源")
    company = CompanyFactory(owner=user)
    project = ProjectFactory(company=company, owner=user)
    project.industries.set([industry])
    trip = TripFactory(owner=user, leader=ContactFactory(company=company))
    meeting = MeetingFactory(trip=trip, owner=user)
    return {
        "user": user,
        "industry": industry,
        "company": company,
        "project": project,
        "meeting": meeting,
        "trip": trip,
    }


def _rows(label: str, n: int, w: dict) -> None:
    """``n`` more rows of the model, each with everything its list shows."""
    for _ in range(n):
        match label:
            case "crm.industry":
                IndustryFactory(parent=w["industry"])
            case "crm.company":
                company = CompanyFactory(parent=w["company"], owner=w["user"])
                company.industries.set([w["industry"]])
                ContactFactory(company=company)
            case "crm.contact":
                ContactFactory(company=w["company"])
            case "crm.trip":
                TripFactory(owner=w["user"], leader=ContactFactory(company=w["company"]))
            case "crm.meeting":
                meeting = MeetingFactory(trip=w["trip"], owner=w["user"])
                meeting.companies.set([w["company"]])
            case "crm.partnerrequest":
                PartnerRequestFactory(company=w["company"], assignee=w["user"], due_on=w["meeting"].starts_at.date())
            case "crm.agreement":
                agreement = AgreementFactory(project=w["project"], meeting=w["meeting"], amount=100_000_000)
                agreement.companies.set([w["company"]])
            case "crm.project":
                project = ProjectFactory(company=w["company"], owner=w["user"])
                project.industries.set([w["industry"]])
                CapitalArrivalFactory(project=project)
            case "crm.capitalarrival":
                CapitalArrivalFactory(project=w["project"])
            case "crm.milestone":
                MilestoneFactory(project=w["project"], assignee=w["user"])
            case "crm.projectstagechange":
                ProjectStageChangeFactory(project=w["project"], changed_by=w["user"])
            case "crm.task":
                TaskFactory(assignee=w["user"], project=w["project"], company=w["company"], meeting=w["meeting"])
            case "crm.reminder":
                ReminderFactory(recipient=w["user"])
            case "crm.remindersweep":
                ReminderSweepFactory()
            case "crm.user":
                UserFactory(role="viewer")
            case "crm.webhooksubscription":
                WebhookSubscriptionFactory(owner=w["user"], user=w["user"])
            case "crm.webhookdelivery":
                WebhookDeliveryFactory()
            case "crm.webhookevent":
                WebhookEventFactory()
            case "crm.investmenttarget":
                InvestmentTarget.objects.create(year=2000 + InvestmentTarget.objects.count(), amount=10**10)
            case "authtoken.tokenproxy":
                Token.objects.create(user=UserFactory())
            case _ if label.startswith("crm."):
                raise AssertionError(f"no rows for {label}: add rich rows here")
            case _:
                _plain_row(_model(label))


def _plain_row(model):
    """A row of a framework model (login lockouts…): every required field with a plain value."""
    values = {}
    for field in model._meta.fields:
        if field.primary_key or field.null or field.has_default() or getattr(field, "auto_now_add", False):
            continue
        if isinstance(field, models.GenericIPAddressField):
            values[field.name] = "127.0.0.1"
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.IntegerField):
            values[field.name] = 1
        elif isinstance(field, models.CharField | models.TextField):
            values[field.name] = "x"
        else:
            raise AssertionError(f"no plain value for {model._meta.label}.{field.name}")
    model._default_manager.create(**values)


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


ADMINS = sorted(model._meta.label_lower for model in admin.site._registry)


def _user_for(label):
    if label.startswith("crm."):
        return staff("manager")
    return staff(None, username="root", is_superuser=True)


def _client_for(label):
    return signed_in(_user_for(label))


def _url(label, view, *args):
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries)


@pytest.mark.parametrize("label", ADMINS)
def test_every_changelist_answers_in_the_same_number_of_queries_for_10_and_30_rows(label):
    world = _world()
    client = _client_for(label)
    model = _model(label)
    _rows(label, 10, world)
    url = _url(label, "changelist")
    shown = model._default_manager.count()
    ten = _queries(client, url)
    _rows(label, 20, world)
    assert model._default_manager.count() == shown + 20
    thirty = _queries(client, url)
    assert ten == thirty, f"{label}: {ten} queries with 10 rows, {thirty} with 30"


@pytest.mark.parametrize("label", ADMINS)
def test_every_change_page_answers(label):
    world = _world()
    client = _client_for(label)
    _rows(label, 3, world)
    obj = _model(label)._default_manager.order_by("-pk").first()
    assert client.get(_url(label, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("label", ADMINS)
def test_every_add_page_answers_except_for_the_read_only_ones(label, rf):
    user = _user_for(label)
    request = rf.get("/")
    request.user = user
    read_only = label in READ_ONLY or not admin.site._registry[_model(label)].has_add_permission(request)
    assert label not in READ_ONLY or read_only
    status = signed_in(user).get(_url(label, "add")).status_code
    assert status == (403 if read_only else 200)


def test_the_admin_index_answers_with_every_crm_admin_listed(manager_client):
    response = manager_client.get(reverse("admin:index"))
    assert response.status_code == 200
    listed = {model["object_name"].lower() for app in response.context["app_list"] for model in app["models"]}
    crm = {label.split(".")[1] for label in ADMINS if label.startswith("crm.")}
    assert crm <= listed
