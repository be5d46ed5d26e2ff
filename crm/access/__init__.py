"""What a user may see: one read rule per kind of record, and every reader goes through it.

The API's lists and details, the admin's lists, forms and autocompletes, the stats, the
timeline and briefing, the dashboard, the calendar feed, the reminders (their list and their
emails), the webhook payloads and the exports all ask :func:`visible` (a queryset narrowed to
what the user may see) or :func:`can_see` (one record). The rule itself is in ``rules.py``:

- A confidential project exists only for its owner, its team and the managers.
- Everything that belongs to a project shares its secrecy: milestones, capital arrivals,
  agreements, tasks (directly or through their agreement), stage changes, attachments, and
  the reminders about its milestones and tasks.
- A reminder is seen by its recipient and the managers, and only while its item is visible to
  the one who reads it.
- Everything else (companies, contacts, trips, meetings, partner requests, users) is visible to
  every signed-in user with a role.

Messages to a group (webhooks, chat robots) are written for nobody in particular: ``public_*``
in ``channels.py`` gives what such a message may say of a project and its items.
"""

from .channels import is_secret, public_item_title, public_project_name, public_text
from .rules import can_see, can_see_project, hidden_projects, visible, without_hidden_items

__all__ = [
    "can_see",
    "can_see_project",
    "hidden_projects",
    "is_secret",
    "public_item_title",
    "public_project_name",
    "public_text",
    "visible",
    "without_hidden_items",
]
