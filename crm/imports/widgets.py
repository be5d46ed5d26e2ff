"""Cells as people write them: text, yes/no, choices by label, amounts in 亿/万, Chinese dates,
related records by name; and ``column``, a resource's column with its Chinese name."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from .. import access
from ..models import (
    Company,
    Industry,
    Meeting,
    Project,
    User,
)
from ..models.validators import CREDIT_CODE_ALPHABET, NUL_NOT_ALLOWED, normalize_credit_code

# Cell values --------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: ``None`` is empty, 13800000000.0 from a spreadsheet is 13800000000."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if "\x00" in text:
            raise ValueError(str(NUL_NOT_ALLOWED))
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CreditCodeWidget(TextWidget):
    """People paste codes with spaces and in lower case; the model's validator checks the rest."""

    def clean(self, value, row=None, **kwargs):
        return normalize_credit_code(cell_text(value))


class CountryWidget(TextWidget):
    """Country codes as the API takes them: ``cn`` is CN; the model's validator refuses 中国."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).upper()


class YesNoWidget(widgets.Widget):
    """是/否 in the files; 1/0, Y/N, true/false and ✓ are understood too. Empty means no."""

    YES = {"是", "1", "y", "yes", "true", "✓", "√", "x"}
    NO = {"否", "0", "n", "no", "false", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).casefold()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("「%(value)s」应为“是”或“否”。") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (as exported), its English label or its code."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _lookup(self) -> dict[str, str]:
        names = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for value, label in self.choices.choices:
                    names[str(label).casefold()] = value
        for value in self.choices.values:
            names[value.casefold()] = value
        return names

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        found = self._lookup().get(text.casefold())
        if found is None:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for label in self.choices.labels)
            raise ValueError(
                _("「%(value)s」不是可选的值（可选：%(allowed)s）。") % {"value": text, "allowed": allowed}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(self.choices(value).label)


AMOUNT_UNITS = {"亿元": Decimal(10**8), "亿": Decimal(10**8), "万元": Decimal(10**4), "万": Decimal(10**4), "元": 1}


class AmountWidget(widgets.Widget):
    """Yuan; "20亿", "3,500万" and "1.2亿元" are read as people write them."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        text = re.sub(r"[\s,，]", "", cell_text(value))
        if not text:
            return None
        factor = Decimal(1)
        for unit, unit_factor in AMOUNT_UNITS.items():
            if text.endswith(unit):
                text, factor = text[: -len(unit)], Decimal(unit_factor)
                break
        try:
            return (Decimal(text) * factor).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValueError(
                _("「%(value)s」不是有效的金额（以元为单位，或写作“20亿”“3500万”）。") % {"value": cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = re.sub(r"[\s,，]", "", cell_text(value))
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or abs(number) > 10**12:
            raise ValueError(_("「%(value)s」不是整数。") % {"value": cell_text(value)})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class DateWidget(widgets.Widget):
    """2024-10-22, 2024/10/22, 2024.10.22 or 2024年10月22日; a spreadsheet's own date cells too."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
        match = DATE_PATTERN.match(text)
        try:
            if match is None:
                raise ValueError
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ValueError(_("「%(value)s」不是有效的日期（例如 2024-10-22）。") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class RelatedWidget(widgets.Widget):
    """A related record by what people call it; ``user`` is set by the resource (visibility)."""

    user = None
    noun = ""

    def queryset(self):
        raise NotImplementedError

    def candidates(self, text: str):
        raise NotImplementedError

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        found = list(self.candidates(text)[:2])
        if not found:
            raise ValueError(_("找不到%(noun)s「%(value)s」。") % {"noun": self.noun, "value": text})
        if len(found) > 1:
            raise ValueError(
                _("「%(value)s」对应多条%(noun)s记录，请写得更具体。") % {"noun": self.noun, "value": text}
            )
        return found[0]

    def label(self, obj) -> str:
        return str(obj)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.label(value)


def looks_like_credit_code(text: str) -> bool:
    code = normalize_credit_code(text)
    return len(code) == 18 and all(ch in CREDIT_CODE_ALPHABET for ch in code)


class CompanyWidget(RelatedWidget):
    """A partner by its credit code, its name or its short name."""

    noun = gettext_lazy("合作方")

    def candidates(self, text):
        if looks_like_credit_code(text):
            return Company.objects.filter(credit_code=normalize_credit_code(text))
        by_name = Company.objects.filter(name=text)
        return by_name if by_name.exists() else Company.objects.filter(short_name=text)

    def label(self, obj):
        return obj.name


class ProjectWidget(RelatedWidget):
    """A project by its name or code name, among those the importing user may see."""

    noun = gettext_lazy("项目")

    def candidates(self, text):
        visible = access.visible(self.user, Project.objects.all()) if self.user is not None else Project.objects.all()
        by_name = visible.filter(name=text)
        return by_name if by_name.exists() else visible.filter(code_name=text)

    def label(self, obj):
        return obj.name


class UserWidget(RelatedWidget):
    """A member of staff by user name or full name."""

    noun = gettext_lazy("用户")

    def candidates(self, text):
        by_username = User.objects.filter(username=text)
        return by_username if by_username.exists() else User.objects.filter(full_name=text)

    def label(self, obj):
        return obj.username


class IndustryWidget(RelatedWidget):
    noun = gettext_lazy("产业")

    def candidates(self, text):
        by_code = Industry.objects.filter(code=text)
        return by_code if by_code.exists() else Industry.objects.filter(name=text)

    def label(self, obj):
        return obj.code


class MeetingWidget(RelatedWidget):
    noun = gettext_lazy("会见活动")

    def candidates(self, text):
        return Meeting.objects.filter(title=text)

    def label(self, obj):
        return obj.title


class NamesWidget(widgets.ManyToManyWidget):
    """Several records in one cell, separated by 、 , ， ; or ；."""

    SEPARATORS = re.compile(r"[、,，;；\n]+")

    def __init__(self, model, lookups, noun, **kwargs):
        super().__init__(model, separator="、", field=lookups[0], **kwargs)
        self.lookups = lookups
        self.noun = noun

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in self.SEPARATORS.split(cell_text(value)) if name.strip()]
        if not names:
            return self.model.objects.none()
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{f"{lookup}__in": names})
        found = list(self.model.objects.filter(condition))
        known = {str(getattr(obj, lookup)) for obj in found for lookup in self.lookups}
        missing = [name for name in names if name not in known]
        if missing:
            raise ValueError(_("找不到%(noun)s：%(names)s。") % {"noun": self.noun, "names": "、".join(missing)})
        return self.model.objects.filter(pk__in=[obj.pk for obj in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "、".join(str(getattr(item, self.field)) for item in value.all())


def column(attribute: str, name: str, widget=None, **kwargs) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget or TextWidget(), **kwargs)
