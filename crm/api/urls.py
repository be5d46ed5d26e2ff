from django.urls import path
from rest_framework.routers import DefaultRouter

from . import reports
from .endpoints import (
    agreements,
    attachments,
    auth,
    capital_arrivals,
    companies,
    contacts,
    industries,
    meetings,
    milestones,
    projects,
    reminders,
    requests,
    targets,
    tasks,
    trips,
    users,
    webhooks,
)

router = DefaultRouter()
router.register("users", users.UserViewSet, basename="user")
router.register("industries", industries.IndustryViewSet, basename="industry")
router.register("companies", companies.CompanyViewSet, basename="company")
router.register("contacts", contacts.ContactViewSet, basename="contact")
router.register("trips", trips.TripViewSet, basename="trip")
router.register("meetings", meetings.MeetingViewSet, basename="meeting")
router.register("requests", requests.PartnerRequestViewSet, basename="request")
router.register("agreements", agreements.AgreementViewSet, basename="agreement")
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("capital-arrivals", capital_arrivals.CapitalArrivalViewSet, basename="capitalarrival")
router.register("milestones", milestones.MilestoneViewSet, basename="milestone")
router.register("tasks", tasks.TaskViewSet, basename="task")
router.register("reminders", reminders.ReminderViewSet, basename="reminder")
router.register("targets", targets.InvestmentTargetViewSet, basename="investmenttarget")
router.register("webhooks", webhooks.WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("auth/me/calendar/", reminders.CalendarTokenView.as_view(), name="auth-me-calendar"),
    path("auth/csrf/", auth.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login/", auth.SessionLoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.SessionLogoutView.as_view(), name="auth-logout"),
    path("stats/signed/", reports.SignedStatsView.as_view(), name="stats-signed"),
    path("stats/pipeline/", reports.PipelineStatsView.as_view(), name="stats-pipeline"),
    path("stats/kpis/", reports.KPIStatsView.as_view(), name="stats-kpis"),
    path("stats/events/<int:meeting_id>/", reports.EventStatsView.as_view(), name="stats-event"),
    path("companies/<int:pk>/timeline/", reports.CompanyTimelineView.as_view(), name="company-timeline"),
    path("companies/<int:pk>/briefing/", reports.CompanyBriefingView.as_view(), name="company-briefing"),
    *attachments.urlpatterns(),
    *router.urls,
]
