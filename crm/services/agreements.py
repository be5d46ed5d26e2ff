"""Agreements: signing, and the project that moves to 签约 with it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Agreement, Project, User
from ..models.choices import AgreementStatus, ProjectStage
from ..webhooks import events as webhook_events
from .common import attribute, not_in_future, plain_create, plain_update, today
from .projects import project_change_stage


def check_agreement(*, user: User | None, record: Agreement | None, values: dict) -> None:
    if values.get("signed_on") is not None:
        not_in_future(values["signed_on"], rule="signed_on")


@transaction.atomic
def agreement_sign(*, agreement: Agreement, user: User | None, signed_on: dt.date | None = None) -> Agreement:
    """Record an agreement as signed; a project still before signing moves to 签约 with it."""
    signed_on = not_in_future(signed_on or agreement.signed_on, rule="signed_on") or today()
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = signed_on
    attribute(agreement, user, _("签约"))
    agreement.save()
    _advance_project_on_signing(agreement, user)
    webhook_events.agreement_signed(agreement, user)  # the outbox: written in this transaction
    return agreement


def _advance_project_on_signing(agreement: Agreement, user: User | None) -> None:
    if agreement.project_id is None:
        return
    project = Project.objects.select_for_update().get(pk=agreement.project_id)
    if project.stage in (ProjectStage.LEAD, ProjectStage.NEGOTIATING):
        latest = project.stage_changes.order_by("-changed_on").values_list("changed_on", flat=True).first()
        project_change_stage(
            project=project,
            to_stage=ProjectStage.SIGNED,
            user=user,
            reason=_("签署协议：%(title)s") % {"title": agreement.title},
            # A signing entered late still keeps the history in order.
            changed_on=max(agreement.signed_on, latest) if latest else agreement.signed_on,
            fields=("status", "signed_on", "signed_on"),
        )


@transaction.atomic
def agreement_create(*, user: User | None, values: dict, reason: str = "") -> Agreement:
    """Create an agreement; one created as signed is signed as :func:`agreement_sign` signs."""
    values = dict(values)
    signs = values.get("status") == AgreementStatus.SIGNED
    if signs:
        values["status"] = AgreementStatus.DRAFT
    agreement = plain_create(model=Agreement, user=user, values=values, reason=reason)
    if signs:
        agreement = agreement_sign(agreement=agreement, user=user, signed_on=agreement.signed_on)
    return agreement


@transaction.atomic
def agreement_update(*, record: Agreement, user: User | None, values: dict, reason: str = "") -> Agreement:
    """Change an agreement; a draft moved to signed is signed as :func:`agreement_sign` signs."""
    values = dict(values)
    signs = values.get("status") == AgreementStatus.SIGNED and record.status == AgreementStatus.DRAFT
    if signs:
        values.pop("status")
    record = plain_update(record=record, user=user, values=values, reason=reason)
    if signs:
        record = agreement_sign(agreement=record, user=user, signed_on=record.signed_on)
    return record
