"""Stats, yearly targets, partner timelines and briefings (``stats/``, ``targets/``, ``companies/{id}/…``).

The figures come from :mod:`crm.reports.stats`, :mod:`crm.reports.timeline` and :mod:`crm.reports.briefing`; this module
reads the query, checks it (400 naming the field), and writes JSON, XLSX (``?format=xlsx``) or the
printable briefing (``?format=html``). Definitions: ``docs/stats.md``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Company, InvestmentTarget, Meeting
from ..models.choices import AgreementKind, AgreementStatus, ProjectStage
from ..models.targets import FIRST_YEAR, LAST_YEAR
from ..reports import stats
from ..reports.briefing import company_briefing, printable
from ..reports.stats import xlsx
from ..reports.stats.pipeline import DEFAULT_STALLED_LIMIT, MAX_STALLED_DAYS, MAX_STALLED_LIMIT
from ..reports.stats.signed import DEFAULT_TOP, MAX_TOP
from ..reports.timeline import KINDS, Timeline
from ..services import today
from .pagination import PageNumberPagination
from .renderers import JSONRenderer
from .serializers import READ_ONLY_BASE, CRMSerializer
from .views import ERRORS, CRMViewSet, documented

MANAGERS = frozenset({"manager"})


# Yearly targets ----------------------------------------------------------------------------------


class InvestmentTargetSerializer(CRMSerializer):
    class Meta:
        model = InvestmentTarget
        fields = ["id", "year", "amount", "note", *READ_ONLY_BASE[1:]]
        read_only_fields = READ_ONLY_BASE


class InvestmentTargetFilterSet(filters.FilterSet):
    class Meta:
        model = InvestmentTarget
        fields = {"year": ["exact", "gte", "lte"]}


@documented(InvestmentTargetSerializer)
class InvestmentTargetViewSet(CRMViewSet):
    """The signed investment each year should reach (年度签约目标): managers set it, every role reads it."""

    queryset = InvestmentTarget.objects.all()
    serializer_class = InvestmentTargetSerializer
    filterset_class = InvestmentTargetFilterSet
    ordering_fields = ["year", "amount", "id"]
    action_roles = dict.fromkeys(("create", "update", "partial_update", "destroy"), MANAGERS)


# Rendering -----------------------------------------------------------------------------------------


class XLSXRenderer(renderers.BaseRenderer):
    """Passes through the workbook a stats view built (``?format=xlsx``)."""

    media_type = xlsx.MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class BriefingHTMLRenderer(renderers.TemplateHTMLRenderer):
    """The printable briefing (``?format=html``)."""

    template_name = "crm/briefing.html"


def attachment(filename: str, ascii_name: str) -> str:
    """A Content-Disposition naming the file in Chinese, with an ASCII name for old clients."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class ReportView(APIView):
    """A GET that answers JSON, or another format it names; errors are always JSON."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format not in ("json", "api"):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def check(self, serializer_class):
        """The query's own parameters (not the list filters), parsed; a bad one is a 400."""
        params = serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


def computed(function, **kwargs):
    """Call a stats function; a filter it refuses is a 400 naming the field."""
    try:
        return function(**kwargs)
    except stats.StatsInputError as exc:
        raise ValidationError(exc.errors) from None


class StatsView(ReportView):
    """A report as JSON (its ``serializer_class``) or as XLSX (its ``sheets``, named ``filename``)."""

    renderer_classes = [JSONRenderer, renderers.BrowsableAPIRenderer, XLSXRenderer]
    serializer_class: type[serializers.Serializer]
    sheets = staticmethod(lambda result: [])
    filename = ("统计", "stats")  # the file's name in Chinese, and in ASCII for old clients

    def answer(self, result, name_suffix: str = ""):
        if self.request.accepted_renderer.format == "xlsx":
            stem, ascii_stem = self.filename
            day = f"{today():%Y-%m-%d}"
            disposition = attachment(f"{stem}{name_suffix}_{day}.xlsx", f"{ascii_stem}{name_suffix}_{day}.xlsx")
            return Response(xlsx.workbook(self.sheets(result)), headers={"Content-Disposition": disposition})
        return Response(self.serializer_class(result, context={"request": self.request}).data)


def xlsx_responses(serializer) -> dict:
    return {
        (200, "application/json"): serializer,
        (200, xlsx.MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX (?format=xlsx)"),
        **ERRORS,
    }


FORMAT = OpenApiParameter("format", str, enum=["json", "xlsx"], description="xlsx: a spreadsheet download")


class MoneyField(serializers.DecimalField):
    """CNY yuan as a decimal string ("2000000000.00"), with room for sums of many amounts."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=24, decimal_places=2, **kwargs)


class RateField(serializers.DecimalField):
    """A rate as a decimal string with four places ("0.6667"), null without a denominator."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=4, allow_null=True, **kwargs)


class DaysField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=8, decimal_places=1, allow_null=True, **kwargs)


@extend_schema_field(OpenApiTypes.URI)
class ApiUrlField(serializers.Field):
    """The absolute API URL of a record: a named route with the record's id, or a path given."""

    def __init__(self, view_name: str | None = None, **kwargs):
        self.view_name = view_name
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value):
        path = reverse(self.view_name, args=[value["id"]]) if self.view_name else value["url"]
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# stats/signed/ -----------------------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    agreements = serializers.IntegerField(help_text="Signings (agreements) counted")
    amount = MoneyField(help_text="Sum of the agreements' amounts (unknown amounts left out)")
    agreements_without_amount = serializers.IntegerField()
    projects = serializers.IntegerField(help_text="Projects whose first signing is counted here")
    total_investment = MoneyField(help_text="Sum of those projects' total investment")
    contracted_investment = MoneyField()
    projects_without_investment = serializers.IntegerField()


class SignedGroupSerializer(FiguresSerializer):
    key = serializers.CharField(
        allow_null=True, help_text="Industry/meeting/user id, location text, YYYY-MM or YYYY-Qn; null: none"
    )
    label = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Industry code (industry groupings)")
    date = serializers.DateField(required=False, help_text="The meeting's date (meeting grouping)")


class TopProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company = serializers.IntegerField(allow_null=True)
    company_name = serializers.CharField(allow_null=True)
    location = serializers.CharField()
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    stage_display = serializers.CharField()
    total_investment = MoneyField(allow_null=True)
    signed_on = serializers.DateField(allow_null=True)
    url = ApiUrlField("project-detail")


class SignedStatsSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=stats.GROUP_BY)
    totals = FiguresSerializer()
    groups = SignedGroupSerializer(many=True)
    top_projects = TopProjectSerializer(many=True)


class SignedParams(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=stats.GROUP_BY, default="month")
    top = serializers.IntegerField(min_value=1, max_value=MAX_TOP, default=DEFAULT_TOP)


def _id(name, description):
    return OpenApiParameter(name, int, description=description)


def _stages(name="stage"):
    return OpenApiParameter(
        name, {"type": "array", "items": {"type": "string", "enum": ProjectStage.values}}, explode=True
    )


SIGNED_PARAMETERS = [
    OpenApiParameter("group_by", str, enum=list(stats.GROUP_BY), description="Grouping (default month)"),
    OpenApiParameter("top", int, description=f"How many of the largest projects to name (1–{MAX_TOP}, default 10)"),
    OpenApiParameter("signed_on__gte", OpenApiTypes.DATE),
    OpenApiParameter("signed_on__lte", OpenApiTypes.DATE),
    OpenApiParameter("kind", str, enum=AgreementKind.values, description="Agreement kind"),
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": AgreementStatus.values}},
        explode=True,
        description="Agreement statuses counted (default signed, in_force, completed)",
    ),
    _id("company", "A party to the agreement"),
    _id("meeting", "Where it was signed"),
    _stages(),
    _id("industry", "The project's industry or one below it"),
    _id("owner", "The project's owner"),
    OpenApiParameter("location", str, description="The project's location, exactly"),
    FORMAT,
]


class SignedStatsView(StatsView):
    """Signed agreements and their projects, counted and summed by industry, location, month,
    quarter, meeting or owner (``group_by``), with the list filters of agreements and projects."""

    serializer_class = SignedStatsSerializer
    sheets = staticmethod(xlsx.signed_sheets)
    filename = ("签约统计", "signed-stats")

    @extend_schema(parameters=SIGNED_PARAMETERS, responses=xlsx_responses(SignedStatsSerializer))
    def get(self, request):
        params = self.check(SignedParams)
        result = computed(stats.signed_stats, user=request.user, params=request.query_params, **params)
        return self.answer(result)


# stats/pipeline/ ---------------------------------------------------------------------------------


class StageRowSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    label = serializers.CharField()
    projects = serializers.IntegerField()
    total_investment = MoneyField()
    projects_without_investment = serializers.IntegerField()
    stays = serializers.IntegerField(help_text="Stays in this stage that have ended")
    median_days = DaysField(help_text="Median length of the ended stays, in days")
    median_days_current = DaysField(help_text="Median days the projects now in this stage have spent in it")


class StalledProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    stage_display = serializers.CharField()
    since = serializers.DateField()
    days = serializers.IntegerField()
    company = serializers.IntegerField(allow_null=True)
    company_name = serializers.CharField(allow_null=True)
    owner = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    location = serializers.CharField()
    total_investment = MoneyField(allow_null=True)
    url = ApiUrlField("project-detail")


class PipelineTotalsSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    total_investment = MoneyField()
    projects_without_investment = serializers.IntegerField()


class PipelineSerializer(serializers.Serializer):
    stalled_days = serializers.IntegerField()
    totals = PipelineTotalsSerializer()
    stages = StageRowSerializer(many=True)
    stalled_count = serializers.IntegerField(help_text="Every stalled project you may see (the list may be capped)")
    stalled = StalledProjectSerializer(
        many=True, help_text="The stalled projects you may see, longest first, at most stalled_limit of them"
    )


class PipelineParams(serializers.Serializer):
    stalled_days = serializers.IntegerField(min_value=1, max_value=MAX_STALLED_DAYS, default=180)
    stalled_limit = serializers.IntegerField(min_value=1, max_value=MAX_STALLED_LIMIT, default=DEFAULT_STALLED_LIMIT)


class PipelineStatsView(StatsView):
    """Projects by stage with their total investment and the median days spent in each stage,
    and the projects that have not moved for more than ``stalled_days``."""

    serializer_class = PipelineSerializer
    sheets = staticmethod(xlsx.pipeline_sheets)
    filename = ("项目阶段统计", "pipeline-stats")

    @extend_schema(
        parameters=[
            OpenApiParameter("stalled_days", int, description="Stalled after this many days in a stage (180)"),
            OpenApiParameter(
                "stalled_limit",
                int,
                description=f"List at most this many stalled projects ({DEFAULT_STALLED_LIMIT}, at most "
                f"{MAX_STALLED_LIMIT}); the spreadsheet lists them all",
            ),
            _stages(),
            _id("company", "The investor"),
            _id("industry", "The project's industry or one below it"),
            _id("owner", "The project's owner"),
            OpenApiParameter("location", str),
            OpenApiParameter("total_investment__gte", OpenApiTypes.DECIMAL),
            OpenApiParameter("total_investment__lte", OpenApiTypes.DECIMAL),
            FORMAT,
        ],
        responses=xlsx_responses(PipelineSerializer),
    )
    def get(self, request):
        params = self.check(PipelineParams)
        if request.accepted_renderer.format == "xlsx":
            params["stalled_limit"] = None  # the spreadsheet is the full list
        result = computed(stats.pipeline_stats, user=request.user, params=request.query_params, **params)
        return self.answer(result)


# stats/kpis/ -------------------------------------------------------------------------------------


class RatioSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = RateField()


class CapitalArrivalRateSerializer(serializers.Serializer):
    arrived = MoneyField()
    contracted = MoneyField()
    projects = serializers.IntegerField(help_text="Signed projects with a contracted investment")
    rate = RateField()


class KPISerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    signed_projects = serializers.IntegerField()
    signed_investment = MoneyField()
    projects_without_investment = serializers.IntegerField()
    projects_over_100m = serializers.IntegerField(help_text="亿元以上: total investment ≥ 100,000,000")
    projects_over_1b = serializers.IntegerField(help_text="10亿元以上: total investment ≥ 1,000,000,000")
    target = MoneyField(allow_null=True)
    target_note = serializers.CharField(allow_blank=True)
    target_completion_rate = RateField()
    fulfilment = RatioSerializer(help_text="履约率")
    construction_start = RatioSerializer(help_text="开工率")
    completion = RatioSerializer(help_text="竣工率")
    capital_arrival = CapitalArrivalRateSerializer(help_text="资金到位率")
    capital_arrived_in_year = MoneyField()


class KPIParams(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    as_of = serializers.DateField(required=False)


class KPIStatsView(StatsView):
    """The figures the bureau is assessed on for a year; definitions in docs/stats.md."""

    serializer_class = KPISerializer
    sheets = staticmethod(xlsx.kpi_sheets)
    filename = ("年度指标", "kpis")

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="The year (default: this year)"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Count up to this day (default: today or 31 Dec)"),
            FORMAT,
        ],
        responses=xlsx_responses(KPISerializer),
    )
    def get(self, request):
        params = self.check(KPIParams)
        year = params.get("year", today().year)
        result = computed(stats.kpis, user=request.user, year=year, as_of=params.get("as_of"))
        return self.answer(result, name_suffix=f"_{year}")


# stats/events/{meeting_id}/ ----------------------------------------------------------------------


class EventMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    date = serializers.DateField()
    location = serializers.CharField(allow_blank=True)
    url = ApiUrlField("meeting-detail")


class OutcomeSerializer(serializers.Serializer):
    date = serializers.DateField()
    started_construction = serializers.IntegerField(allow_null=True)
    in_production = serializers.IntegerField(allow_null=True)
    capital_arrived = MoneyField(allow_null=True)
    capital_arrival_rate = RateField()


class CheckpointSerializer(OutcomeSerializer):
    months = serializers.IntegerField()
    reached = serializers.BooleanField(help_text="False while the date is still to come (figures are null)")


class EventProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company = serializers.IntegerField(allow_null=True)
    company_name = serializers.CharField(allow_null=True)
    signed_on = serializers.DateField(allow_null=True)
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    stage_display = serializers.CharField()
    total_investment = MoneyField(allow_null=True)
    contracted_investment = MoneyField(allow_null=True)
    construction_on = serializers.DateField(allow_null=True)
    production_on = serializers.DateField(allow_null=True)
    capital_arrived = MoneyField()
    url = ApiUrlField("project-detail")


class EventAgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    kind_display = serializers.CharField()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    status_display = serializers.CharField()
    signed_on = serializers.DateField()
    amount = MoneyField(allow_null=True)
    project = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(allow_null=True)
    url = ApiUrlField("agreement-detail")


class EventOutcomeSerializer(serializers.Serializer):
    meeting = EventMeetingSerializer()
    agreements = serializers.IntegerField()
    amount = MoneyField()
    projects = serializers.IntegerField(help_text="Projects first signed at this meeting")
    total_investment = MoneyField()
    contracted_investment = MoneyField()
    checkpoints = CheckpointSerializer(many=True)
    current = OutcomeSerializer()
    project_list = EventProjectSerializer(many=True)
    agreement_list = EventAgreementSerializer(many=True)


class EventStatsView(StatsView):
    """What the signings at one meeting (a promotion conference) became after 6, 12 and 24 months."""

    serializer_class = EventOutcomeSerializer
    sheets = staticmethod(xlsx.event_sheets)
    filename = ("活动签约成效", "event-outcomes")

    @extend_schema(parameters=[FORMAT], responses=xlsx_responses(EventOutcomeSerializer))
    def get(self, request, meeting_id: int):
        meeting = get_object_or_404(Meeting, pk=meeting_id)
        result = computed(stats.event_outcomes, user=request.user, meeting=meeting)
        return self.answer(result, name_suffix=f"_{meeting.pk}")


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
        self.count = timeline.count()
        offset = self.start(request, lambda: self.count)
        self.more = offset + self.page_size_now < self.count
        if offset >= self.count:
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
            return []
        return timeline.page(offset, self.page_size_now)


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


__all__ = [
    "CompanyBriefingView",
    "CompanyTimelineView",
    "EventStatsView",
    "InvestmentTargetViewSet",
    "KPIStatsView",
    "PipelineStatsView",
    "SignedStatsView",
]
