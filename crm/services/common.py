"""What every service shares: the bureau's calendar, who acted, and the rules of dates."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import User
from .errors import ServiceError

# The one wording of "this date cannot be in the future", per field that carries such a date.
FUTURE_DATE = {
    "changed_on": _("变更日期不能晚于今天。 The date of a change cannot be in the future."),
    "done_on": _("完成日期不能晚于今天。 A milestone cannot be done in the future."),
    "signed_on": _("签约日期不能晚于今天。 The signing date cannot be in the future."),
    "resolved_on": _("办结日期不能晚于今天。 A request cannot be resolved in the future."),
}


def today() -> dt.date:
    """The date in Asia/Shanghai, the bureau's calendar."""
    return timezone.localdate()


def not_in_future(value: dt.date | None, *, rule: str, field: str | None = None) -> dt.date | None:
    """``value`` unless it lies after today; ``rule`` picks the wording, ``field`` the field named."""
    if value is not None and value > today():
        raise ServiceError(field or rule, str(FUTURE_DATE[rule]))
    return value


def attribute(instance, user, reason: str = "") -> None:
    """Name who made the next save, and why, in its history record."""
    instance._history_user = user
    if reason:
        instance._change_reason = reason


def is_many(model, name: str) -> bool:
    """Whether ``name`` is a many-to-many field of ``model``."""
    try:
        return model._meta.get_field(name).many_to_many
    except Exception:  # noqa: BLE001  (not a model field)
        return False


def differs(record, name: str, value) -> bool:
    """Whether setting ``name`` to ``value`` changes ``record`` (stored values, ids for references)."""
    model = type(record)
    if is_many(model, name):
        old = set(getattr(record, name).values_list("pk", flat=True)) if record.pk else set()
        return old != {getattr(item, "pk", item) for item in value}
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a value that is not a column (a stage's reason): always news
        return True
    if field.is_relation:
        return getattr(record, field.attname) != getattr(value, "pk", value)
    return getattr(record, name) != value


def _split(model, values: dict) -> tuple[dict, dict]:
    many = {name: values[name] for name in values if is_many(model, name)}
    return {name: value for name, value in values.items() if name not in many}, many


def plain_create(*, model, user: User | None, values: dict, reason: str = ""):
    """Create a record of a kind without rules of its own (or after its service applied them)."""
    return plain_update(record=model(), user=user, values=values, reason=reason)


def plain_update(*, record, user: User | None, values: dict, reason: str = ""):
    """Write ``values`` (many-to-many fields too) into ``record`` after the model's validation."""
    values, many = _split(type(record), values)
    for name, value in values.items():
        setattr(record, name, value)
    attribute(record, user, reason)
    record.full_clean(exclude=list(many), validate_unique=False, validate_constraints=False)
    record.save()
    for name, items in many.items():
        getattr(record, name).set(items)
    return record
