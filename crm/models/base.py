"""What every record of the CRM has: timestamps, a version for optimistic locking, search text."""

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _


def normalize_search(text: str) -> str:
    """Fold width and case so that ＡＢＣ, abc and ABC match, and Chinese is left as written."""
    return unicodedata.normalize("NFKC", text or "").casefold()


class TrackedModel(models.Model):
    """A record with a version that every save increments (the API's ETag)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Fields whose normalized text is kept in ``search_text`` (set by subclasses that search).
    search_source_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        if self.search_source_fields:
            self.search_text = " ".join(
                normalize_search(getattr(self, name)) for name in self.search_source_fields if getattr(self, name)
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)
