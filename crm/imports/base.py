"""The import door every resource shares: Chinese columns, all-or-nothing files, every row
written by the services with the version it was exported with (see ``records.py``)."""

from __future__ import annotations

import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from .. import access, services
from ..services.common import differs
from .widgets import IntegerWidget, RelatedWidget, cell_text

# The base resource ----------------------------------------------------------------------------------------


STALE_ROW = gettext_lazy(
    "此行导出时的版本为 %(seen)s，记录现已是第 %(current)s 版（导出后已被修改）：请重新导出后再修改。"
    " The row was exported at version %(seen)s; the record is now at version %(current)s: export it again."
)
VERSION_NEEDED = gettext_lazy(
    "修改已有记录的行须带「版本」列（导出文件中有）。"
    " A row that changes an existing record needs its version (the “版本” column of the export)."
)


class CRMResource(resources.ModelResource):
    """Chinese columns, all-or-nothing imports, every row written by the services."""

    # The version a row was exported with: read on import to refuse stale rows, never written.
    version = fields.Field(attribute="version", column_name="版本", widget=IntegerWidget(), readonly=True)

    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()

    def __init__(self, user=None, max_rows=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.max_rows = max_rows  # the admin's IMPORT_MAX_ROWS; None (scripts, the benchmark): any
        for field in self.fields.values():
            if isinstance(field.widget, RelatedWidget):
                field.widget.user = user

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name)

    def get_queryset(self):
        queryset = super().get_queryset()
        return access.visible(self.user, queryset) if self.user is not None else queryset

    # Import ------------------------------------------------------------------------------

    def _header_aliases(self) -> dict[str, str]:
        """Field names and English labels of the columns, each mapped to the Chinese column."""
        aliases = {}
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields()}
        for field in self.fields.values():
            names = {field.column_name, field.attribute}
            model_field = model_fields.get(field.attribute)
            if model_field is not None and hasattr(model_field, "verbose_name"):
                with translation.override("en"):
                    names.add(str(model_field.verbose_name))
            for name in names:
                aliases[name.strip().casefold()] = field.column_name
        return aliases

    def before_import(self, dataset, **kwargs):
        aliases = self._header_aliases()
        dataset.headers = [
            aliases.get(cell_text(header).rstrip("*").strip().casefold(), cell_text(header))
            for header in dataset.headers or []
        ]
        # Wholly empty lines at the end of a spreadsheet are not rows.
        for index in reversed(range(len(dataset))):
            if all(cell_text(value) == "" for value in dataset[index]):
                del dataset[index]
        if self.max_rows is not None and len(dataset) > self.max_rows:
            raise ValueError(
                _(
                    "文件有 %(rows)s 行，一次最多导入 %(max)s 行，请拆分后分批导入。"
                    " The file has %(rows)s rows; at most %(max)s can be imported at once: split it."
                )
                % {"rows": len(dataset), "max": self.max_rows}
            )
        super().before_import(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # Many-to-many columns are read only after the save; check them now, with the others.
        for field in self._many_columns(row):
            try:
                field.clean(row, **kwargs)
            except ValueError as exc:
                errors[field.attribute] = ValidationError(str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)

    def _many_columns(self, row) -> list:
        return [
            field
            for field in self.get_import_fields()
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row
        ]

    def row_values(self, instance, row) -> dict:
        """What the row says, field by field: the columns present in the file, as the services
        take them (references as records, many-to-many fields as lists)."""
        values = {}
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                values[field.attribute] = list(field.clean(row))
            else:
                values[field.attribute] = getattr(instance, field.attribute, None)
        return values

    def changes(self, original, instance, row) -> dict:
        """The row's values that differ from the stored record ``original``; a column that is not
        stored (a stage's reason) counts when it is filled in. Worked out once a row: the skip
        decision and the write both ask."""
        if self.current_changes is None:
            stored = {field.name for field in type(original)._meta.get_fields()}
            self.current_changes = {
                name: value
                for name, value in self.row_values(instance, row).items()
                if (differs(original, name, value) if name in stored else value not in (None, ""))
            }
        return self.current_changes

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row that changes nothing of its record is skipped (whatever version it carries)."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        return not self.changes(original, instance, row)

    def after_init_instance(self, instance, new, row, **kwargs):
        # The record as stored, before the row's values are set on ``instance``.
        self.current_original = None if new else copy.deepcopy(instance)
        self.current_changes = None

    def seen_version(self, row) -> int | None:
        try:
            return self.fields["version"].widget.clean(row.get(self.fields["version"].column_name))
        except ValueError as exc:
            raise ValidationError({"version": str(exc)}) from None

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write the row through the services; their refusals become the row's errors."""
        reason = _("导入")
        try:
            if is_create:
                saved = services.create(
                    model=type(instance), user=self.user, values=self.row_values(instance, row), reason=reason
                )
            else:
                original = self.current_original
                saved = services.update(
                    record=original,
                    user=self.user,
                    values=self.changes(original, instance, row),
                    seen_version=self.seen_version(row),
                    reason=reason,
                )
        except (services.ServiceError, services.ServiceForbidden) as exc:
            raise ValidationError({exc.field or NON_FIELD_ERRORS: [exc.message]}) from None
        except services.StaleVersion as exc:
            raise ValidationError({"version": [STALE_ROW % {"seen": exc.seen, "current": exc.current}]}) from None
        except services.VersionRequired:
            raise ValidationError({"version": [str(VERSION_NEEDED)]}) from None
        # The preview and the row's result show the record as saved.
        instance.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        instance._state.adding = False

    def save_m2m(self, instance, row, **kwargs):
        """Many-to-many fields were written with the rest of the row, by the services."""

    # Export ------------------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        queryset = queryset.select_related(*self.export_select_related).prefetch_related(*self.export_prefetch_related)
        return super().export(queryset=queryset, **kwargs)


def _row_text(row, column_name: str) -> str:
    return cell_text(row.get(column_name))


def _one(queryset, message: str):
    found = list(queryset[:2])
    if len(found) > 1:
        raise ValidationError(message, code="ambiguous")
    return found[0] if found else None
