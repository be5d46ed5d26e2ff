from .agreements import Agreement
from .companies import Company, Contact, Industry
from .meetings import Meeting, PartnerRequest, Trip
from .projects import CapitalArrival, Milestone, Project, ProjectStageChange
from .reminders import Reminder, ReminderReason, ReminderStatus, ReminderSubject, ReminderSweep
from .targets import InvestmentTarget
from .tasks import Task
from .users import ROLE_NAMES, User

__all__ = [
    "ROLE_NAMES",
    "Agreement",
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
]
