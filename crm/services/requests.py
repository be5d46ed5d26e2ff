"""Partner requests (企业诉求): opening, resolving and declining, with their webhook events."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import PartnerRequest, User
from ..models.choices import RequestStatus
from ..models.meetings import RESOLVED_BEFORE_RAISED
from ..webhooks import events as webhook_events
from .common import not_in_future, plain_create, plain_update, today
from .errors import ServiceError

CLOSED = (RequestStatus.RESOLVED, RequestStatus.DECLINED)
RESOLUTION_NEEDED = gettext_lazy(
    "办结或不予办理时须填写办理结果。 Say how the request was resolved (or why it was declined)."
)


def _value(record, values: dict, name: str):
    if name in values:
        return values[name]
    return getattr(record, name, None) if record is not None else None


def check_request(*, user: User | None, record: PartnerRequest | None, values: dict) -> None:
    """A closed request says how it ended, on a day neither in the future nor before it was raised."""
    status = _value(record, values, "status")
    if status not in CLOSED:
        return
    if not (_value(record, values, "resolution") or "").strip():
        raise ServiceError("resolution", str(RESOLUTION_NEEDED), code="required")
    resolved_on = not_in_future(_value(record, values, "resolved_on"), rule="resolved_on")
    raised_on = _value(record, values, "raised_on")
    if resolved_on and raised_on and resolved_on < raised_on:
        raise ServiceError("resolved_on", str(RESOLVED_BEFORE_RAISED), code="invalid")


def _close_or_open(values: dict, record: PartnerRequest | None) -> dict:
    """A request that closes is resolved today unless told otherwise; one that reopens is not."""
    status = _value(record, values, "status")
    if status in CLOSED and not _value(record, values, "resolved_on"):
        values["resolved_on"] = today()
    elif status not in CLOSED and "status" in values:
        values["resolved_on"] = None
    return values


@transaction.atomic
def request_create(*, user: User | None, values: dict, reason: str = "") -> PartnerRequest:
    values = _close_or_open(dict(values), None)
    check_request(user=user, record=None, values=values)
    request = plain_create(model=PartnerRequest, user=user, values=values, reason=reason)
    webhook_events.partner_request_saved(request, created=True, previous_status=None)
    return request


@transaction.atomic
def request_update(*, record: PartnerRequest, user: User | None, values: dict, reason: str = "") -> PartnerRequest:
    previous = record.status
    values = _close_or_open(dict(values), record)
    check_request(user=user, record=record, values=values)
    record = plain_update(record=record, user=user, values=values, reason=reason)
    webhook_events.partner_request_saved(record, created=False, previous_status=previous)
    return record


@transaction.atomic
def request_resolve(
    *,
    request: PartnerRequest,
    user: User | None,
    resolution: str,
    resolved_on: dt.date | None = None,
    status: str = RequestStatus.RESOLVED,
) -> PartnerRequest:
    """Close a request as resolved (or declined) on ``resolved_on`` (today), saying how."""
    values = {"status": status, "resolution": resolution, "resolved_on": resolved_on or today()}
    reason = _("办结诉求") if status == RequestStatus.RESOLVED else _("不予办理")
    return request_update(record=request, user=user, values=values, reason=reason)
