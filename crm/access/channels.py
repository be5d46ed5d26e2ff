"""What a message sent to a group (a webhook, a chat robot) may say of a project and its items.

A group is nobody in particular, so it is told what the need-to-know allows everybody: a
confidential project by its code name only (or "保密项目" and its number when it has none),
its milestones and tasks by their kind, never their titles, and no free text written about it
(a stage change's reason, an agreement's title).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def is_secret(project) -> bool:
    return project is not None and project.is_confidential


def public_project_name(project) -> str:
    """The project as a group may read it."""
    if project is None:
        return ""
    if not project.is_confidential:
        return project.name
    return project.code_name or _("保密项目 #%(id)s") % {"id": project.pk}


def public_item_title(title: str, project, kind_label: str = "") -> str:
    """A milestone's or task's title as a group may read it: its kind for a confidential project."""
    if not is_secret(project):
        return title
    return kind_label or _("保密事项")


def public_text(text: str, project) -> str:
    """Free text about a project (a reason, a summary): nothing of a confidential one."""
    return "" if is_secret(project) else text
