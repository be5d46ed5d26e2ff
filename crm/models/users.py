import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Language

ROLE_NAMES = ("viewer", "editor", "manager")


class User(AbstractUser):
    """A member of the bureau's staff."""

    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    language = models.CharField(_("邮件语言"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    ical_token = models.CharField(_("日历订阅令牌"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.display_name(self.full_name, self.username)

    @staticmethod
    def display_name(full_name: str, username: str) -> str:
        """How a user is named everywhere: the full name, else the username."""
        return full_name or username

    def save(self, *args, **kwargs):
        if not self.full_name:
            self.full_name = f"{self.last_name}{self.first_name}".strip()
        super().save(*args, **kwargs)

    @property
    def roles(self) -> frozenset[str]:
        """The CRM roles of this user; superusers hold all. Cached on the instance."""
        cached = getattr(self, "_crm_roles", None)
        if cached is None:
            if self.is_superuser:
                cached = frozenset(ROLE_NAMES)
            else:
                cached = frozenset(self.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
            self._crm_roles = cached
        return cached

    @property
    def is_manager(self) -> bool:
        return "manager" in self.roles

    def rotate_ical_token(self) -> str:
        self.ical_token = secrets.token_urlsafe(32)
        self.save(update_fields=["ical_token"])
        return self.ical_token
