"""Viewsets of the v1 contract: each declares its queryset, serializer, filters and search."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, filtersets, services
from ..auth import attach_roles, with_roles
from ..models import (
    Agreement,
    CapitalArrival,
    Company,
    Contact,
    Industry,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    Task,
    Trip,
    User,
)
from ..models.choices import RequestStatus
from . import serializers as s
from .browser import error_response
from .mixins import HistoryMixin, ManyIdsMixin, PreconditionMixin, etag_for
from .permissions import IsAuthenticatedUser
from .rows import RowListMixin
from .throttling import SiteWideScopedRateThrottle

ERRORS = {
    400: error_response(400, "Validation error: {field: [messages]}"),
    401: error_response(401, "Not authenticated"),
    403: error_response(403, "Forbidden for this role"),
    404: error_response(404, "Not found"),
}
WRITE_ERRORS = {
    **ERRORS,
    409: error_response(409, "Conflict (referenced record, duplicate)"),
    412: error_response(412, "Stale If-Match or version"),
    428: error_response(428, "If-Match or version required"),
}


def documented(serializer):
    """Declare the error responses every operation can really give."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **ERRORS}),
        retrieve=extend_schema(responses={200: serializer, **ERRORS}),
        create=extend_schema(responses={201: serializer, **WRITE_ERRORS}),
        update=extend_schema(responses={200: serializer, **WRITE_ERRORS}),
        partial_update=extend_schema(responses={200: serializer, **WRITE_ERRORS}),
        destroy=extend_schema(responses={204: None, **WRITE_ERRORS}),
    )


class CRMViewSet(RowListMixin, PreconditionMixin, ManyIdsMixin, HistoryMixin, viewsets.ModelViewSet):
    lookup_value_regex = r"\d+"

    def _act(self, operation):
        """Run a service on the locked object, made on the version the client read (If-Match or
        ``version``: 428 without either, 412 when stale)."""
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            operation(instance)
        instance = self.refetched(instance.pk)
        return Response(self.get_serializer(instance).data, headers={"ETag": etag_for(instance)})


@documented(s.IndustrySerializer)
class IndustryViewSet(CRMViewSet):
    queryset = Industry.objects.select_related("parent")
    serializer_class = s.IndustrySerializer
    filterset_class = filtersets.IndustryFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["code", "name", "id"]


@documented(s.CompanySerializer)
class CompanyViewSet(CRMViewSet):
    queryset = Company.objects.select_related("parent", "owner")
    serializer_class = s.CompanySerializer
    filterset_class = filtersets.CompanyFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "updated_at", "fortune500_rank", "id"]
    many_id_fields = ("industries",)


@documented(s.ContactSerializer)
class ContactViewSet(CRMViewSet):
    queryset = Contact.objects.select_related("company")
    serializer_class = s.ContactSerializer
    filterset_class = filtersets.ContactFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "id"]


@documented(s.TripSerializer)
class TripViewSet(CRMViewSet):
    queryset = Trip.objects.select_related("leader")
    serializer_class = s.TripSerializer
    filterset_class = filtersets.TripFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["start_date", "end_date", "title", "id"]
    many_id_fields = ("members",)


@documented(s.MeetingSerializer)
class MeetingViewSet(CRMViewSet):
    queryset = Meeting.objects.select_related("trip", "owner")
    serializer_class = s.MeetingSerializer
    filterset_class = filtersets.MeetingFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["starts_at", "title", "id"]
    many_id_fields = ("companies", "attendees")


@documented(s.PartnerRequestSerializer)
class PartnerRequestViewSet(CRMViewSet):
    queryset = PartnerRequest.objects.select_related("company", "assignee")
    serializer_class = s.PartnerRequestSerializer
    filterset_class = filtersets.PartnerRequestFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["raised_on", "due_on", "status", "id"]

    @extend_schema(request=s.ResolveRequestSerializer, responses={200: s.PartnerRequestSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the request as resolved on ``resolved_on`` (today by default), saying how."""
        return self._close(request, RequestStatus.RESOLVED)

    @extend_schema(request=s.ResolveRequestSerializer, responses={200: s.PartnerRequestSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Close the request as declined, saying why."""
        return self._close(request, RequestStatus.DECLINED)

    def _close(self, request, status):
        body = s.ResolveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(
            lambda r: services.request_resolve(
                request=r,
                user=request.user,
                resolution=body.validated_data["resolution"],
                resolved_on=body.validated_data["resolved_on"],
                status=status,
            )
        )


@documented(s.AgreementSerializer)
class AgreementViewSet(CRMViewSet):
    serializer_class = s.AgreementSerializer
    filterset_class = filtersets.AgreementFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["signed_on", "amount", "title", "id"]
    many_id_fields = ("companies",)

    def get_queryset(self):
        return access.visible(self.request.user, Agreement.objects.all()).select_related("meeting", "project")

    @extend_schema(request=s.VersionRequestSerializer, responses={200: s.AgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Record the agreement as signed (today, or its ``signed_on``); its project moves to 签约."""
        return self._act(lambda agreement: services.agreement_sign(agreement=agreement, user=request.user))


@documented(s.ProjectSerializer)
class ProjectViewSet(CRMViewSet):
    serializer_class = s.ProjectSerializer
    filterset_class = filtersets.ProjectFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "total_investment", "stage_changed_on", "created_at", "id"]
    many_id_fields = ("industries", "team")

    def get_queryset(self):
        return access.visible(self.request.user, self.get_written_queryset())

    def get_written_queryset(self):
        return Project.objects.select_related("company", "owner").with_arrived("arrived_investment", zero=True)

    @extend_schema(request=s.StageChangeRequestSerializer, responses={200: s.ProjectSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="change-stage")
    def change_stage(self, request, pk=None):
        """Move the project to another stage, with an optional reason and date."""
        body = s.StageChangeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(
            lambda project: services.project_change_stage(
                project=project,
                to_stage=body.validated_data["stage"],
                user=request.user,
                reason=body.validated_data["reason"],
                changed_on=body.validated_data["changed_on"],
            )
        )

    @extend_schema(responses={200: s.StageChangeSerializer(many=True), **ERRORS}, filters=False)
    @action(detail=True, methods=["get"], url_path="stage-history", filter_backends=[])
    def stage_history(self, request, pk=None):
        """Every stage the project went through: when, who, why."""
        project = self.get_object()
        changes = project.stage_changes.select_related("changed_by").order_by("changed_at", "id")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(s.StageChangeSerializer(page, many=True).data)


@documented(s.CapitalArrivalSerializer)
class CapitalArrivalViewSet(CRMViewSet):
    serializer_class = s.CapitalArrivalSerializer
    filterset_class = filtersets.CapitalArrivalFilterSet
    ordering_fields = ["arrived_on", "amount", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, CapitalArrival.objects.all()).select_related("project")


@documented(s.MilestoneSerializer)
class MilestoneViewSet(CRMViewSet):
    serializer_class = s.MilestoneSerializer
    filterset_class = filtersets.MilestoneFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["due_on", "done_on", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Milestone.objects.all()).select_related("project", "assignee")

    @extend_schema(request=s.CompleteRequestSerializer, responses={200: s.MilestoneSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the milestone reached on ``done_on`` (today by default)."""
        body = s.CompleteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(
            lambda m: services.milestone_complete(
                milestone=m, user=request.user, done_on=body.validated_data["done_on"]
            )
        )

    @extend_schema(request=s.VersionRequestSerializer, responses={200: s.MilestoneSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Clear the milestone's completion."""
        return self._act(lambda m: services.milestone_reopen(milestone=m, user=request.user))


@documented(s.TaskSerializer)
class TaskViewSet(CRMViewSet):
    serializer_class = s.TaskSerializer
    filterset_class = filtersets.TaskFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["due_on", "priority", "status", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Task.objects.all()).select_related("assignee")

    @extend_schema(request=s.VersionRequestSerializer, responses={200: s.TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the task done now."""
        return self._act(lambda t: services.task_complete(task=t, user=request.user))

    @extend_schema(request=s.VersionRequestSerializer, responses={200: s.TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open the task again."""
        return self._act(lambda t: services.task_reopen(task=t, user=request.user))


@extend_schema_view(
    list=extend_schema(responses={200: s.UserSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: s.UserSerializer, **ERRORS}),
)
class UserViewSet(RowListMixin, viewsets.ReadOnlyModelViewSet):
    """Staff accounts, for pickers. Managed in the admin."""

    serializer_class = s.UserSerializer
    filterset_class = filtersets.UserFilterSet
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return with_roles(User.objects.all())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for user in page or []:
            attach_roles(user, user)
        return page

    def get_object(self):
        user = super().get_object()
        return attach_roles(user, user)


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [SiteWideScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={
            200: s.TokenResponseSerializer,
            400: error_response(400, "Validation error"),
            401: error_response(401, "Wrong username or password"),
            429: error_response(429, "Too many attempts"),
        },
    )
    def post(self, request):
        body = s.TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=body.validated_data["username"], password=body.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("用户名或密码错误。 Wrong username or password."))
        # A sign-in like the admin's: records last_login, and django-axes clears the failures.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    def get_authenticate_header(self, request):
        return "Token"


class MeView(APIView):
    """The signed-in user, with their roles."""

    permission_classes = [IsAuthenticatedUser]

    @extend_schema(responses={200: s.MeSerializer, 401: error_response(401, "Not authenticated")})
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)
