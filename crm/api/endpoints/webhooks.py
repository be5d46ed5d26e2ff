"""``/api/v1/webhooks/``: subscriptions and their deliveries, for managers only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from ...models import WebhookChannel, WebhookDelivery, WebhookDeliveryStatus, WebhookEventType, WebhookSubscription
from ...webhooks.transport import TargetRefused, resolve
from ..base import TRACKED, CRMSerializer, ResourceViewSet, documented
from ..exceptions import error_response
from ..fields import ActiveUserField
from ..lists import Column, Computed, Label, PageNumberPagination, Shape, UserName
from ..permissions import RolePermission

MANAGERS = frozenset({"manager"})
ERRORS = {
    400: error_response(400, "Validation error: {field: [messages]}"),
    401: error_response(401, "Not authenticated"),
    403: error_response(403, "Forbidden for this role"),
    404: error_response(404, "Not found"),
}
WRITE_ERRORS = {
    **ERRORS,
    409: error_response(409, "Conflict"),
    412: error_response(412, "Stale If-Match or version"),
    428: error_response(428, "If-Match or version required"),
}
MIN_SECRET = 16


class WebhookSubscriptionSerializer(CRMSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        max_length=len(WebhookEventType.choices),
        help_text=_("订阅的事件代码。"),
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        trim_whitespace=False,
        help_text=_("只写：保存后只显示末四位（secret_hint）。通用 Webhook 必填，至少 16 个字符。"),
    )
    user = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = WebhookSubscription
        fields = ["name", "channel", "url", "events", "secret", "is_active", "user"]

    def validate_url(self, value):
        try:
            resolve(value)
        except TargetRefused as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_events(self, value):
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        channel = attrs.get("channel", getattr(self.instance, "channel", WebhookChannel.GENERIC))
        secret = attrs.get("secret", getattr(self.instance, "secret", ""))
        if "\x00" in attrs.get("secret", ""):
            raise serializers.ValidationError(
                {"secret": [_("密钥不能包含 NUL 字符。 NUL characters are not allowed.")]}
            )
        if channel == WebhookChannel.GENERIC and len(secret) < MIN_SECRET:
            raise serializers.ValidationError(
                {
                    "secret": [
                        _(
                            "通用 Webhook 需要至少 16 个字符的密钥。 A generic webhook needs a secret of 16 characters or more."
                        )
                    ]
                }
            )
        events = attrs.get("events", getattr(self.instance, "events", []))
        user = attrs.get("user", getattr(self.instance, "user", None))
        if WebhookEventType.REMINDER_DIGEST in events and user is None:
            raise serializers.ValidationError(
                {
                    "user": [
                        _(
                            "订阅提醒汇总须指定用户：汇总只发给本人的群。"
                            " A reminder.digest subscription must name the user whose digests it receives."
                        )
                    ]
                }
            )
        if attrs.get("is_active") and self.instance is not None and not self.instance.is_active:
            # Enabled again by a person: the count of failures in a row starts over.
            attrs |= {"consecutive_failures": 0, "disabled_at": None, "disabled_reason": ""}
        return attrs

    def create(self, validated_data):
        validated_data["owner"] = self.acting_user
        return super().create(validated_data)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.type", read_only=True)
    event_type_display = serializers.CharField(source="event.get_type_display", read_only=True)
    event_id = serializers.UUIDField(source="event.uuid", read_only=True)
    event_created_at = serializers.DateTimeField(source="event.created_at", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "key", "event_id", "event_type", "event_type_display", "event_created_at", "status",
            "status_display", "attempts", "next_attempt_at", "last_status_code", "last_response", "last_error",
            "delivered_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookSubscriptionFilterSet(filters.FilterSet):
    channel = filters.ChoiceFilter(choices=WebhookChannel.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = WebhookSubscription
        fields = ["channel", "is_active"]


class WebhookDeliveryFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=WebhookDeliveryStatus.choices, distinct=False)

    class Meta:
        model = WebhookDelivery
        fields = ["status"]


@documented
class WebhookSubscriptionViewSet(ResourceViewSet):
    """Webhook and chat-robot subscriptions (managers only); the secret is write-only."""

    queryset = WebhookSubscription.objects.all()
    shape = Shape(WebhookSubscription, {
        "id": "id",
        "name": "name",
        "channel": "channel",
        "channel_display": Label("channel"),
        "url": "url",
        "events": Column("events", schema=serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEventType.choices), read_only=True
        )),
        "secret_hint": Computed(WebhookSubscription.hint_of, "secret", schema=serializers.CharField(read_only=True)),
        "is_active": "is_active",
        "user": "user",
        "user_name": UserName("user"),
        "owner": "owner",
        "owner_name": UserName("owner"),
        "consecutive_failures": "consecutive_failures",
        "disabled_at": "disabled_at",
        "disabled_reason": "disabled_reason",
        **TRACKED,
    })  # fmt: skip
    serializer_class = WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]
    permission_classes = [RolePermission]
    action_roles = {
        name: MANAGERS
        for name in ("list", "retrieve", "create", "update", "partial_update", "destroy", "deliveries", "metadata")
    }

    def get_queryset(self):
        return WebhookSubscription.objects.order_by("name", "id")

    @extend_schema(
        responses={200: WebhookDeliverySerializer(many=True), **ERRORS},
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter(
                "status", str, many=True, enum=WebhookDeliveryStatus.values, description="pending, delivered, failed…"
            ),
        ],
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=PageNumberPagination)
    def deliveries(self, request, pk=None):
        """The deliveries of this subscription, newest first, with their attempts and last answer."""
        subscription = self.get_object()
        rows = WebhookDelivery.objects.filter(subscription=subscription).select_related("event")
        filterset = WebhookDeliveryFilterSet(request.query_params, queryset=rows)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        rows = filterset.qs.order_by("-created_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
