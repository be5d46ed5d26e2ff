"""``stats/signed/``, ``stats/pipeline/``, ``stats/kpis/`` and ``stats/events/{meeting_id}/``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers

from ...models import Meeting
from ...models.choices import AgreementKind, AgreementStatus, ProjectStage
from ...models.targets import FIRST_YEAR, LAST_YEAR
from ...reports import stats
from ...reports.stats import xlsx
from ...reports.stats.pipeline import DEFAULT_STALLED_LIMIT, MAX_STALLED_DAYS, MAX_STALLED_LIMIT
from ...reports.stats.signed import DEFAULT_TOP, MAX_TOP
from ...services import today
from .base import FORMAT, ApiUrlField, DaysField, MoneyField, RateField, StatsView, computed, xlsx_responses

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
