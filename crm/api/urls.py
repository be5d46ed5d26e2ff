from django.urls import path
from rest_framework.routers import DefaultRouter

from . import attachments, browser, reports, views
from .reminders import CalendarTokenView, ReminderViewSet
from .webhooks import WebhookSubscriptionViewSet

router = DefaultRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("companies", views.CompanyViewSet, basename="company")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("trips", views.TripViewSet, basename="trip")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("requests", views.PartnerRequestViewSet, basename="request")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("capital-arrivals", views.CapitalArrivalViewSet, basename="capitalarrival")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("targets", reports.InvestmentTargetViewSet, basename="investmenttarget")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("auth/me/calendar/", CalendarTokenView.as_view(), name="auth-me-calendar"),
    path("auth/csrf/", browser.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login/", browser.SessionLoginView.as_view(), name="auth-login"),
    path("auth/logout/", browser.SessionLogoutView.as_view(), name="auth-logout"),
    path("stats/signed/", reports.SignedStatsView.as_view(), name="stats-signed"),
    path("stats/pipeline/", reports.PipelineStatsView.as_view(), name="stats-pipeline"),
    path("stats/kpis/", reports.KPIStatsView.as_view(), name="stats-kpis"),
    path("stats/events/<int:meeting_id>/", reports.EventStatsView.as_view(), name="stats-event"),
    path("companies/<int:pk>/timeline/", reports.CompanyTimelineView.as_view(), name="company-timeline"),
    path("companies/<int:pk>/briefing/", reports.CompanyBriefingView.as_view(), name="company-briefing"),
    *attachments.urlpatterns(),
    *router.urls,
]
