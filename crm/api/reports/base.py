"""What every report view shares: the JSON, XLSX and HTML renderers, the query's check (400
naming the field), and the fields for money, rates, days and links."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ...reports import stats
from ...reports.stats import xlsx
from ...services import today
from ..base import ERRORS
from ..renderers import JSONRenderer

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
