from .agreements import Agreement
from .attachments import Attachment, BeatLease
from .companies import Company, Contact, Industry
from .meetings import Meeting, PartnerRequest, Trip
from .projects import CapitalArrival, Milestone, Project, ProjectStageChange
from .reminders import Reminder, ReminderReason, ReminderStatus, ReminderSubject, ReminderSweep
from .targets import InvestmentTarget
from .tasks import Task
from .users import ROLE_NAMES, User
from .webhooks import (
    WebhookChannel,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)

__all__ = [
    "ROLE_NAMES",
    "Agreement",
    "Attachment",
    "BeatLease",
    "CapitalArrival",
    "Company",
    "Contact",
    "Industry",
    "InvestmentTarget",
    "Meeting",
    "Milestone",
    "PartnerRequest",
    "Project",
    "Reminder",
    "ReminderReason",
    "ReminderStatus",
    "ReminderSubject",
    "ReminderSweep",
    "ProjectStageChange",
    "Task",
    "Trip",
    "User",
    "WebhookChannel",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
]
