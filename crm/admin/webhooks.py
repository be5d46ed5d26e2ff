"""Webhook subscriptions (managers only), their deliveries and events (read-only, with a retry)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent, WebhookEventType, WebhookSubscription
from ..webhooks.delivery import retry_failed
from ..webhooks.transport import TargetRefused, resolve
from .base import ReadOnlyAdmin


class ManagersOnly:
    """Webhooks send the CRM's news outside it: only managers see and change them."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_manager

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_manager

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_manager

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_manager

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_manager


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("目标地址"), max_length=1000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("订阅的事件"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )
    new_secret = forms.CharField(
        label=_("密钥"),
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("留空则保留原密钥。通用 Webhook 至少 16 个字符。"),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "channel", "url", "events", "is_active", "user", "owner"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve(url)
        except TargetRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean(self):
        cleaned = super().clean()
        secret = cleaned.get("new_secret") or self.instance.secret
        if cleaned.get("channel") == "generic" and len(secret or "") < 16:
            self.add_error("new_secret", _("通用 Webhook 需要至少 16 个字符的密钥。"))
        if WebhookEventType.REMINDER_DIGEST in (cleaned.get("events") or []) and not cleaned.get("user"):
            self.add_error("user", _("订阅提醒汇总须指定用户：汇总只发给本人的群。"))
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("new_secret"):
            self.instance.secret = self.cleaned_data["new_secret"]
        if self.instance.pk and self.instance.is_active and "is_active" in self.changed_data:
            self.instance.consecutive_failures = 0
            self.instance.disabled_at = None
            self.instance.disabled_reason = ""
        return super().save(commit)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ManagersOnly, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "channel", "short_url", "is_active", "consecutive_failures", "disabled_at", "owner"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["owner"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_hint", "consecutive_failures", "disabled_at", "disabled_reason", "version"]
    fieldsets = [
        (None, {"fields": ["name", "channel", "url", "events", "is_active"]}),
        (_("签名"), {"fields": ["new_secret", "secret_hint"]}),
        (_("范围与负责人"), {"fields": ["user", "owner"]}),
        (_("状态"), {"fields": ["consecutive_failures", "disabled_at", "disabled_reason", "version"]}),
    ]

    @admin.display(description=_("目标地址"))
    def short_url(self, obj):
        return obj.url.split("?", 1)[0]  # a robot's key is in the query

    @admin.display(description=_("密钥"))
    def secret_hint(self, obj):
        return obj.secret_hint or "—"

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ManagersOnly, ReadOnlyAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "subscription", "event__type"]
    list_select_related = ["event", "subscription"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.is_manager

    @admin.action(description=_("立即重试所选的发送失败投递"), permissions=["retry"])
    def retry_now(self, request, queryset):
        ids = queryset.filter(status=WebhookDeliveryStatus.FAILED).values_list("pk", flat=True)
        count = retry_failed(ids=ids)
        self.message_user(
            request, gettext("%(count)d 条投递将在下一次投递时重新发送。") % {"count": count}, messages.SUCCESS
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ManagersOnly, ReadOnlyAdmin):
    list_display = ["type", "object_type", "object_id", "created_at"]
    list_filter = ["type"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
