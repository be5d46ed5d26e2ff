from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("招商引资")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import roles  # noqa: F401  (connects the post_migrate sync of role permissions)
