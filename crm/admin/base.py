"""What every admin of the CRM shares: optimistic locking, confidentiality, history, import/export.

- **No lost update.** Every change form carries the version it was opened with (a hidden
  ``seen_version``). On save the record is re-read under ``SELECT … FOR UPDATE`` inside the
  admin's transaction; if its version moved on, the form is refused with an error and nothing
  is written, so the newer data stays. Inline rows carry their own version the same way.
- **Confidential projects** stay out of every list, form, autocomplete and history page of a
  user who is neither their owner, in their team, nor a manager.
- **History** (django-simple-history) is shown with a diff per change; reverting is disabled,
  because a revert would bypass the services and the version check.
- **Roles** come from the model permissions of the groups (``crm/roles.py``): viewers see,
  editors add and change, managers also delete. Import needs add and change, export view.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from .. import access, services
from ..formatting import format_amount
from ..models.base import TrackedModel, normalize_search

VERSION_FIELD = "seen_version"

# Bookkeeping columns that change on every save: a history diff lists only what a person changed.
HISTORY_NOISE = ["version", "updated_at", "created_at", "search_text"]


def stale_error(instance, seen) -> ValidationError:
    """The error of a form opened on an older version of ``instance``: who changed it, and when."""
    last = None
    if hasattr(type(instance), "history"):
        last = instance.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    who = str(last.history_user) if last is not None and last.history_user is not None else gettext("其他用户")
    when = timezone.localtime(last.history_date).strftime("%Y-%m-%d %H:%M") if last is not None else ""
    return ValidationError(
        _(
            "保存失败：您打开此页面后，这条记录已被%(who)s于%(when)s修改（版本 %(seen)s → %(current)s）。"
            "为避免覆盖他人的修改，本次内容没有保存，系统保留较新的内容。请重新打开此页面，在最新内容上修改。"
        ),
        code="stale",
        params={"who": who, "when": when, "seen": seen if seen is not None else "?", "current": instance.version},
    )


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to save over a newer version of its record, and shows the
    services' refusals beside its fields (the same rules the save then applies)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user = None  # set by the admin's get_form / get_formset: the rules depend on who saves
    # Form fields that are not model fields but go to the service (a stage's reason).
    service_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._tracks_version():
            self.fields[VERSION_FIELD].initial = self.instance.version

    def _tracks_version(self) -> bool:
        return isinstance(self.instance, TrackedModel) and not self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        # ``self.instance`` is still the record as read (under a lock) in this request.
        if self._tracks_version() and cleaned.get(VERSION_FIELD) != self.instance.version:
            raise stale_error(self.instance, cleaned.get(VERSION_FIELD))
        if not self.errors and isinstance(self.instance, TrackedModel):
            adding = self.instance._state.adding
            try:
                services.validate(
                    model=type(self.instance),
                    user=self.user,
                    record=None if adding else self.instance,
                    values=self.service_values(),
                )
            except (services.ServiceError, services.ServiceForbidden) as exc:
                self.add_service_error(exc)
        return cleaned

    def add_service_error(self, exc) -> None:
        field = getattr(exc, "field", None)
        self.add_error(field if field in self.fields else None, exc.message)

    def service_values(self) -> dict:
        """What this form writes, for the services: every model field of a new record (with the
        parent an inline row hangs from), the changed ones of an existing record."""
        model = self._meta.model
        names = {f.name for f in model._meta.get_fields() if f.concrete and not f.auto_created}
        cleaned = getattr(self, "cleaned_data", {})
        if self.instance._state.adding:
            values = {name: value for name, value in cleaned.items() if name in names}
            for field in model._meta.concrete_fields:
                if field.is_relation and field.name not in values and getattr(self.instance, field.attname, None):
                    values[field.name] = getattr(self.instance, field.attname)
        else:
            values = {name: cleaned[name] for name in self.changed_data if name in names and name in cleaned}
        values.update({name: cleaned[name] for name in self.service_fields if name in cleaned})
        return values


def overdue_text(due_on, today) -> str | None:
    """ "逾期 3 天" for an open item past its date, else None."""
    days = (today - due_on).days if due_on else 0
    if days <= 0:
        return None
    return ngettext("逾期 %(days)d 天", "逾期 %(days)d 天", days) % {"days": days}


def amount_column(field: str, description):
    """A list_display column showing a yuan amount in 万元/亿元."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return format_amount(getattr(obj, field)) or None

    column.__name__ = f"{field}_display"
    return column


class VisibilityMixin:
    """Confidential projects, and everything hanging from them, stay hidden from outsiders."""

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = access.visible(request.user, db_field.related_model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LockedInlineMixin(VisibilityMixin):
    """Inline rows carry their version; on save they are re-read under a row lock."""

    form = VersionedModelForm
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.user = request.user
        return formset

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.method == "POST" and transaction.get_connection().in_atomic_block:
            queryset = queryset.select_for_update(of=("self",))
        return queryset


class CRMAdmin(VisibilityMixin, SimpleHistoryAdmin):
    """The base of every admin of a CRM record."""

    form = VersionedModelForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    show_full_result_count = False
    save_on_top = False

    # Locking -----------------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        # A save re-reads the record under a row lock; the form compares its version with it.
        if (
            obj is not None
            and isinstance(obj, TrackedModel)
            and request.method == "POST"
            and transaction.get_connection().in_atomic_block
        ):
            obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        return obj

    def get_fieldsets(self, request, obj=None):
        """The hidden version goes into the first fieldset of a form that can be saved."""
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != VERSION_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        editable = obj is None or self.has_change_permission(request, obj)
        if editable and issubclass(self.model, TrackedModel) and obj is not None and fieldsets:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})
        return fieldsets

    # Writes: every save goes through the services (crm/services) ------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refusal the form could not foresee (an inline row of a record created on the same
        page) is shown as a message; the transaction, and so everything of the page, is undone."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.ServiceError, services.ServiceForbidden) as exc:
            messages.error(request, gettext("未保存：%(reason)s") % {"reason": exc.message})
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        values = form.service_values()
        if change:
            seen = form.cleaned_data.get(VERSION_FIELD, obj.version)
            saved = services.update(record=obj, user=request.user, values=values, seen_version=seen)
        else:
            saved = services.create(model=type(obj), user=request.user, values=values)
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # The form's many-to-many fields went to the service with the rest of the record.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if not (issubclass(formset.model, TrackedModel) and issubclass(formset.form, VersionedModelForm)):
            return super().save_formset(request, form, formset, change)
        deleted = formset.deleted_forms if formset.can_delete else []
        # What Django's change message reads from a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            seen = row.cleaned_data.get(VERSION_FIELD)
            if row in deleted:
                services.delete(record=row.instance, user=request.user, seen_version=seen)
                formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                values = row.service_values()
                saved = services.update(record=row.instance, user=request.user, values=values, seen_version=seen)
                formset.changed_objects.append((saved, row.changed_data))
        for row in formset.extra_forms:
            if row.has_changed() and row not in deleted:
                values = {**row.service_values(), formset.fk.name: formset.instance}
                formset.new_objects.append(services.create(model=formset.model, user=request.user, values=values))

    def delete_model(self, request, obj):
        services.delete(record=obj, user=request.user, seen_version=getattr(obj, "version", None))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete(record=obj, user=request.user, seen_version=getattr(obj, "version", None))

    # Search --------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """Full-width and upper-case letters find what was written half-width and lower-case."""
        if search_term and any(f.name == "search_text" for f in self.model._meta.get_fields()):
            search_term = normalize_search(search_term)
        return super().get_search_results(request, queryset, search_term)

    # History -------------------------------------------------------------------------------

    object_history_list_template = "admin/crm/object_history_list.html"

    def revert_disabled(self, request, obj=None):
        return True

    def _check_history_access(self, request, object_id):
        """A hidden record has no history page either (its history would reveal it)."""
        try:
            pk = self.model._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404 from None
        if not self.get_queryset(request).filter(pk=pk).exists():
            exists = self.model._default_manager.filter(pk=pk).exists()
            if exists or not getattr(request.user, "is_manager", False):
                raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied  # reverting is disabled: it would bypass locking and services
        self._check_history_access(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=HISTORY_NOISE, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


def adopt(obj, saved) -> None:
    """Make ``obj``, the admin's instance, the record the service saved (its pk, values, state)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records only the system writes (reminders, sweeps, stage changes): to look at, not to edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Import and export ------------------------------------------------------------------------------


class ExportForm(SelectableFieldsExportForm):
    """The columns to export, named as in the file (translated in English)."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return gettext(field.column_name) if field is not None else field_name


class CRMExportMixin(ExportActionMixin):
    """An "export the selected rows" action (CSV, XLSX) and an export button, for anyone who may view."""

    export_formats = [XLSX, CSV]
    export_form_class = ExportForm
    import_export_change_list_template = "admin/import_export/change_list_export.html"
    show_change_form_export = False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_valid_export_item_pks(self, request):
        return self.get_queryset(request).values_list("pk", flat=True)


class CRMImportExportMixin(ImportMixin, CRMExportMixin):
    """Import with a preview of every row's errors; nothing is written unless every row is valid."""

    import_formats = [XLSX, CSV]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_error_display = ("message", "row")

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user, "max_rows": settings.IMPORT_MAX_ROWS}

    def import_action(self, request, **kwargs):
        """The preview, with every invalid row's errors spelled out by column (not only on hover)."""
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if result is not None and result.has_validation_errors():
            resource = self.get_import_resource_classes(request)[0]()
            labels = {name: gettext(field.column_name) for name, field in resource.fields.items()}
            labels[NON_FIELD_ERRORS] = gettext("整行")
            response.context_data["readable_errors"] = [
                {
                    "number": row.number,
                    "errors": [(labels.get(name, name), errors) for name, errors in row.error_dict.items()],
                }
                for row in result.invalid_rows
            ]
        return response

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # The confirmed import runs again from the file: if any row fails now (the data changed
        # since the preview), the whole import is rolled back, not just the failing rows.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                gettext("导入失败：有的行无法导入，全部数据均未写入。请重新上传文件查看每一行的错误。"),
            )
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(
                reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
            )
        return super().process_result(result, request)
