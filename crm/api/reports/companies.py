"""``companies/{id}/timeline/`` and ``companies/{id}/briefing/``: one partner's history and its
printable briefing."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ...models import Company
from ...models.choices import ProjectStage
from ...reports.briefing import company_briefing, printable
from ...reports.timeline import KINDS, Timeline
from ..base import ERRORS
from ..lists import PageNumberPagination
from ..renderers import JSONRenderer
from .base import ApiUrlField, BriefingHTMLRenderer, MoneyField, ReportView

# companies/{id}/timeline/ ------------------------------------------------------------------------


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(KINDS)})
class TimelineKindField(serializers.CharField):
    """What the item is. Not an enum in the schema: ``kind`` already names other choice sets there."""


class TimelineItemSerializer(serializers.Serializer):
    kind = TimelineKindField()
    kind_display = serializers.CharField()
    date = serializers.DateField()
    datetime = serializers.DateTimeField(allow_null=True, help_text="Meetings: when it started")
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    id = serializers.IntegerField()
    url = ApiUrlField(help_text="The API URL of the record (stage changes: the project's stage history)")


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    company_name = serializers.CharField()


class MeetingItemSerializer(TimelineItemSerializer):
    meeting_kind = serializers.CharField()
    meeting_kind_display = serializers.CharField()
    location = serializers.CharField(allow_blank=True)
    outcomes = serializers.CharField(allow_blank=True)
    owner_name = serializers.CharField(allow_null=True)
    attendees = AttendeeSerializer(many=True)


class RequestItemSerializer(TimelineItemSerializer):
    status = serializers.CharField()
    status_display = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField(allow_null=True)
    resolved_on = serializers.DateField(allow_null=True)
    resolution = serializers.CharField(allow_blank=True)
    overdue = serializers.BooleanField()
    company = serializers.IntegerField()
    company_name = serializers.CharField()
    assignee_name = serializers.CharField(allow_null=True)


class AgreementItemSerializer(TimelineItemSerializer):
    agreement_kind = serializers.CharField()
    agreement_kind_display = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    signed_on = serializers.DateField(allow_null=True)
    amount = MoneyField(allow_null=True)
    project = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(allow_null=True)
    meeting = serializers.IntegerField(allow_null=True)
    meeting_title = serializers.CharField(allow_null=True)


class ProjectItemSerializer(TimelineItemSerializer):
    stage = serializers.CharField()
    stage_display = serializers.CharField()
    total_investment = MoneyField(allow_null=True)
    location = serializers.CharField(allow_blank=True)
    company = serializers.IntegerField(allow_null=True)
    company_name = serializers.CharField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)


class StageChangeItemSerializer(TimelineItemSerializer):
    project = serializers.IntegerField()
    project_name = serializers.CharField()
    from_stage = serializers.CharField(allow_blank=True)
    from_stage_display = serializers.CharField(allow_blank=True)
    to_stage = serializers.CharField()
    to_stage_display = serializers.CharField()
    is_correction = serializers.BooleanField()
    changed_by_name = serializers.CharField(allow_null=True)


class MilestoneItemSerializer(TimelineItemSerializer):
    milestone_kind = serializers.CharField()
    milestone_kind_display = serializers.CharField()
    due_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    project = serializers.IntegerField()
    project_name = serializers.CharField()
    assignee_name = serializers.CharField(allow_null=True)


class TaskItemSerializer(TimelineItemSerializer):
    status = serializers.CharField()
    status_display = serializers.CharField()
    priority = serializers.CharField()
    priority_display = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    project = serializers.IntegerField(allow_null=True)
    meeting = serializers.IntegerField(allow_null=True)
    agreement = serializers.IntegerField(allow_null=True)
    assignee_name = serializers.CharField(allow_null=True)


ITEM_SERIALIZERS = {
    "meeting": MeetingItemSerializer,
    "request": RequestItemSerializer,
    "agreement": AgreementItemSerializer,
    "project": ProjectItemSerializer,
    "stage_change": StageChangeItemSerializer,
    "milestone": MilestoneItemSerializer,
    "task": TaskItemSerializer,
}


class TimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PolymorphicProxySerializer(
        component_name="TimelineItem",
        serializers={kind: serializer for kind, serializer in ITEM_SERIALIZERS.items()},
        resource_type_field_name="kind",
        many=True,
    )


class TimelineParams(serializers.Serializer):
    include_subsidiaries = serializers.BooleanField(default=False)
    kind = serializers.MultipleChoiceField(choices=list(KINDS), required=False)


class TimelinePagination(PageNumberPagination):
    """The project's page numbers and sizes over a timeline (a UNION, which cannot be annotated)."""

    def paginate_timeline(self, timeline: Timeline, request) -> list[dict]:
        """The page and the count in one statement (``?page=last`` counts first, to find the page)."""
        self.request, self.keyset = request, None
        self.page_size_now = self.get_page_size(request)
        self.page_number = self.number(request, timeline.count)
        offset = (self.page_number - 1) * self.page_size_now
        items, self.count = timeline.page(offset, self.page_size_now)
        if self.count is None:  # past the end: nothing on page 1, a missing page after it
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
            self.count = 0
        self.more = offset + self.page_size_now < self.count
        return items


class CompanyTimelineView(ReportView):
    """Everything about a partner, newest first: meetings, requests, agreements, projects and their
    stage changes, milestones and tasks. ``include_subsidiaries=true`` adds every company below it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("include_subsidiaries", bool, description="Add the items of its subsidiaries"),
            OpenApiParameter("kind", {"type": "array", "items": {"type": "string", "enum": list(KINDS)}}, explode=True),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: TimelinePageSerializer, **ERRORS},
    )
    def get(self, request, pk: int):
        company = get_object_or_404(Company, pk=pk)
        params = self.check(TimelineParams)
        timeline = Timeline(
            company=company,
            user=request.user,
            include_subsidiaries=params["include_subsidiaries"],
            kinds=params.get("kind"),
        )
        paginator = TimelinePagination()
        items = paginator.paginate_timeline(timeline, request)
        context = {"request": request}
        data = [ITEM_SERIALIZERS[item["kind"]](item, context=context).data for item in items]
        return paginator.get_paginated_response(data)


# companies/{id}/briefing/ ------------------------------------------------------------------------


class BriefingCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    city = serializers.CharField(allow_blank=True)
    province = serializers.CharField(allow_blank=True)
    country = serializers.CharField()
    fortune500_rank = serializers.IntegerField(allow_null=True)
    is_listed = serializers.BooleanField()
    is_local_origin = serializers.BooleanField()
    website = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    industries = serializers.ListField(child=serializers.CharField())
    parent = serializers.IntegerField(allow_null=True)
    parent_name = serializers.CharField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("company-detail")


class BriefingSubsidiarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    url = ApiUrlField("company-detail")


class BriefingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    company_name = serializers.CharField()
    meetings = serializers.IntegerField(help_text="Meetings they attended")
    last_met_on = serializers.DateField()


class BriefingMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    starts_at = serializers.DateTimeField()
    location = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    outcomes = serializers.CharField(allow_blank=True)
    owner_name = serializers.CharField(allow_null=True)
    attendees = AttendeeSerializer(many=True)
    url = ApiUrlField("meeting-detail")


class BriefingRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    raised_on = serializers.DateField()
    category = serializers.CharField(allow_blank=True)
    description = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField(allow_null=True)
    assignee_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("request-detail")


class BriefingProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_confidential = serializers.BooleanField()
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    stage_display = serializers.CharField()
    stage_changed_on = serializers.DateField(allow_null=True)
    location = serializers.CharField(allow_blank=True)
    total_investment = MoneyField(allow_null=True)
    contracted_investment = MoneyField(allow_null=True)
    arrived_investment = MoneyField()
    owner_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("project-detail")


class BriefingAgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    signed_on = serializers.DateField(allow_null=True)
    amount = MoneyField(allow_null=True)
    project_name = serializers.CharField(allow_null=True)
    meeting_title = serializers.CharField(allow_null=True)
    url = ApiUrlField("agreement-detail")


class OverdueMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    project_name = serializers.CharField()
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    assignee_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("milestone-detail")


class OverdueTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    assignee_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("task-detail")


class OverdueSerializer(serializers.Serializer):
    milestones = OverdueMilestoneSerializer(many=True)
    tasks = OverdueTaskSerializer(many=True)
    requests = BriefingRequestSerializer(many=True)


class BriefingSerializer(serializers.Serializer):
    generated_on = serializers.DateField()
    include_subsidiaries = serializers.BooleanField()
    company = BriefingCompanySerializer()
    subsidiaries = BriefingSubsidiarySerializer(many=True)
    people = BriefingPersonSerializer(many=True, help_text="The partner's people met before, the last met first")
    meetings = BriefingMeetingSerializer(many=True, help_text="The last meetings held, newest first")
    open_requests = BriefingRequestSerializer(many=True)
    projects = BriefingProjectSerializer(many=True)
    agreements = BriefingAgreementSerializer(many=True)
    overdue = OverdueSerializer()


class BriefingParams(serializers.Serializer):
    include_subsidiaries = serializers.BooleanField(default=False)


class CompanyBriefingView(ReportView):
    """What a leader reads before visiting the partner; ``?format=html`` is a printable page."""

    renderer_classes = [JSONRenderer, BriefingHTMLRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("include_subsidiaries", bool, description="Add the people, projects … of subsidiaries"),
            OpenApiParameter("format", str, enum=["json", "html"], description="html: a printable page"),
        ],
        responses={
            (200, "application/json"): BriefingSerializer,
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The printable briefing"),
            **ERRORS,
        },
    )
    def get(self, request, pk: int):
        company = get_object_or_404(Company.objects.select_related("parent", "owner"), pk=pk)
        params = self.check(BriefingParams)
        briefing = company_briefing(
            company=company, user=request.user, include_subsidiaries=params["include_subsidiaries"]
        )
        if request.accepted_renderer.format == "html":
            return Response(printable(briefing))
        return Response(BriefingSerializer(briefing, context={"request": request}).data)
