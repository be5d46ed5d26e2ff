"""The Django admin, the bureau staff's daily tool (see docs/admin.md).

One module per aggregate, as in ``crm/models/``; what they share is in ``base.py``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import agreements, companies, meetings, projects, reminders, targets, tasks, users, webhooks  # noqa: F401  (registrations)

admin.site.site_header = _("招商引资 CRM")
admin.site.site_title = _("招商引资 CRM")
admin.site.index_title = _("工作台")
