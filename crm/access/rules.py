"""The read rules, one per kind of record (see the package's docstring)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import (
    Agreement,
    Attachment,
    CapitalArrival,
    Milestone,
    Project,
    ProjectStageChange,
    Reminder,
    ReminderSubject,
    Task,
)


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def hidden_projects(user) -> QuerySet:
    """The ids of the confidential projects ``user`` may not know of, as a subquery."""
    if not _signed_in(user):
        return Project.objects.values("pk")
    if user.is_manager:
        return Project.objects.none().values("pk")
    return _secret_from(user).values("pk")


def _secret_from(user) -> QuerySet:
    """The rule: the confidential projects of which ``user`` is neither the owner nor in the team."""
    in_team = Project.team.through.objects.filter(project_id=OuterRef("pk"), user_id=user.pk)
    return Project.objects.filter(is_confidential=True).exclude(owner_id=user.pk).exclude(Exists(in_team))


def _hidden(user, project: str) -> Exists:
    """Whether the project named by ``project`` (a field of the outer query) is secret from ``user``.

    An EXISTS rather than ``IN (hidden_projects)``: excluded, PostgreSQL reads it as an anti-join,
    through the project's key for a partner's few records and hashed for a whole table, where a
    ``NOT IN`` built the whole hidden set once per kind of record in every query."""
    return Exists(_secret_from(user).filter(pk=OuterRef(project)))


def _projects(queryset, user):
    return queryset.exclude(_hidden(user, "pk"))


def _of_a_project(queryset, user):
    """Milestones, capital arrivals, agreements and stage changes: as secret as their project."""
    return queryset.exclude(_hidden(user, "project_id"))


def _tasks(queryset, user):
    """A task belongs to a project directly or through its agreement."""
    return queryset.exclude(_hidden(user, "project_id")).exclude(_hidden(user, "agreement__project_id"))


def _attachments(queryset, user):
    """A file is as secret as the record it is attached to."""
    hidden = hidden_projects(user)
    types = ContentType.objects.get_for_models(Project, Agreement, CapitalArrival, for_concrete_models=False)
    return queryset.exclude(
        Q(target_type=types[Project], target_id__in=hidden)
        | Q(target_type=types[Agreement], target_id__in=Agreement.objects.filter(project_id__in=hidden).values("pk"))
        | Q(
            target_type=types[CapitalArrival],
            target_id__in=CapitalArrival.objects.filter(project_id__in=hidden).values("pk"),
        )
    )


def _reminders(queryset, user):
    """Reminders are their recipient's (managers see all), and name their item: a reminder about a
    milestone or task the reader may not see is hidden too."""
    if not user.is_manager:
        queryset = queryset.filter(recipient_id=user.pk)
    return without_hidden_items(queryset, user)


def without_hidden_items(reminders: QuerySet, user) -> QuerySet:
    """``reminders`` less those about a milestone or task ``user`` may not see."""
    if user.is_manager:
        return reminders
    hidden = hidden_projects(user)
    hidden_tasks = Task.objects.filter(Q(project_id__in=hidden) | Q(agreement__project_id__in=hidden))
    return reminders.exclude(
        subject=ReminderSubject.MILESTONE,
        object_id__in=Milestone.objects.filter(project_id__in=hidden).values("pk"),
    ).exclude(subject=ReminderSubject.TASK, object_id__in=hidden_tasks.values("pk"))


RULES = {
    Project: _projects,
    Milestone: _of_a_project,
    CapitalArrival: _of_a_project,
    Agreement: _of_a_project,
    ProjectStageChange: _of_a_project,
    Task: _tasks,
    Attachment: _attachments,
    Reminder: _reminders,
}


def visible(user, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see.

    Kinds of record without a rule are visible to every signed-in user; nobody who is not
    signed in sees anything.
    """
    if not _signed_in(user):
        return queryset.none()
    rule = RULES.get(queryset.model)
    if rule is None or (user.is_manager and queryset.model is not Reminder):
        return queryset
    return rule(queryset, user)


def can_see_project(user, project: Project | None) -> bool:
    """Whether ``user`` may know of ``project`` (a project of None hides nothing)."""
    if project is None or not project.is_confidential:
        return _signed_in(user)
    if not _signed_in(user):
        return False
    if user.is_manager or project.owner_id == user.pk:
        return True
    return Project.team.through.objects.filter(project_id=project.pk, user_id=user.pk).exists()


def can_see(user, record) -> bool:
    """Whether ``user`` may see ``record``, an instance of any kind."""
    if isinstance(record, Project):
        return can_see_project(user, record)
    model = type(record)
    return visible(user, model._default_manager.filter(pk=record.pk)).exists()
