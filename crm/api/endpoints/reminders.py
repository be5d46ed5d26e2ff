"""Reminders, read-only: managers see all, everyone else their own, none about items the reader may
not see (crm/access). And the calendar token."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import access, reminders
from ...calendar import feed_url
from ...models import Reminder, ReminderReason, ReminderStatus, ReminderSubject, User
from ..base import documented
from ..exceptions import error_response
from ..lists import Label, Shape, ShapedMixin, UserName
from ..permissions import IsAuthenticatedUser

READ_ERRORS = {
    401: error_response(401, "Not authenticated"),
    403: error_response(403, "Forbidden for this role"),
    404: error_response(404, "Not found"),
}


class ReminderFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReminderStatus.choices, distinct=False)
    subject = filters.ChoiceFilter(choices=ReminderSubject.choices)
    reason = filters.ChoiceFilter(choices=ReminderReason.choices)
    recipient = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Reminder
        fields = {"object_id": ["exact"], "scheduled_for": ["gte", "lte"]}


class ReminderHealthSerializer(serializers.Serializer):
    last_sweep_at = serializers.DateTimeField(allow_null=True)
    last_sweep_error = serializers.CharField(allow_blank=True)
    pending = serializers.IntegerField()
    sending = serializers.IntegerField()
    failed = serializers.IntegerField()
    oldest_pending_scheduled_for = serializers.DateTimeField(allow_null=True)


@documented
class ReminderViewSet(ShapedMixin, viewsets.ReadOnlyModelViewSet):
    """Reminder emails and their delivery state."""

    queryset = Reminder.objects.none()
    shape = Shape(Reminder, {
        "id": "id",
        "subject": "subject",
        "subject_display": Label("subject"),
        "object_id": "object_id",
        "occurrence": "occurrence",
        "reason": "reason",
        "reason_display": Label("reason"),
        "title": "title",
        "due_on": "due_on",
        "recipient": "recipient",
        "recipient_name": UserName("recipient"),
        "status": "status",
        "status_display": Label("status"),
        "scheduled_for": "scheduled_for",
        "attempts": "attempts",
        "next_attempt_at": "next_attempt_at",
        "last_error": "last_error",
        "sent_at": "sent_at",
        "is_late": "is_late",
        "message_id": "message_id",
        "created_at": "created_at",
    })  # fmt: skip
    filterset_class = ReminderFilterSet
    search_fields = ["title"]
    ordering_fields = ["scheduled_for", "due_on", "sent_at", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        rows = Reminder.objects.order_by("-scheduled_for", "-id")
        return access.visible(self.request.user, rows)

    @extend_schema(responses={200: ReminderHealthSerializer, **READ_ERRORS}, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def health(self, request):
        """Last sweep time, pending, failed and the oldest pending reminder."""
        return Response(ReminderHealthSerializer(reminders.health()).data)


class CalendarTokenView(APIView):
    """Your calendar feed: POST makes a new secret URL (the old one stops working), DELETE revokes it."""

    permission_classes = [IsAuthenticatedUser]
    feed = inline_serializer("CalendarFeed", {"url": serializers.CharField(allow_null=True)})

    @extend_schema(responses={200: feed, 401: error_response(401, "Not authenticated")})
    def get(self, request):
        user = request.user
        return Response({"url": feed_url(user) if user.ical_token else None})

    @extend_schema(request=None, responses={200: feed, **{s: error_response(s) for s in (401, 403)}})
    def post(self, request):
        user = User.objects.get(pk=request.user.pk)
        user.rotate_ical_token()
        return Response({"url": feed_url(user)})

    @extend_schema(responses={204: None, **{s: error_response(s) for s in (401, 403)}})
    def delete(self, request):
        User.objects.filter(pk=request.user.pk).update(ical_token="")
        return Response(status=204)
