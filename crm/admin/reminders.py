"""The reminder queue and its sweeps, read-only: the sweep writes them, people look."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import access, reminders
from ..models import Reminder, ReminderStatus, ReminderSweep
from .base import ReadOnlyAdmin


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "subject",
        "reason",
        "recipient",
        "due_on",
        "scheduled_for",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_select_related = ["recipient"]
    list_filter = ["status", "subject", "reason", "is_late", ("recipient", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__full_name", "occurrence"]
    date_hierarchy = "scheduled_for"
    actions = ["retry_now"]

    def get_queryset(self, request):
        """A user's own reminders (managers: everyone's), about items they may see."""
        return access.visible(request.user, super().get_queryset(request))

    @admin.display(description=_("最近错误"))
    def short_error(self, obj):
        if not obj.last_error:
            return None
        return obj.last_error if len(obj.last_error) <= 60 else obj.last_error[:60] + "…"

    def has_retry_permission(self, request):
        return request.user.has_perm("crm.change_reminder")

    @admin.action(description=_("立即重试所选的发送失败提醒"), permissions=["retry"])
    def retry_now(self, request, queryset):
        ids = queryset.filter(status=ReminderStatus.FAILED).values_list("pk", flat=True)
        count = reminders.retry_failed(ids=ids)
        self.message_user(
            request, gettext("%(count)d 条提醒将在下一次扫描时重新发送。") % {"count": count}, messages.SUCCESS
        )


@admin.register(ReminderSweep)
class ReminderSweepAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "created", "sent", "emails", "retried", "failed", "skipped", "error"]
    list_filter = [("error", admin.EmptyFieldListFilter)]
    date_hierarchy = "started_at"
